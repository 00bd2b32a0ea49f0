// HTTP routes for coins: your wallet, the gift catalogue, and the admin
// top-up (payments are out of scope: an admin credits coins).
import { Router } from 'express';
import { z } from 'zod';
import { authenticate, requireAccount, requireRole } from '../auth/authenticate.ts';
import type { TokenKeys } from '../auth/tokenKeys.ts';
import { parseBody, parseInput } from '../http/httpErrors.ts';
import type { Ledger } from './Ledger.ts';
import { idempotencyKeyPattern } from './ledgerKeys.ts';
import { MAX_AMOUNT } from './LedgerTypes.ts';
import { entityId } from '../protocol/commonRequests.ts';
import { WALLET_HISTORY_MAX_PAGE } from '../protocol/index.ts';

export const topUpBody = z.object({
  userId: entityId,
  amount: z.number().int('must be a whole number').min(1).max(MAX_AMOUNT),
  idempotencyKey: z.string().regex(idempotencyKeyPattern, '1-100 characters of A-Z a-z 0-9 _ -'),
});

export const historyQuery = z.object({
  before: entityId.optional(),
  limit: z.coerce.number().int('must be a whole number').min(1).max(WALLET_HISTORY_MAX_PAGE).default(50),
});

export function walletRoutes(ledger: Ledger, tokenKeys: TokenKeys): Router {
  const router = Router();
  const ok = (data: unknown) => ({ ok: true, data });

  router.get('/api/wallet', async (req, res) => {
    const account = requireAccount(await authenticate(req, tokenKeys));
    res.set('Cache-Control', 'no-store').json(ok(await ledger.summary(account.userId)));
  });

  router.get('/api/wallet/history', async (req, res) => {
    const account = requireAccount(await authenticate(req, tokenKeys));
    const query = parseInput(historyQuery, req.query);
    res.set('Cache-Control', 'no-store').json(ok(await ledger.history(account.userId, query)));
  });

  router.post('/api/wallet/topup', async (req, res) => {
    const admin = requireRole(await authenticate(req, tokenKeys), 'admin');
    const { userId, amount, idempotencyKey } = parseBody(topUpBody, req);
    const receipt = await ledger.credit({
      userId,
      amount,
      kind: 'topup',
      idempotencyKey,
      reference: `admin:${admin.userId}`,
    });
    res.status(receipt.replayed ? 200 : 201).json(ok(receipt));
  });

  router.get('/api/gifts', async (_req, res) => {
    res.json(ok(await ledger.giftTypes()));
  });

  return router;
}
