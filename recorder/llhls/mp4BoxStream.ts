// Cuts FFmpeg's fragmented MP4 output (a pipe) into what LL-HLS serves: the
// init section (ftyp + moov) once, then each fragment (moof + mdat) as it
// completes, which is one partial segment. Top-level boxes only: a box is
// forwarded when its last byte has arrived, so a part is never served
// half-written. Other top-level boxes (styp, sidx, mfra at the end) are
// skipped; a box header this reader cannot follow ends the stream with an
// error rather than serving garbage.

/** What the stream yields, in order: the init section first, then fragments. */
export type Mp4Section = { kind: 'init'; bytes: Buffer } | { kind: 'fragment'; bytes: Buffer };

/** No single FFmpeg fragment or moov comes near this; a larger size is a broken stream. */
const MAX_BOX_BYTES = 64 * 1024 * 1024;

export class Mp4BoxStream {
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  #ftyp: Buffer | undefined;
  #moof: Buffer | undefined;
  #initSent = false;

  /** Takes the next chunk of the pipe; returns the sections it completed. */
  push(chunk: Buffer): Mp4Section[] {
    this.#pending.push(chunk);
    this.#pendingBytes += chunk.length;
    const sections: Mp4Section[] = [];
    for (;;) {
      const box = this.#nextBox();
      if (!box) return sections;
      const section = this.#take(box.type, box.bytes);
      if (section) sections.push(section);
    }
  }

  #nextBox(): { type: string; bytes: Buffer } | undefined {
    if (this.#pendingBytes < 8) return undefined;
    const head = this.#peek(16);
    let size = head.readUInt32BE(0);
    const type = head.toString('latin1', 4, 8);
    if (size === 1) {
      if (head.length < 16) return undefined;
      size = Number(head.readBigUInt64BE(8));
    }
    if (size < 8 || size > MAX_BOX_BYTES) throw new Error(`unexpected MP4 box "${type}" of ${size} bytes`);
    if (this.#pendingBytes < size) return undefined;
    const all = this.#pending.length === 1 ? this.#pending[0]! : Buffer.concat(this.#pending);
    const bytes = all.subarray(0, size);
    const rest = all.subarray(size);
    this.#pending = rest.length > 0 ? [rest] : [];
    this.#pendingBytes = rest.length;
    return { type, bytes };
  }

  #peek(bytes: number): Buffer {
    const first = this.#pending[0]!;
    return first.length >= bytes ? first : Buffer.concat(this.#pending).subarray(0, bytes);
  }

  #take(type: string, bytes: Buffer): Mp4Section | undefined {
    switch (type) {
      case 'ftyp':
        this.#ftyp = bytes;
        return undefined;
      case 'moov':
        if (this.#initSent) throw new Error('a second moov in one MP4 stream');
        this.#initSent = true;
        return { kind: 'init', bytes: Buffer.concat([this.#ftyp ?? Buffer.alloc(0), bytes]) };
      case 'moof':
        this.#moof = bytes;
        return undefined;
      case 'mdat': {
        const moof = this.#moof;
        this.#moof = undefined;
        if (!moof || !this.#initSent) throw new Error('media data without its fragment header');
        return { kind: 'fragment', bytes: Buffer.concat([moof, bytes]) };
      }
      default:
        return undefined;
    }
  }
}
