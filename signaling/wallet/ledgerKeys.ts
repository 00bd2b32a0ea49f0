// Idempotency keys as stored. A caller's key only has to be unique among its
// own requests of one kind, so the stored key is scoped:
// `<kind>:<wallet owner>:<caller's key>`. Kinds and user ids contain no `:`
// and callers' keys may not, so distinct requests never share a stored key.
// The other side of a transfer gets the same key under its own kind.
import { AppError } from '../errors.ts';
import type { LedgerKind } from './LedgerTypes.ts';

export const idempotencyKeyPattern = /^[A-Za-z0-9_-]{1,100}$/;

export function storedLedgerKey(kind: LedgerKind, ownerUserId: string, idempotencyKey: string): string {
  if (!idempotencyKeyPattern.test(idempotencyKey)) {
    throw new AppError('INVALID_INPUT', 'idempotencyKey: 1-100 characters of A-Z a-z 0-9 _ -');
  }
  if (ownerUserId.includes(':')) throw new AppError('INVALID_INPUT', 'userId: invalid');
  return `${kind}:${ownerUserId}:${idempotencyKey}`;
}
