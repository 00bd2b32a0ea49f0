import crypto from 'node:crypto';
import { Router } from 'express';
import { GUEST_ID_PREFIX } from '../protocol/accounts.ts';
import { guestBody } from '../protocol/auth.ts';
import { parseBody } from '../http/httpErrors.ts';
import { signIdentityToken } from './identityToken.ts';
import type { TokenKeys } from './tokenKeys.ts';

const GUEST_TOKEN_TTL_S = 24 * 3600;

/**
 * POST /api/auth/guest { displayName } → { token, user }: a signed identity
 * for a fresh guest user id. Real accounts (a later issue) mint the same
 * token shape, so the rest of the server does not change.
 */
export function guestRoutes(tokenKeys: TokenKeys): Router {
  const router = Router();
  router.post('/api/auth/guest', async (req, res) => {
    const { displayName } = parseBody(guestBody, req);
    const user = { userId: `${GUEST_ID_PREFIX}${crypto.randomBytes(9).toString('base64url')}`, displayName };
    const token = await signIdentityToken(user, tokenKeys, GUEST_TOKEN_TTL_S);
    res.status(201).json({ ok: true, data: { token, user } });
  });
  return router;
}
