// One subscriber whose downlink follows a schedule (`--cap-subscriber`,
// e.g. 2.5 Mbit/s → 400 kbit/s at 10 s → back at 30 s): the steps are
// applied to its relays from the start of the measuring window, and what
// the server forwarded to it (bytes offered to its relays' downlinks, before
// the cap), the layers Stagecast decided for its tiles and its freezes are
// followed over time.
//   adaptDownMs: a cap applied → the forwarded bitrate (over 500 ms) at or
//     below the cap.
//   adaptUpMs: the cap lifted → every tile of this subscriber back at the
//     layer it had before the cap (from `webrtc:quality-adapted`).
import type { Impairment, ImpairmentStep } from '../impair/impairment.ts';
import type { BenchPeer } from '../peers/benchPeer.ts';
import type { HostPeer } from '../peers/hostPeer.ts';

/** What the probe needs of the peer (a Stagecast HostPeer behind relays). */
export type CappablePeer = BenchPeer & Pick<HostPeer, 'qualityLog' | 'setImpairment' | 'relayCounters'>;

export function isCappable(peer: BenchPeer): peer is CappablePeer {
  return 'setImpairment' in peer && 'qualityLog' in peer;
}
import { round } from '../stats.ts';

const SAMPLE_INTERVAL_MS = 250;
/** adaptDownMs looks at the forwarded bitrate over this long. */
const ADAPT_WINDOW_MS = 500;

export interface CappedSubscriberFigures {
  peer: string;
  schedule: { atS: number; rateKbps: number | null }[];
  /** [seconds since the window started, forwarded kbit/s over the last 250 ms]. */
  forwardedKbps: [number, number][];
  /** [seconds, forwarded spatial layers of its tiles (null: paused)] at each decision. */
  layers: [number, (number | null)[]][];
  /** One per cap applied (a step lowering the rate); null when it never got under within the run. */
  adaptDownMs: (number | null)[];
  /** One per cap lifted (a step raising the rate). */
  adaptUpMs: (number | null)[];
  freezes: number;
  longestFreezeMs: number;
  /** [seconds when each freeze ended (its next frame), its length in ms], in order. */
  freezeLog: [number, number][];
}

export class CappedSubscriberProbe {
  readonly #peer: CappablePeer;
  readonly #steps: readonly ImpairmentStep[];
  readonly #uplink: Impairment;
  readonly #timers: NodeJS.Timeout[] = [];
  readonly #samples: { atMs: number; bytes: number }[] = [];
  #startedAt = 0;
  #sampling = false;

  constructor(peer: CappablePeer, steps: readonly ImpairmentStep[], uplink: Impairment) {
    this.#peer = peer;
    this.#steps = steps;
    this.#uplink = uplink;
  }

