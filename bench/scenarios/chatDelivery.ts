// What the `chat` scenario counts: each message's id and send time travel in
// its text; every viewer's receipt is checked off per (viewer, message) and
// timed against that send time (senders and viewers share this process's
// clock); each ack settles the message as accepted or rejected. Pure
// bookkeeping in preallocated arrays, so a run's memory is fixed up front.
import { summarize, summarizeTail, type Percentiles, type TailPercentiles } from '../stats.ts';

const TEXT_PREFIX = 'bench #';

/** The text of message `seq` sent at `sentAtMs` (performance.now()). */
export function chatBenchText(seq: number, sentAtMs: number): string {
  return `${TEXT_PREFIX}${seq} t=${sentAtMs.toFixed(3)}`;
}

export function parseChatBenchText(text: string): { seq: number; sentAtMs: number } | undefined {
  if (!text.startsWith(TEXT_PREFIX)) return undefined;
  const space = text.indexOf(' t=', TEXT_PREFIX.length);
  if (space < 0) return undefined;
  const seq = Number(text.slice(TEXT_PREFIX.length, space));
  const sentAtMs = Number(text.slice(space + 3));
  if (!Number.isInteger(seq) || seq < 0 || !Number.isFinite(sentAtMs)) return undefined;
  return { seq, sentAtMs };
}

/** How a send ended: accepted, refused with a protocol error code, or no ack in time (`TIMEOUT`). */
export type SendOutcome = 'ok' | string;

export interface DeliveryFigures {
  /** Messages acked ok. */
  sent: number;
  /** Messages acked with an error or not acked in time. */
  rejected: number;
  rejectedByCode: Record<string, number>;
  /** Receipts (message × viewer) of messages acked ok. */
  delivered: number;
  /** sent × viewers − delivered. */
  lost: number;
  /** The same message received twice by one viewer. */
  duplicates: number;
  /** Send → receipt at each viewer, for messages acked ok. */
  deliveryMs: TailPercentiles;
  /** Send → ok ack at the sender (the server's write path: checks, database insert, push). */
  ackMs: Percentiles;
}

export class DeliveryLedger {
  readonly #viewers: number;
  readonly #planned: number;
  /** One bit per (viewer, message): received. */
  readonly #seen: Uint8Array;
  readonly #latencyMs: Float64Array;
  /** The message each latency sample belongs to (only acked-ok messages count at the end). */
  readonly #latencySeq: Uint32Array;
  #samples = 0;
  readonly #outcomes: (SendOutcome | undefined)[];
  /** Send → ok ack, per accepted message. */
  readonly #ackMs: number[] = [];
  #duplicates = 0;
  #acceptedReceipts = 0;
  readonly #receiptsBySeq: Uint32Array;

  constructor(viewers: number, plannedMessages: number) {
    this.#viewers = viewers;
    this.#planned = plannedMessages;
    const receipts = viewers * plannedMessages;
    this.#seen = new Uint8Array(Math.ceil(receipts / 8));
    this.#latencyMs = new Float64Array(receipts);
    this.#latencySeq = new Uint32Array(receipts);
    this.#receiptsBySeq = new Uint32Array(plannedMessages);
    this.#outcomes = new Array<SendOutcome | undefined>(plannedMessages).fill(undefined);
  }

  /** A viewer got a `chat:message`; texts that are not the bench's are ignored. */
  receive(viewer: number, text: string, receivedAtMs: number): void {
    const message = parseChatBenchText(text);
    if (!message || message.seq >= this.#planned || viewer < 0 || viewer >= this.#viewers) return;
    const bit = viewer * this.#planned + message.seq;
    const mask = 1 << (bit & 7);
    if (this.#seen[bit >> 3]! & mask) {
      this.#duplicates++;
      return;
    }
    this.#seen[bit >> 3]! |= mask;
    this.#receiptsBySeq[message.seq]!++;
    if (this.#outcomes[message.seq] === 'ok') this.#acceptedReceipts++;
    this.#latencyMs[this.#samples] = receivedAtMs - message.sentAtMs;
    this.#latencySeq[this.#samples] = message.seq;
    this.#samples++;
  }

  /** The ack of message `seq` arrived `ackMs` after its send (or timed out). */
  settle(seq: number, outcome: SendOutcome, ackMs?: number): void {
    if (seq >= this.#planned || this.#outcomes[seq] !== undefined) return;
    this.#outcomes[seq] = outcome;
    if (outcome === 'ok' && ackMs !== undefined) this.#ackMs.push(ackMs);
    // Pushes can reach viewers before the ack reaches the sender: count those now.
    if (outcome === 'ok') this.#acceptedReceipts += this.#receiptsBySeq[seq]!;
  }

  /** Receipts of accepted messages so far (for progress and for knowing when delivery is complete). */
  get acceptedReceipts(): number {
    return this.#acceptedReceipts;
  }

  get accepted(): number {
    return this.#outcomes.filter((outcome) => outcome === 'ok').length;
  }

  figures(): DeliveryFigures {
    const rejectedByCode: Record<string, number> = {};
    let sent = 0;
    for (const outcome of this.#outcomes) {
      if (outcome === undefined) continue;
      if (outcome === 'ok') sent++;
      else rejectedByCode[outcome] = (rejectedByCode[outcome] ?? 0) + 1;
    }
    const latencies = new Float64Array(this.#acceptedReceipts);
    let kept = 0;
    for (let index = 0; index < this.#samples; index++) {
      if (this.#outcomes[this.#latencySeq[index]!] === 'ok') latencies[kept++] = this.#latencyMs[index]!;
    }
    return {
      sent,
      rejected: Object.values(rejectedByCode).reduce((total, count) => total + count, 0),
      rejectedByCode,
      delivered: this.#acceptedReceipts,
      lost: sent * this.#viewers - this.#acceptedReceipts,
      duplicates: this.#duplicates,
      deliveryMs: summarizeTail(latencies.subarray(0, kept), 1),
      ackMs: summarize(this.#ackMs, 1),
    };
  }
}
