// Transport-wide congestion control feedback (draft-holmer-rmcat-transport-
// wide-cc-extensions-01), as a browser's receiver sends it: which transport
// sequence numbers arrived and when. With it, mediasoup runs its bandwidth
// estimator for the subscriber, and Stagecast's quality controller sees an
// `availableOutgoingBitrate` exactly as it does with a browser.
//
// The recorder is pure: arrivals go in, feedback packets (plain RTCP, not
// yet SRTCP-protected) come out.

const STATUS_NOT_RECEIVED = 0;
const STATUS_SMALL_DELTA = 1;
const STATUS_LARGE_DELTA = 2;
const DELTA_UNIT_US = 250;
const REFERENCE_UNIT_US = 64_000;
const MAX_RUN_LENGTH = 0x1fff;
/** One feedback covers at most this many sequence numbers; older gaps are given up. */
const MAX_STATUS_COUNT = 1000;

/** The transport-wide sequence number a packet carries in header extension `extensionId`, if any. */
export function transportSequenceNumberOf(
  header: { extensions: readonly { id: number; payload: Buffer }[] },
  extensionId: number,
): number | undefined {
  const extension = header.extensions.find((candidate) => candidate.id === extensionId);
  return extension && extension.payload.length >= 2 ? extension.payload.readUInt16BE(0) : undefined;
}

export class TransportCcRecorder {
  readonly #senderSsrc: number;
  /** Arrival time (µs) by unwrapped transport sequence number, since the last feedback. */
  readonly #arrivals = new Map<number, number>();
  #highest = -1;
  #cycles = 0;
  /** First sequence number the next feedback reports. */
  #nextBase = -1;
  #feedbackCount = 0;

  constructor(senderSsrc: number) {
    this.#senderSsrc = senderSsrc;
  }

  onPacket(transportSequenceNumber: number, arrivalUs: number): void {
    const unwrapped = this.#unwrap(transportSequenceNumber);
    if (this.#nextBase < 0) this.#nextBase = unwrapped;
    if (unwrapped < this.#nextBase) return; // already reported
    this.#arrivals.set(unwrapped, arrivalUs);
  }

  /** The feedback packet for everything since the last one; undefined when nothing arrived. */
  takeFeedback(mediaSsrc: number): Buffer | undefined {
    if (this.#arrivals.size === 0) return undefined;
    const received = [...this.#arrivals.keys()].sort((a, b) => a - b);
    const last = received.at(-1)!;
    const base = Math.max(this.#nextBase, last - MAX_STATUS_COUNT + 1);
    const statuses: number[] = [];
    const deltas: number[] = [];
    const firstArrival = this.#arrivals.get(received.find((seq) => seq >= base)!)!;
    const referenceTime = Math.floor(firstArrival / REFERENCE_UNIT_US);
    let previousUs = referenceTime * REFERENCE_UNIT_US;
    for (let seq = base; seq <= last; seq++) {
      const arrival = this.#arrivals.get(seq);
      if (arrival === undefined) {
        statuses.push(STATUS_NOT_RECEIVED);
        continue;
      }
      const delta = Math.max(-32768, Math.min(32767, Math.round((arrival - previousUs) / DELTA_UNIT_US)));
      previousUs += delta * DELTA_UNIT_US;
      statuses.push(delta >= 0 && delta <= 255 ? STATUS_SMALL_DELTA : STATUS_LARGE_DELTA);
      deltas.push(delta);
    }
    this.#arrivals.clear();
    this.#nextBase = last + 1;
    const packet = serializeFeedback({
      senderSsrc: this.#senderSsrc,
      mediaSsrc,
      baseSequenceNumber: base & 0xffff,
      referenceTime,
      feedbackCount: this.#feedbackCount,
      statuses,
      deltas,
    });
    this.#feedbackCount = (this.#feedbackCount + 1) & 0xff;
    return packet;
  }

  #unwrap(sequenceNumber: number): number {
    if (this.#highest < 0) {
      this.#highest = sequenceNumber;
      return sequenceNumber;
    }
    const highest16 = this.#highest & 0xffff;
    const forward = (sequenceNumber - highest16 + 0x10000) & 0xffff;
    if (forward < 0x8000) {
      if (sequenceNumber < highest16) this.#cycles += 0x10000;
      this.#highest = this.#cycles + sequenceNumber;
      return this.#highest;
    }
    return sequenceNumber > highest16 ? this.#cycles - 0x10000 + sequenceNumber : this.#cycles + sequenceNumber;
  }
}

export interface FeedbackFields {
  senderSsrc: number;
  mediaSsrc: number;
  baseSequenceNumber: number;
  /** In 64 ms units (24 bit). */
  referenceTime: number;
  feedbackCount: number;
  /** One status per sequence number from the base. */
  statuses: readonly number[];
  /** One delta (250 µs units) per received packet. */
  deltas: readonly number[];
}

/** RTCP transport-layer feedback (PT 205, FMT 15) with run-length chunks only. */
export function serializeFeedback(fields: FeedbackFields): Buffer {
  const chunks: number[] = [];
  let index = 0;
  while (index < fields.statuses.length) {
    const status = fields.statuses[index]!;
    let run = 1;
    while (index + run < fields.statuses.length && fields.statuses[index + run] === status && run < MAX_RUN_LENGTH)
      run++;
    chunks.push((status << 13) | run);
    index += run;
  }
  const deltaBytes = fields.deltas.reduce((total, delta) => total + (delta >= 0 && delta <= 255 ? 1 : 2), 0);
  const unpadded = 20 + chunks.length * 2 + deltaBytes;
  const length = Math.ceil(unpadded / 4) * 4;
  const packet = Buffer.alloc(length);
  const padding = length - unpadded;
  packet[0] = 0x80 | (padding > 0 ? 0x20 : 0) | 15;
  packet[1] = 205;
  packet.writeUInt16BE(length / 4 - 1, 2);
  packet.writeUInt32BE(fields.senderSsrc >>> 0, 4);
  packet.writeUInt32BE(fields.mediaSsrc >>> 0, 8);
  packet.writeUInt16BE(fields.baseSequenceNumber & 0xffff, 12);
  packet.writeUInt16BE(fields.statuses.length, 14);
  packet.writeUIntBE(fields.referenceTime & 0xffffff, 16, 3);
  packet[19] = fields.feedbackCount & 0xff;
  let offset = 20;
  for (const chunk of chunks) {
    packet.writeUInt16BE(chunk, offset);
    offset += 2;
  }
  for (const delta of fields.deltas) {
    if (delta >= 0 && delta <= 255) packet[offset++] = delta;
    else {
      packet.writeInt16BE(delta, offset);
      offset += 2;
    }
  }
  if (padding > 0) packet[length - 1] = padding;
  return packet;
}
