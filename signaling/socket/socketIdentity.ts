// How long a socket acts as its user. The handshake's token is checked at
// connect and the socket remembers when it expires; past that the socket is
// anonymous again — watching and reading chat go on, anything that needs a
// sign-in answers UNAUTHENTICATED — until `auth:refresh` swaps in a fresh
// token of the same user. registerRequest calls expireIdentity before every
// handler, so handlers read socket.data.identity and never check expiry.
import { AppError } from '../errors.ts';
import type { SocketCredential, SocketData } from './socketData.ts';
import { readIdentityToken } from '../auth/identityToken.ts';
import type { TokenKeys } from '../auth/tokenKeys.ts';

/** At connect: a valid token signs the socket in; anything else leaves it anonymous. */
export async function signInSocket(
  data: SocketData,
  token: unknown,
  keys: TokenKeys,
  nowMs = Date.now(),
): Promise<void> {
  const verified = await readIdentityToken(token, keys, nowMs);
  data.identity = verified?.identity;
  data.credential = verified && { userId: verified.identity.userId, expiresAtMs: verified.expiresAtMs };
}

/** Drops an identity whose token has expired. The credential stays: auth:refresh renews that user only. */
export function expireIdentity(data: SocketData, nowMs = Date.now()): void {
  if (data.identity && data.credential && nowMs >= data.credential.expiresAtMs) data.identity = undefined;
}

/** The socket signed in, and its token has expired since (no refresh yet). */
export function signInExpired(data: SocketData): boolean {
  return data.credential !== undefined && data.identity === undefined;
}

/**
 * `auth:refresh`: a valid token of the user the socket signed in as replaces
 * its token (and identity: the display name may have changed). Switching
 * users, or signing in a socket that connected anonymously, takes a new
 * connection, so what a socket has joined always belongs to one user.
 */
export async function refreshSocketIdentity(
  data: SocketData,
  token: string,
  keys: TokenKeys,
  nowMs = Date.now(),
): Promise<SocketCredential> {
  const verified = await readIdentityToken(token, keys, nowMs);
  if (!verified) throw new AppError('UNAUTHENTICATED', 'the token is invalid or has expired');
  if (!data.credential) {
    throw new AppError('NOT_ALLOWED', 'this connection is anonymous: reconnect with the token to sign in');
  }
  if (verified.identity.userId !== data.credential.userId) {
    throw new AppError('NOT_ALLOWED', 'the token belongs to another user: reconnect to switch users');
  }
  data.identity = verified.identity;
  data.credential = { userId: verified.identity.userId, expiresAtMs: verified.expiresAtMs };
  return data.credential;
}
