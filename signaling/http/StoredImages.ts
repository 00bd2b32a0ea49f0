// Pictures people upload (product pictures, avatars): the raw body of one
// request, checked by its first bytes (PNG, JPEG and WebP have fixed
// signatures, so no image library is needed to refuse anything else,
// whatever its Content-Type says), stored under <DATA_DIR>/<folder> with a
// fresh name per upload (so it can be cached for good), and served from
// there.
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import express, { type Request, type Response } from 'express';
import { AppError } from '../errors.ts';
import { IMAGE_UPLOAD_TYPES } from '../protocol/index.ts';

/** Stored names: what `store` makes, and all `pathOf` will open. */
const STORED_NAME = /^[A-Za-z0-9-]{1,80}\.(png|jpg|webp)$/;

const SIGNATURES: { extension: 'png' | 'jpg' | 'webp'; matches: (bytes: Buffer) => boolean }[] = [
  {
    extension: 'png',
    matches: (bytes) => bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
  },
  { extension: 'jpg', matches: (bytes) => bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff },
  {
    extension: 'webp',
    matches: (bytes) =>
      bytes.subarray(0, 4).toString('latin1') === 'RIFF' && bytes.subarray(8, 12).toString('latin1') === 'WEBP',
  },
];

const CONTENT_TYPES: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  webp: 'image/webp',
};

export class StoredImages {
  readonly #folder: string;
  readonly #maxBytes: number;

  /** `folder` under `dataDir`; pictures over `maxBytes` are refused. */
  constructor(dataDir: string, folder: string, maxBytes: number) {
    this.#folder = path.join(dataDir, folder);
    this.#maxBytes = maxBytes;
  }

  /** The body parser for an upload route: any type, up to the limit (the type is checked by `bytesOf`). */
  rawBody() {
    return express.raw({ type: () => true, limit: this.#maxBytes });
  }

  /** The uploaded bytes of a request parsed by `rawBody`, if it says it is one of IMAGE_UPLOAD_TYPES. */
  bytesOf(req: Request): Buffer {
    const type = req.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
    if (!IMAGE_UPLOAD_TYPES.some((allowed) => allowed === type)) {
      throw new AppError('INVALID_INPUT', 'send the picture as image/png, image/jpeg or image/webp');
    }
    return Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
  }

  /** Checks and stores a picture under a name starting with `owner`; answers the stored name. */
  async store(owner: string, bytes: Buffer): Promise<string> {
    if (bytes.length === 0) throw new AppError('INVALID_INPUT', 'the picture is empty');
    if (bytes.length > this.#maxBytes) {
      throw new AppError('INVALID_INPUT', `the picture is larger than ${this.#maxBytes / 1024 / 1024} MB`);
    }
    const kind = SIGNATURES.find((signature) => signature.matches(bytes));
    if (!kind) throw new AppError('INVALID_INPUT', 'the picture must be a PNG, JPEG or WebP image');
    const name = `${owner.replace(/[^A-Za-z0-9-]/g, '').slice(0, 40)}-${crypto.randomUUID()}.${kind.extension}`;
    await fs.mkdir(this.#folder, { recursive: true });
    await fs.writeFile(path.join(this.#folder, name), bytes);
    return name;
  }

  /**
   * Stores an upload, then applies it (`apply` gets its stored name and
   * answers the name it replaced): nothing is changed for a picture that is
   * refused, the upload is removed when applying it fails, and the picture
   * it replaced once it succeeded.
   */
  async storeAndApply<T>(
    owner: string,
    bytes: Buffer,
    apply: (name: string) => Promise<{ result: T; replaced: string | null }>,
  ): Promise<T> {
    const name = await this.store(owner, bytes);
    try {
      const { result, replaced } = await apply(name);
      if (replaced) await this.remove(replaced);
      return result;
    } catch (error) {
      await this.remove(name);
      throw error;
    }
  }

  /** The file of a stored name, or undefined for any other name. */
  pathOf(name: string): string | undefined {
    return STORED_NAME.test(name) ? path.join(this.#folder, name) : undefined;
  }

  async remove(name: string): Promise<void> {
    const file = this.pathOf(name);
    if (file) await fs.rm(file, { force: true });
  }

  /** Answers a GET for a stored picture (cached for good: a new upload gets a new name). */
  send(res: Response, name: string): void {
    const file = this.pathOf(name);
    if (!file) throw new AppError('NOT_FOUND', 'no such picture');
    const extension = file.slice(file.lastIndexOf('.') + 1);
    res.sendFile(
      file,
      {
        headers: {
          'Content-Type': CONTENT_TYPES[extension]!,
          'Cache-Control': 'public, max-age=31536000, immutable',
        },
      },
      (error) => {
        if (error && !res.headersSent) {
          res.status(404).json({ ok: false, error: { code: 'NOT_FOUND', message: 'no such picture' } });
        }
      },
    );
  }
}
