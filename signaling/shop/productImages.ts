// Product pictures: uploaded as the raw body of one request, checked by
// their first bytes (PNG, JPEG and WebP have fixed signatures, so no image
// library is needed to refuse anything else, whatever its Content-Type
// says), stored under <DATA_DIR>/shop-images with a fresh name per upload
// (so they can be cached for good), and served from there.
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../errors.ts';
import { PRODUCT_IMAGE_MAX_BYTES } from '../protocol/index.ts';

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

export const IMAGE_CONTENT_TYPES: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  webp: 'image/webp',
};

export class ProductImages {
  readonly #folder: string;

  constructor(dataDir: string) {
    this.#folder = path.join(dataDir, 'shop-images');
  }

  /** Checks and stores a picture; answers its stored name. */
  async store(productId: string, bytes: Buffer): Promise<string> {
    if (bytes.length === 0) throw new AppError('INVALID_INPUT', 'the picture is empty');
    if (bytes.length > PRODUCT_IMAGE_MAX_BYTES) {
      throw new AppError('INVALID_INPUT', `the picture is larger than ${PRODUCT_IMAGE_MAX_BYTES / 1024 / 1024} MB`);
    }
    const kind = SIGNATURES.find((signature) => signature.matches(bytes));
    if (!kind) throw new AppError('INVALID_INPUT', 'the picture must be a PNG, JPEG or WebP image');
    const name = `${productId.replace(/[^A-Za-z0-9-]/g, '').slice(0, 40)}-${crypto.randomUUID()}.${kind.extension}`;
    await fs.mkdir(this.#folder, { recursive: true });
    await fs.writeFile(path.join(this.#folder, name), bytes);
    return name;
  }

  /** The file of a stored name, or undefined for any other name. */
  pathOf(name: string): string | undefined {
    return STORED_NAME.test(name) ? path.join(this.#folder, name) : undefined;
  }

  async remove(name: string): Promise<void> {
    const file = this.pathOf(name);
    if (file) await fs.rm(file, { force: true });
  }
}
