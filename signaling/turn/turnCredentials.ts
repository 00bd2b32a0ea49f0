// Short-lived TURN credentials per the "TURN REST API" convention that coturn
// implements with `use-auth-secret`: the signalling server and coturn share a
// secret, so coturn can check a credential without any user database.
//   username   = `${expiryUnixSeconds}:${userId}`
//   credential = base64(HMAC-SHA1(secret, username))
import { createHmac } from 'node:crypto';
import type { Config } from '../config/config.ts';
import { AppError } from '../errors.ts';
// Declared once in the protocol (clients receive it): an RTCConfiguration.iceServers entry.
import type { IceServer } from '../protocol/index.ts';

/**
 * ICE servers for one client, valid until `nowMs` + `credentialTtlS`; `[]` when
 * no TURN server is configured. All URLs share one credential (same coturn secret).
 *
 * A `userId` containing ':' is rejected (AppError INVALID_INPUT) rather than
 * sanitised: ':' separates expiry from user in the username, and rewriting it
 * would silently give two users the same TURN identity (shared quotas, logs).
 */
export function mintIceServers(turn: Config['turn'], userId: string, nowMs: number): IceServer[] {
  if (turn.urls.length === 0) return [];
  // Config validation requires the secret with URLs; reaching here without it is a bug, not a user error.
  if (!turn.secret) throw new Error('TURN_SECRET is required when TURN_URLS is set');
  if (userId === '' || userId.includes(':')) {
    throw new AppError('INVALID_INPUT', 'a TURN user id must be non-empty and must not contain ":"');
  }
  const expiryUnixS = Math.floor(nowMs / 1000) + turn.credentialTtlS;
  const username = `${expiryUnixS}:${userId}`;
  const credential = createHmac('sha1', turn.secret).update(username).digest('base64');
  return [{ urls: [...turn.urls], username, credential }];
}
