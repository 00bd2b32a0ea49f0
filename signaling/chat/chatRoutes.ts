// HTTP routes around the chat: history for pages that do not hold a socket
// (and for VOD replays), blocks, and reports. Each route states what it needs
// from the caller.
import { Router, type Request } from 'express';
import { authenticate, optionalIdentity, requireRole } from '../auth/authenticate.ts';
import type { TokenKeys } from '../auth/tokenKeys.ts';
import { parseBody, parseInput } from '../http/httpErrors.ts';
import { ipRateLimit } from '../limits/ipRateLimit.ts';
import type { LimitStore } from '../limits/rateLimits.ts';
import { historyQuery, idParam, reportBody, reportListQuery } from '../protocol/chatRequests.ts';
import type { ChatService } from './ChatService.ts';

export function chatRoutes(chat: ChatService, tokenKeys: TokenKeys, limitStore: LimitStore = undefined): Router {
  const router = Router();
  const ok = (data: unknown) => ({ ok: true, data });
  const caller = (req: Request) => authenticate(req, tokenKeys);
  const userId = (req: Request) => parseInput(idParam, req.params.id);
  // Reports write rows an admin must read: a few per minute per address is plenty.
  const reportLimit = ipRateLimit('chat-reports', { burst: 10, perS: 1 / 6 }, limitStore);

  /** Anyone who may watch the session; signed-in callers do not see users they blocked. */
  router.get('/api/streams/:id/messages', async (req, res) => {
    const sessionId = parseInput(idParam, req.params.id);
    const { before, limit, key } = parseInput(historyQuery, req.query);
    res.json(ok(await chat.history(await optionalIdentity(req, tokenKeys), sessionId, before, limit, key)));
  });

  /** Signed in (guests too): reports a message or a user. */
  router.post('/api/reports', reportLimit, async (req, res) => {
    const identity = await caller(req);
    res.status(201).json(ok(await chat.report(identity, parseBody(reportBody, req))));
  });

  /** Admins: the queue, newest first. */
  router.get('/api/reports', async (req, res) => {
    requireRole(await caller(req), 'admin');
    const { status, limit } = parseInput(reportListQuery, req.query);
    res.set('Cache-Control', 'no-store').json(ok(await chat.listReports(status, limit)));
  });

  router.get('/api/blocks', async (req, res) => {
    const identity = await caller(req);
    res.set('Cache-Control', 'no-store').json(ok({ userIds: await chat.blockedIds(identity.userId) }));
  });

  router.post('/api/users/:id/block', async (req, res) => {
    const identity = await caller(req);
    await chat.block(identity, userId(req));
    res.json(ok(null));
  });

  router.delete('/api/users/:id/block', async (req, res) => {
    const identity = await caller(req);
    await chat.unblock(identity, userId(req));
    res.json(ok(null));
  });

  return router;
}
