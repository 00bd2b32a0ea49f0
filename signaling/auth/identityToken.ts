// Signed identity tokens (JWT, HS256, through jose) minted by this server. A
// guest picks a display name and gets a token for a fresh user id; an account
// (signaling/accounts) gets a short-lived token of the same shape with a
// `role` claim, so everything that checks identities works with both.
// Verification allows HS256 only (no `none`, no algorithm confusion), needs
// `sub`, `iat` and `exp`, refuses tokens issued in the future, and picks the
// key by the token's `kid` (signaling/auth/tokenKeys.ts: key rotation).
import { errors, jwtVerify, SignJWT, type JWTHeaderParameters } from 'jose';
import type { KeyObject } from 'node:crypto';
import { z } from 'zod';
import { roles, type Role } from '../protocol/accounts.ts';
import type { TokenKeys } from './tokenKeys.ts';

export interface Identity {
  userId: string;
  displayName: string;
  /** Set for accounts, absent for guests. */
  role?: Role;
}

const ALGORITHM = 'HS256';
const MAX_TOKEN_CHARS = 4096;
/** How far in the future `iat` may be: the clocks of several nodes differ a little. */
const ISSUED_AT_TOLERANCE_S = 5;

/** The claims, once the signature and `exp` are checked. */
const claimsSchema = z.object({
  sub: z.string(),
  name: z.string(),
  role: z.enum(roles).optional(),
  iat: z.number(),
  exp: z.number(),
});

export async function signIdentityToken(
  identity: Identity,
  keys: TokenKeys,
  ttlS: number,
  nowMs = Date.now(),
): Promise<string> {
  const iat = Math.floor(nowMs / 1000);
  return new SignJWT({ name: identity.displayName, ...(identity.role ? { role: identity.role } : {}) })
    .setProtectedHeader({ alg: ALGORITHM, typ: 'JWT', kid: keys.signing.kid })
    .setSubject(identity.userId)
    .setIssuedAt(iat)
    .setExpirationTime(iat + ttlS)
    .sign(keys.signing.key);
}

/** The identity in a valid, unexpired token; undefined for anything else. */
export async function verifyIdentityToken(
  token: unknown,
  keys: TokenKeys,
  nowMs = Date.now(),
): Promise<Identity | undefined> {
  return (await readIdentityToken(token, keys, nowMs))?.identity;
}

/** A valid token's identity and when it stops being valid (sockets outlive a check at connect). */
export interface VerifiedToken {
  identity: Identity;
  /** The token's `exp`, in ms since the epoch. */
  expiresAtMs: number;
}

/** Like verifyIdentityToken, with the token's expiry. */
export async function readIdentityToken(
  token: unknown,
  keys: TokenKeys,
  nowMs = Date.now(),
): Promise<VerifiedToken | undefined> {
  if (typeof token !== 'string' || token.length > MAX_TOKEN_CHARS) return undefined;
  let payload: unknown;
  try {
    ({ payload } = await jwtVerify(token, (header: JWTHeaderParameters) => keyNamedBy(header, keys), {
      algorithms: [ALGORITHM],
      typ: 'JWT',
      requiredClaims: ['sub', 'iat', 'exp'],
      currentDate: new Date(nowMs),
    }));
  } catch (error) {
    // A forged, expired, malformed or foreign token is an answer, not a failure.
    if (error instanceof errors.JOSEError) return undefined;
    throw error;
  }
  const claims = claimsSchema.safeParse(payload);
  if (!claims.success || claims.data.iat > nowMs / 1000 + ISSUED_AT_TOLERANCE_S) return undefined;
  const { sub, name, role, exp } = claims.data;
  return {
    identity: { userId: sub, displayName: name, ...(role ? { role } : {}) },
    expiresAtMs: exp * 1000,
  };
}

/** The verifying key the token names; a token without a known `kid` is refused. */
/** The key a token's `kid` names (signaling/auth/tokenKeys.ts); other signed tokens (invitations) use it too. */
export function keyNamedBy(header: JWTHeaderParameters, keys: TokenKeys): KeyObject {
  const key = header.kid === undefined ? undefined : keys.verifying.get(header.kid);
  if (!key) throw new errors.JWSSignatureVerificationFailed('unknown key id');
  return key;
}
