// Invitation links: the primary host hands out a link that lets whoever
// holds it join the session as a co-host without a separate approval (the
// request-to-join flow stays for people with only the studio's address).
// An invitation is a JWT signed with the identity tokens' keys (so a secret
// rotation covers it), with its own `typ` so that neither kind of token is
// ever accepted as the other; it names the session and who invited, and
// expires (1 hour to 7 days). It is not single-use: a host may send one link
// to a group; the session's nine-host limit still applies, and the primary
// host can remove anyone who came in.
import { errors, jwtVerify, SignJWT, type JWTHeaderParameters } from 'jose';
import crypto from 'node:crypto';
import { z } from 'zod';
import { keyNamedBy } from '../auth/identityToken.ts';
import type { TokenKeys } from '../auth/tokenKeys.ts';
import { AppError } from '../errors.ts';

const ALGORITHM = 'HS256';
const TYPE = 'stagecast-invite+jwt';
const MAX_INVITATION_CHARS = 2048;

export interface Invitation {
  sessionId: string;
  invitedBy: string;
  expiresAt: string;
}

const claimsSchema = z.object({ sub: z.string(), by: z.string(), exp: z.number() });

export async function signInvitation(
  keys: TokenKeys,
  { sessionId, invitedBy, ttlS }: { sessionId: string; invitedBy: string; ttlS: number },
  nowMs = Date.now(),
): Promise<{ invitation: string; expiresAt: string }> {
  const iat = Math.floor(nowMs / 1000);
  const invitation = await new SignJWT({ by: invitedBy })
    .setProtectedHeader({ alg: ALGORITHM, typ: TYPE, kid: keys.signing.kid })
    .setSubject(sessionId)
    .setJti(crypto.randomUUID())
    .setIssuedAt(iat)
    .setExpirationTime(iat + ttlS)
    .sign(keys.signing.key);
  return { invitation, expiresAt: new Date((iat + ttlS) * 1000).toISOString() };
}

/** The invitation to `sessionId` in `token`; a typed error in words for anything else. */
export async function readInvitation(
  token: string,
  sessionId: string,
  keys: TokenKeys,
  nowMs = Date.now(),
): Promise<Invitation> {
  const invalid = new AppError('NOT_ALLOWED', 'this invitation link is not valid: ask the host for a new one');
  if (token.length > MAX_INVITATION_CHARS) throw invalid;
  const verified = await jwtVerify(token, (header: JWTHeaderParameters) => keyNamedBy(header, keys), {
    algorithms: [ALGORITHM],
    typ: TYPE,
    requiredClaims: ['sub', 'exp', 'by'],
    currentDate: new Date(nowMs),
  }).catch((error: unknown) => {
    // A forged, expired, malformed or foreign token is an answer, not a failure.
    if (error instanceof errors.JOSEError) return error;
    throw error;
  });
  if (verified instanceof errors.JWTExpired) {
    throw new AppError('NOT_ALLOWED', 'this invitation has expired: ask the host for a new link');
  }
  if (verified instanceof errors.JOSEError) throw invalid;
  const { payload } = verified;
  const claims = claimsSchema.safeParse(payload);
  if (!claims.success || claims.data.sub !== sessionId) throw invalid;
  return {
    sessionId: claims.data.sub,
    invitedBy: claims.data.by,
    expiresAt: new Date(claims.data.exp * 1000).toISOString(),
  };
}
