// Opus in-band FEC as a receiver sees it, without decoding audio. A browser
// asks its peer's encoder for FEC (`useinbandfec=1`, which Stagecast's router
// offers) and the encoder then adds, to a packet, a low-bitrate copy of the
// previous one (SILK's LBRR frames) while its receivers report loss. When a
// packet is lost and the next arrives in time, the decoder plays that copy
// instead of concealing the gap (libwebrtc's NetEq does so).
//
// Whether a packet carries LBRR is the first bits of its SILK layer (RFC 6716
// §4.2.3: per channel, one VAD flag per SILK frame, then the LBRR flag), read
// with the Opus range decoder (§4.1); CELT-only packets carry none.

/** RFC 6716 §4.1.1: the range decoder's state after its first bytes, and its binary decisions. */
class RangeDecoder {
  readonly #data: Uint8Array;
  #offset = 0;
  #range = 128;
  #value: number;
  #rest: number;

  constructor(data: Uint8Array) {
    this.#data = data;
    this.#rest = this.#next();
    this.#value = 127 - (this.#rest >> 1);
    this.#normalize();
  }

  /** One bit of probability 1/2 (`ec_dec_bit_logp(1)`). */
  bit(): boolean {
    const half = this.#range >>> 1;
    const one = this.#value < half;
    if (!one) this.#value -= half;
    this.#range = one ? half : this.#range - half;
    this.#normalize();
    return one;
  }

  #next(): number {
    return this.#offset < this.#data.length ? this.#data[this.#offset++]! : 0;
  }

  #normalize(): void {
    while (this.#range <= 1 << 23) {
      this.#range = (this.#range * 256) >>> 0;
      const previous = this.#rest;
      this.#rest = this.#next();
      const symbol = ((previous << 8) | this.#rest) >> 1;
      this.#value = ((this.#value * 256 + (255 & ~symbol)) & 0x7fff_ffff) >>> 0;
    }
  }
}

/** SILK frames (10 or 20 ms each) in one Opus frame of a SILK-only or hybrid configuration. */
function silkFramesPerOpusFrame(config: number): number {
  if (config >= 12) return 1; // hybrid: 10 or 20 ms
  return [1, 1, 2, 3][config % 4]!; // SILK: 10, 20, 40, 60 ms
}

/** Whether this Opus packet's (first) frame carries an in-band FEC copy of the previous packet. */
export function carriesOpusFec(packet: Uint8Array): boolean {
  if (packet.length < 2) return false;
  const toc = packet[0]!;
  const config = toc >> 3;
  if (config >= 16) return false; // CELT only
  // Frame code 0 (one frame) and 1 (two of equal size) start right after the TOC byte.
  if ((toc & 0x03) > 1) return false;
  const stereo = (toc & 0x04) !== 0;
  const decoder = new RangeDecoder(packet.subarray(1));
  const vadFlags = silkFramesPerOpusFrame(config);
  let lbrr = false;
  for (let channel = 0; channel < (stereo ? 2 : 1); channel++) {
    for (let frame = 0; frame < vadFlags; frame++) decoder.bit();
    if (decoder.bit()) lbrr = true;
  }
  return lbrr;
}

/**
 * The lost audio packets FEC can fill: those whose next packet arrived and
 * carries FEC (only the last of a burst of losses is covered). A packet
 * counted so that arrives after all (reordered) is taken back.
 */
export class OpusFecRecovery {
  /** Sequence numbers counted as filled by FEC and not received since. */
  readonly #filled = new Set<number>();
  /** Ever counted, minus those taken back. */
  recovered = 0;
  /** Received packets that carry FEC. */
  packetsWithFec = 0;

  /** A packet arrived; `missing` are the sequence numbers its arrival found missing (16 bit). */
  onPacket(sequenceNumber: number, payload: Uint8Array, missing: readonly number[]): void {
    if (this.#filled.delete(sequenceNumber)) this.recovered--;
    if (!carriesOpusFec(payload)) return;
    this.packetsWithFec++;
    const previous = (sequenceNumber - 1) & 0xffff;
    if (missing.includes(previous)) {
      this.#filled.add(previous);
      this.recovered++;
      // Old entries cannot arrive any more: keep the set small.
      if (this.#filled.size > 256) this.#filled.delete(this.#filled.values().next().value!);
    }
  }
}
