// HTTP routes for PK battles (seed API: /api/pk-battles/...). Each handler
// authenticates where the action needs it, validates, and calls one service
// action, which checks the permission.
import { Router, type Request } from 'express';
import { authenticate } from '../auth/authenticate.ts';
import type { TokenKeys } from '../auth/tokenKeys.ts';
import type { GiftService } from '../gifts/GiftService.ts';
import { parseBody, parseInput } from '../http/httpErrors.ts';
import { battleInviteRequest, leaderboardQuery } from '../protocol/battleRequests.ts';
import { entityId } from '../protocol/commonRequests.ts';
import { battleGiftBody } from '../protocol/giftRequests.ts';
import type { LeaderboardPeriod, Leaderboards } from '../protocol/index.ts';
import type { SessionLists } from '../multihost/SessionLists.ts';
import type { BattleService } from './BattleService.ts';

/** What the rankings route needs of the leaderboards. */
export interface LeaderboardReader {
  top(period: LeaderboardPeriod, now: Date): Promise<Leaderboards>;
}

export function battleRoutes(
  battles: BattleService,
  gifts: GiftService,
  leaderboards: LeaderboardReader,
  lists: Pick<SessionLists, 'battles'>,
  tokenKeys: TokenKeys,
): Router {
  const router = Router();
  const caller = (req: Request) => authenticate(req, tokenKeys);
  const battleId = (req: Request) => parseInput(entityId, req.params.id);
  const ok = (data: unknown) => ({ ok: true, data });

  router.post('/api/pk-battles', async (req, res) => {
    const identity = await caller(req);
    res.status(201).json(ok(await battles.invite(identity, parseBody(battleInviteRequest, req))));
  });

  router.get('/api/pk-battles/active/list', async (_req, res) => {
    res.json(ok(await lists.battles()));
  });

  router.get('/api/pk-battles/leaderboard/rankings', async (req, res) => {
    const { period } = parseInput(leaderboardQuery, req.query);
    res.set('Cache-Control', 'no-store').json(ok(await leaderboards.top(period, new Date())));
  });

  router.get('/api/pk-battles/user/:userId', async (req, res) => {
    const userId = parseInput(entityId, req.params.userId);
    const [history, stats] = await Promise.all([battles.listForHost(userId), battles.store.stats(userId)]);
    res.json(ok({ battles: history, stats }));
  });

  router.get('/api/pk-battles/:id', async (req, res) => {
    res.json(ok(await battles.get(battleId(req))));
  });

  router.post('/api/pk-battles/:id/accept', async (req, res) => {
    res.json(ok(await battles.accept(await caller(req), battleId(req))));
  });

  router.post('/api/pk-battles/:id/decline', async (req, res) => {
    res.json(ok(await battles.decline(await caller(req), battleId(req))));
  });

  router.post('/api/pk-battles/:id/gift', async (req, res) => {
    const identity = await caller(req);
    const body = parseBody(battleGiftBody, req);
    const receipt = await gifts.send(identity, { ...body, battleId: battleId(req) });
    res.status(receipt.replayed ? 200 : 201).json(ok(receipt));
  });

  router.delete('/api/pk-battles/:id', async (req, res) => {
    res.json(ok(await battles.cancel(await caller(req), battleId(req))));
  });

  return router;
}
