// Password hashing with Node's scrypt (memory-hard). A stored hash names its
// own parameters, so they can be raised later: `needsRehash` tells sign-in to
// store a fresh hash.
//   scrypt$<log2 N>$<r>$<p>$<salt, base64url>$<hash, base64url>
import crypto from 'node:crypto';
import { promisify } from 'node:util';

interface ScryptCost {
  log2N: number;
  r: number;
  p: number;
}

/** N = 2^15, r = 8 (32 MiB per hash, tens of ms), p = 1: scrypt's interactive-login parameters. */
const currentCost: ScryptCost = { log2N: 15, r: 8, p: 1 };
const SALT_BYTES = 16;
const HASH_BYTES = 32;
/** Refuse stored parameters beyond this (a corrupt row must not exhaust memory). */
const MAX_MEMORY_BYTES = 256 * 1024 * 1024;

const scrypt = promisify(crypto.scrypt) as (
  password: crypto.BinaryLike,
  salt: crypto.BinaryLike,
  keylen: number,
  options: crypto.ScryptOptions,
) => Promise<Buffer>;

export async function hashPassword(password: string, cost: ScryptCost = currentCost): Promise<string> {
  const salt = crypto.randomBytes(SALT_BYTES);
  const hash = await derive(password, salt, cost, HASH_BYTES);
  return ['scrypt', cost.log2N, cost.r, cost.p, salt.toString('base64url'), hash.toString('base64url')].join('$');
}

/** Whether the password matches; false for a malformed stored hash. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parse(stored);
  if (!parsed) return false;
  const hash = await derive(password, parsed.salt, parsed.cost, parsed.hash.length);
  return crypto.timingSafeEqual(hash, parsed.hash);
}

export function needsRehash(stored: string): boolean {
  const parsed = parse(stored);
  return (
    !parsed ||
    parsed.cost.log2N !== currentCost.log2N ||
    parsed.cost.r !== currentCost.r ||
    parsed.cost.p !== currentCost.p
  );
}

function derive(password: string, salt: Buffer, cost: ScryptCost, length: number): Promise<Buffer> {
  const N = 2 ** cost.log2N;
  return scrypt(password.normalize('NFC'), salt, length, {
    N,
    r: cost.r,
    p: cost.p,
    maxmem: 2 * 128 * N * cost.r * cost.p,
  });
}

function parse(stored: string): { cost: ScryptCost; salt: Buffer; hash: Buffer } | undefined {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return undefined;
  const [log2N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  if (![log2N, r, p].every((n) => Number.isInteger(n) && n >= 1) || log2N > 24 || r > 32 || p > 16) return undefined;
  if (128 * 2 ** log2N * r * p > MAX_MEMORY_BYTES) return undefined;
  const salt = Buffer.from(parts[4] as string, 'base64url');
  const hash = Buffer.from(parts[5] as string, 'base64url');
  if (salt.length < 8 || hash.length < 16) return undefined;
  return { cost: { log2N, r, p }, salt, hash };
}
