import type { Request } from 'express';
import { AppError } from '../errors.ts';
import type { Role } from '../protocol/accounts.ts';
import { verifyIdentityToken, type Identity } from './identityToken.ts';
import type { TokenKeys } from './tokenKeys.ts';

/** The caller of an HTTP request (Authorization: Bearer <token>), or 401. */
export async function authenticate(req: Request, keys: TokenKeys): Promise<Identity> {
  const identity = await optionalIdentity(req, keys);
  if (!identity) throw new AppError('UNAUTHENTICATED', 'sign in first (missing, expired or invalid token)');
  return identity;
}

export async function optionalIdentity(req: Request, keys: TokenKeys): Promise<Identity | undefined> {
  const header = req.get('authorization') ?? '';
  const match = /^Bearer (\S+)$/.exec(header);
  return match ? verifyIdentityToken(match[1], keys) : undefined;
}

/** An identity that belongs to an account (guests have no role), or 403. */
export function requireAccount(identity: Identity): Identity & { role: Role } {
  if (!identity.role) throw new AppError('NOT_ALLOWED', 'this needs an account (guests cannot)');
  return { ...identity, role: identity.role };
}

/** An account identity with the given role, or 403. */
export function requireRole(identity: Identity, role: Role): Identity & { role: Role } {
  const account = requireAccount(identity);
  if (account.role !== role) throw new AppError('NOT_ALLOWED', `this needs the ${role} role`);
  return account;
}
