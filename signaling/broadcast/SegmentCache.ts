// Recently served segments, in memory. Every viewer of a live stream asks
// for the same few files within a second or two; reading each from disk
// and streaming it in 64 KB pieces (what sendFile does) cost most of the
// server's time at a few hundred viewers (bench: `hls`). Segments never
// change once the recorder has written them (FFmpeg writes them under a
// temporary name and renames), so a cached copy is always right.
import fs from 'node:fs/promises';

/** Bytes kept: about a minute of the whole ladder. */
const DEFAULT_CAPACITY_BYTES = 64 * 1024 * 1024;

export class SegmentCache {
  readonly #capacityBytes: number;
  /** Insertion order is use order: a hit moves the entry to the end. */
  readonly #files = new Map<string, Promise<Buffer>>();
  readonly #sizes = new Map<string, number>();
  #bytes = 0;

  constructor(capacityBytes = DEFAULT_CAPACITY_BYTES) {
    this.#capacityBytes = capacityBytes;
  }

  /** The file's bytes; concurrent first requests share one read. Rejects like fs.readFile (ENOENT). */
  read(file: string): Promise<Buffer> {
    const cached = this.#files.get(file);
    if (cached) {
      this.#files.delete(file);
      this.#files.set(file, cached);
      return cached;
    }
    const reading = fs.readFile(file);
    this.#files.set(file, reading);
    reading.then(
      (bytes) => {
        if (this.#files.get(file) !== reading) return;
        this.#sizes.set(file, bytes.length);
        this.#bytes += bytes.length;
        this.#evict();
      },
      () => this.#files.delete(file), // not there (yet): ask the disk next time
    );
    return reading;
  }

  get bytes(): number {
    return this.#bytes;
  }

  #evict(): void {
    for (const file of this.#files.keys()) {
      if (this.#bytes <= this.#capacityBytes) return;
      const size = this.#sizes.get(file);
      if (size === undefined) continue; // still being read
      this.#files.delete(file);
      this.#sizes.delete(file);
      this.#bytes -= size;
    }
  }
}
