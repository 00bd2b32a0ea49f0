// Errors are values with a protocol code. Code inside throws AppError; the
// socket and HTTP boundaries turn any error into `{ ok: false, error }` in one
// place (toProtocolError), so unexpected errors never leak internals.
import { MediaError } from '../sfu/MediaError.ts';
import type { ErrorCode, ProtocolError } from './protocol/index.ts';

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

/** Refused by a rate limit; the HTTP boundary turns `retryAfterMs` into `Retry-After`. */
export class RateLimitedError extends AppError {
  constructor(
    message: string,
    readonly retryAfterMs: number,
  ) {
    super('RATE_LIMITED', message);
  }
}

/** HTTP status for each protocol error code. */
export const httpStatusByCode: Record<ErrorCode, number> = {
  INVALID_INPUT: 400,
  UNAUTHENTICATED: 401,
  NOT_ALLOWED: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  ROOM_FULL: 409,
  INSUFFICIENT_COINS: 409,
  BATTLE_NOT_ACTIVE: 409,
  SOLD_OUT: 409,
  LIMIT_REACHED: 409,
  EFFECT_LOCKED: 403,
  PRIVATE_SESSION: 403,
  AUDIENCE_FULL: 409,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  UNAVAILABLE: 503,
};

export function toProtocolError(error: unknown): ProtocolError {
  // An INTERNAL error's message (e.g. which stored row is broken) is for the
  // log, where both boundaries write it; the caller learns only that it failed.
  if (error instanceof AppError && error.code === 'INTERNAL') return { code: 'INTERNAL', message: 'internal error' };
  if (error instanceof AppError || error instanceof MediaError) return { code: error.code, message: error.message };
  return { code: 'INTERNAL', message: 'internal error' };
}
