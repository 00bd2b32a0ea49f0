import type { Request } from 'express';
import { AppError } from '../errors.ts';
import { verifyIdentityToken, type Identity } from './identityToken.ts';

/** The caller of an HTTP request (Authorization: Bearer <token>), or 401. */
export function authenticate(req: Request, secret: string): Identity {
  const identity = optionalIdentity(req, secret);
  if (!identity) throw new AppError('UNAUTHENTICATED', 'sign in first (missing, expired or invalid token)');
  return identity;
}

export function optionalIdentity(req: Request, secret: string): Identity | undefined {
  const header = req.get('authorization') ?? '';
  const match = /^Bearer (\S+)$/.exec(header);
  return match ? verifyIdentityToken(match[1], secret) : undefined;
}
