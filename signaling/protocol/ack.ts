// Every client→server event is a request answered through the Socket.io ack
// callback with one of these two shapes.

/** The closed set of error codes a request can fail with (documented in docs/protocol.md). */
export const errorCodes = [
  'INVALID_INPUT',
  'NOT_FOUND',
  'NOT_ALLOWED',
  'UNAUTHENTICATED',
  'ROOM_FULL',
  'CONFLICT',
  /** A gift or purchase costs more coins than the wallet holds. */
  'INSUFFICIENT_COINS',
  /** A battle request (a gift to a side, joining) for a battle that is not live. */
  'BATTLE_NOT_ACTIVE',
  /** An order for more units than are left (of the product, or of its flash sale). */
  'SOLD_OUT',
  /** An order past a flash sale's per-buyer limit, or a voucher past its uses. */
  'LIMIT_REACHED',
  /** A premium effect this account has not unlocked. */
  'EFFECT_LOCKED',
  /** A private session, and no valid watch link or password with the request. */
  'PRIVATE_SESSION',
  /** The session's audience is at its capacity (its host's setting). */
  'AUDIENCE_FULL',
  'RATE_LIMITED',
  'UNAVAILABLE',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof errorCodes)[number];

export interface ProtocolError {
  code: ErrorCode;
  message: string;
}

export type Ack<T> = { ok: true; data: T } | { ok: false; error: ProtocolError };

export type AckCallback<T> = (response: Ack<T>) => void;