  /** Applies the schedule from now on (step 0 is already in place from the join). */
  start(): void {
    this.#startedAt = performance.now();
    for (const step of this.#steps.slice(1)) {
      this.#timers.push(
        setTimeout(() => this.#peer.setImpairment({ up: this.#uplink, down: step.impairment }), step.atS * 1000),
      );
    }
    const sample = async () => {
      if (this.#sampling) return; // the relay thread is slow to answer: skip a beat rather than pile up
      this.#sampling = true;
      try {
        const counters = await this.#peer.relayCounters();
        if (counters) this.#samples.push({ atMs: performance.now(), bytes: counters.down.bytes });
      } catch {
        // The relay thread did not answer in time: this beat has no sample.
      } finally {
        this.#sampling = false;
      }
    };
    void sample();
    this.#timers.push(setInterval(() => void sample(), SAMPLE_INTERVAL_MS));
  }

  stop(): void {
    for (const timer of this.#timers) clearTimeout(timer);
  }

  figures(): CappedSubscriberFigures {
    const startedAt = this.#startedAt;
    const seconds = (atMs: number) => round((atMs - startedAt) / 1000, 2);
    const forwarded: [number, number][] = [];
    for (let index = 1; index < this.#samples.length; index++) {
      const previous = this.#samples[index - 1]!;
      const current = this.#samples[index]!;
      const kbps = ((current.bytes - previous.bytes) * 8) / (current.atMs - previous.atMs);
      forwarded.push([seconds(current.atMs), round(kbps, 0)]);
    }
    const adaptDownMs: (number | null)[] = [];
    const adaptUpMs: (number | null)[] = [];
    let previousRate = this.#steps[0]?.impairment.rateBps ?? Infinity;
    /** Each tile's layer just before the latest cap: what it wants back. */
    let wanted = layersAt(this.#peer, startedAt);
    for (const step of this.#steps.slice(1)) {
      const rate = step.impairment.rateBps ?? Infinity;
      const stepAt = startedAt + step.atS * 1000;
      if (rate < previousRate) {
        wanted = layersAt(this.#peer, stepAt);
        adaptDownMs.push(timeUnderCap(this.#samples, stepAt, rate));
      } else if (rate > previousRate) {
        adaptUpMs.push(backToLayersAfter(this.#peer, stepAt, wanted));
      }
      previousRate = rate;
    }
    const freezes = this.#peer.receivedStreams.flatMap((stream) =>
      (stream.frames?.freezeLog ?? []).filter((freeze) => freeze.endedAtMs >= startedAt),
    );
    return {
      peer: this.#peer.plan.label,
      schedule: this.#steps.map((step) => ({
        atS: step.atS,
        rateKbps: step.impairment.rateBps === undefined ? null : step.impairment.rateBps / 1000,
      })),
      forwardedKbps: forwarded,
      layers: this.#peer.qualityLog
        .filter((entry) => entry.atMs >= startedAt)
        .map((entry): [number, (number | null)[]] => [
          seconds(entry.atMs),
          [...layersAt(this.#peer, entry.atMs).values()],
        ]),
      adaptDownMs,
      adaptUpMs,
      freezes: freezes.length,
      longestFreezeMs: Math.round(Math.max(0, ...freezes.map((freeze) => freeze.durationMs))),
      freezeLog: freezes
        .sort((a, b) => a.endedAtMs - b.endedAtMs)
        .map((freeze): [number, number] => [seconds(freeze.endedAtMs), Math.round(freeze.durationMs)]),
    };
  }
}

/**
 * From `stepAt` to the end of the first 500 ms over which the forwarded bitrate (bytes offered to
 * the downlink, sampled cumulatively) was at most `rateBps`; null if that never happened.
 */
export function timeUnderCap(
  samples: readonly { atMs: number; bytes: number }[],
  stepAt: number,
  rateBps: number,
): number | null {
  const after = samples.filter((sample) => sample.atMs >= stepAt);
  let start = 0;
  for (let end = 1; end < after.length; end++) {
    while (after[end]!.atMs - after[start + 1]!.atMs >= ADAPT_WINDOW_MS) start++;
    const spanMs = after[end]!.atMs - after[start]!.atMs;
    if (spanMs < ADAPT_WINDOW_MS) continue;
    const bitsPerSecond = ((after[end]!.bytes - after[start]!.bytes) * 8) / (spanMs / 1000);
    if (bitsPerSecond <= rateBps) return Math.round(after[end]!.atMs - stepAt);
  }
  return null;
}

/** Each tile's forwarded layer at `atMs` (its latest decision by then; null: paused). */
export function layersAt(peer: Pick<CappablePeer, 'qualityLog'>, atMs: number): Map<string, number | null> {
  const layers = new Map<string, number | null>();
  for (const { atMs: decidedAt, decision } of peer.qualityLog) {
    if (decidedAt > atMs) break;
    layers.set(decision.consumerId, decision.paused ? null : decision.spatialLayer);
  }
  return layers;
}

/** After a cap lifts: when every tile is back at (or above) the layer it had before the cap. */
export function backToLayersAfter(
  peer: Pick<CappablePeer, 'qualityLog'>,
  liftedAt: number,
  wanted: Map<string, number | null>,
): number | null {
  const isBack = (layers: Map<string, number | null>) =>
    [...wanted].every(([consumerId, layer]) => {
      const now = layers.get(consumerId);
      return layer === null || (now !== null && now !== undefined && now >= layer);
    });
  if (isBack(layersAt(peer, liftedAt))) return 0;
  for (const { atMs } of peer.qualityLog) {
    if (atMs > liftedAt && isBack(layersAt(peer, atMs))) return Math.round(atMs - liftedAt);
  }
  return null;
}
