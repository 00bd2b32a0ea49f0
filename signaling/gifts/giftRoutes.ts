// HTTP route for a gift to a live session (the battle route is in
// battles/battleRoutes.ts). The catalogue is GET /api/gifts (walletRoutes).
import { Router } from 'express';
import { authenticate } from '../auth/authenticate.ts';
import type { TokenKeys } from '../auth/tokenKeys.ts';
import { parseBody, parseInput } from '../http/httpErrors.ts';
import { entityId } from '../protocol/commonRequests.ts';
import { sessionGiftBody } from '../protocol/giftRequests.ts';
import type { GiftService } from './GiftService.ts';

export function giftRoutes(gifts: GiftService, tokenKeys: TokenKeys): Router {
  const router = Router();

  router.post('/api/multihost/:id/gift', async (req, res) => {
    const identity = await authenticate(req, tokenKeys);
    const sessionId = parseInput(entityId, req.params.id);
    const receipt = await gifts.send(identity, { ...parseBody(sessionGiftBody, req), sessionId });
    res.status(receipt.replayed ? 200 : 201).json({ ok: true, data: receipt });
  });

  return router;
}
