// Signed identity tokens (JWT, HS256) minted by this server. A guest picks a
// display name and gets a token for a fresh user id; an account
// (signaling/accounts) gets a short-lived token of the same shape with a
// `role` claim, so everything that checks identities works with both.
import crypto from 'node:crypto';

export const roles = ['user', 'admin'] as const;
export type Role = (typeof roles)[number];

export interface Identity {
  userId: string;
  displayName: string;
  /** Set for accounts, absent for guests. */
  role?: Role;
}

interface Claims {
  sub: string;
  name: string;
  role?: Role;
  iat: number;
  exp: number;
}

const header = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));

export function signIdentityToken(identity: Identity, secret: string, ttlS: number, nowMs = Date.now()): string {
  const iat = Math.floor(nowMs / 1000);
  const claims: Claims = {
    sub: identity.userId,
    name: identity.displayName,
    ...(identity.role ? { role: identity.role } : {}),
    iat,
    exp: iat + ttlS,
  };
  const body = `${header}.${base64url(JSON.stringify(claims))}`;
  return `${body}.${sign(body, secret)}`;
}

/** The identity in a valid, unexpired token; undefined for anything else. */
export function verifyIdentityToken(token: unknown, secret: string, nowMs = Date.now()): Identity | undefined {
  return readIdentityToken(token, secret, nowMs)?.identity;
}

/** A valid token's identity and when it stops being valid (sockets outlive a check at connect). */
export interface VerifiedToken {
  identity: Identity;
  /** The token's `exp`, in ms since the epoch. */
  expiresAtMs: number;
}

/** Like verifyIdentityToken, with the token's expiry. */
export function readIdentityToken(token: unknown, secret: string, nowMs = Date.now()): VerifiedToken | undefined {
  if (typeof token !== 'string' || token.length > 4096) return undefined;
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== header) return undefined;
  const [, payload, signature] = parts as [string, string, string];
  const expected = Buffer.from(sign(`${header}.${payload}`, secret));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) return undefined;
  let claims: Partial<Claims>;
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Partial<Claims>;
  } catch {
    return undefined;
  }
  if (typeof claims.sub !== 'string' || typeof claims.name !== 'string' || typeof claims.exp !== 'number') {
    return undefined;
  }
  if (claims.role !== undefined && !roles.includes(claims.role)) return undefined;
  if (claims.exp * 1000 <= nowMs) return undefined;
  return {
    identity: { userId: claims.sub, displayName: claims.name, ...(claims.role ? { role: claims.role } : {}) },
    expiresAtMs: claims.exp * 1000,
  };
}

function sign(data: string, secret: string): string {
  return crypto.createHmac('sha256', secret).update(data).digest('base64url');
}

function base64url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}
