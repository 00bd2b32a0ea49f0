// What a bench link suffers, as `--impair` writes it:
//   loss=2%            random loss (Bernoulli)
//   loss=5%,burst=4    bursty loss (Gilbert–Elliott: the same average, in bursts of 4 packets on average)
//   delay=40ms±10ms    one-way delay with uniform jitter (`+-` for ±); packets reorder as jitter dictates
//   rate=2.5mbit       a bandwidth cap: a FIFO drained at that rate (kbit, mbit or bit)
//   queue=200ms        how long that FIFO may grow before drop-tail (default 200 ms)
// Each direction of every link gets its own copy (uplink and downlink are independent).
export interface Impairment {
  lossPct: number;
  /** Mean loss-burst length in packets (Gilbert–Elliott); undefined: independent losses. */
  burstPackets: number | undefined;
  delayMs: number;
  jitterMs: number;
  /** Bandwidth cap in bit/s; undefined: none. */
  rateBps: number | undefined;
  queueMs: number;
}

export const NO_IMPAIRMENT: Impairment = {
  lossPct: 0,
  burstPackets: undefined,
  delayMs: 0,
  jitterMs: 0,
  rateBps: undefined,
  queueMs: 200,
};

export class ImpairmentSyntaxError extends Error {}

const LIMITS = { lossPct: 50, burstPackets: 100, delayMs: 2000, jitterMs: 1000, queueMs: 5000 };

/** Parses an `--impair` value (see above); throws ImpairmentSyntaxError with the part at fault. */
export function parseImpairment(text: string, base: Impairment = NO_IMPAIRMENT): Impairment {
  const impairment = { ...base };
  for (const part of text.split(',').map((piece) => piece.trim())) {
    if (part === '') continue;
    const [key, value = ''] = part.split('=', 2).map((piece) => piece.trim()) as [string, string?];
    switch (key) {
      case 'loss':
        impairment.lossPct = bounded(part, number(part, value, /^([\d.]+)%$/), 0, LIMITS.lossPct);
        break;
      case 'burst':
        impairment.burstPackets = bounded(part, number(part, value, /^([\d.]+)$/), 1, LIMITS.burstPackets);
        break;
      case 'delay': {
        const match = /^([\d.]+)ms(?:(?:±|\+-)([\d.]+)ms)?$/.exec(value);
        if (!match) throw new ImpairmentSyntaxError(`"${part}": write delay=40ms or delay=40ms±10ms`);
        impairment.delayMs = bounded(part, Number(match[1]), 0, LIMITS.delayMs);
        impairment.jitterMs = bounded(part, Number(match[2] ?? 0), 0, Math.min(LIMITS.jitterMs, impairment.delayMs));
        break;
      }
      case 'rate': {
        const match = /^([\d.]+)(bit|kbit|mbit)$/i.exec(value);
        if (!match) throw new ImpairmentSyntaxError(`"${part}": write rate=400kbit or rate=2.5mbit`);
        const scale = { bit: 1, kbit: 1e3, mbit: 1e6 }[match[2]!.toLowerCase() as 'bit' | 'kbit' | 'mbit'];
        impairment.rateBps = bounded(part, Number(match[1]) * scale, 8_000, 10_000_000_000);
        break;
      }
      case 'queue':
        impairment.queueMs = bounded(part, number(part, value, /^([\d.]+)ms$/), 1, LIMITS.queueMs);
        break;
      default:
        throw new ImpairmentSyntaxError(`"${part}": known keys are loss, burst, delay, rate, queue`);
    }
  }
  return impairment;
}

export interface ImpairmentStep {
  /** Seconds after the measuring window starts. */
  atS: number;
  impairment: Impairment;
}

const MAX_STEPS = 10;

/**
 * A schedule: `rate=2.5mbit;10s:rate=400kbit;30s:rate=2.5mbit` — the first step applies from the
 * start, each later one from its time (seconds after the measuring window starts); keys a step
 * leaves out keep `base`'s values (so `--impair`'s loss and delay stay).
 */
export function parseImpairmentSchedule(text: string, base: Impairment = NO_IMPAIRMENT): ImpairmentStep[] {
  const parts = text.split(';').map((part) => part.trim());
  if (parts.length > MAX_STEPS) throw new ImpairmentSyntaxError(`at most ${MAX_STEPS} steps`);
  const steps = parts.map((part, index): ImpairmentStep => {
    const match = /^(?:([\d.]+)s:)?(.*)$/.exec(part)!;
    const atS = match[1] === undefined ? 0 : bounded(part, Number(match[1]), 0, 600);
    if (index === 0 && atS !== 0) throw new ImpairmentSyntaxError(`"${part}": the first step applies from 0 s`);
    if (index > 0 && match[1] === undefined)
      throw new ImpairmentSyntaxError(`"${part}": give its time, e.g. 10s:rate=400kbit`);
    return { atS, impairment: parseImpairment(match[2]!, base) };
  });
  for (let index = 1; index < steps.length; index++) {
    if (steps[index]!.atS <= steps[index - 1]!.atS) {
      throw new ImpairmentSyntaxError('steps must be in increasing time order');
    }
  }
  return steps;
}

/** Short text for progress lines and JSON (`loss 2%, delay 40±10 ms`). */
export function describeImpairment(impairment: Impairment): string {
  const parts: string[] = [];
  if (impairment.lossPct > 0) {
    parts.push(
      `loss ${impairment.lossPct}%${impairment.burstPackets ? ` in bursts of ${impairment.burstPackets}` : ''}`,
    );
  }
  if (impairment.delayMs > 0) parts.push(`delay ${impairment.delayMs}±${impairment.jitterMs} ms`);
  if (impairment.rateBps !== undefined) parts.push(`rate ${impairment.rateBps / 1000} kbit/s`);
  return parts.join(', ') || 'none';
}

function number(part: string, value: string, pattern: RegExp): number {
  const match = pattern.exec(value);
  if (!match) throw new ImpairmentSyntaxError(`"${part}" is not understood`);
  return Number(match[1]);
}

function bounded(part: string, value: number, min: number, max: number): number {
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new ImpairmentSyntaxError(`"${part}": must be between ${min} and ${max}`);
  }
  return value;
}
