// HTTP routes for streams and recordings (seed API: /room/:id/stream/...).
// Reading is open to the session's audience: anyone for a public session,
// the holders of its watch key (`?key=`, or its password's answer) for a
// private one, and its hosts (AudienceGate). Recording is the primary host's,
// checked in StreamService.
import { Router, type Request } from 'express';
import { authenticate, optionalIdentity } from '../auth/authenticate.ts';
import type { TokenKeys } from '../auth/tokenKeys.ts';
import { AppError } from '../errors.ts';
import { parseBody, parseInput } from '../http/httpErrors.ts';
import { ipRateLimit } from '../limits/ipRateLimit.ts';
import type { LimitStore } from '../limits/rateLimits.ts';
import { recordRequest, unlockRequest, watchKeyQuery } from '../protocol/streamRequests.ts';
import type { StreamService } from './StreamService.ts';
import { entityId } from '../protocol/commonRequests.ts';

const idParam = entityId;
/** Recordings on the home page. */
const RECENT_RECORDINGS = 12;

export function streamRoutes(streams: StreamService, tokenKeys: TokenKeys, limitStore: LimitStore = undefined): Router {
  const router = Router();
  const ok = (data: unknown) => ({ ok: true, data });
  const id = (req: Request) => parseInput(idParam, req.params.id);
  const key = (req: Request) => parseInput(watchKeyQuery, req.query).key;
  // A reader's identity only lets a host in without the key: a stale token reads as anonymous, not as an error.
  const reader = (req: Request) =>
    optionalIdentity(req, tokenKeys).catch((error: unknown) => {
      if (error instanceof AppError && error.code === 'UNAUTHENTICATED') return undefined;
      throw error;
    });
  // Guessing a show's password: a few tries a minute per address.
  const unlockLimit = ipRateLimit('stream-unlock', { burst: 10, perS: 1 / 6 }, limitStore);

  router.get('/api/room/:id/stream/stats', async (req, res) => {
    res.json(ok(await streams.stats(id(req), key(req), await reader(req))));
  });

  router.post('/api/room/:id/stream/unlock', unlockLimit, async (req, res) => {
    const { password } = parseBody(unlockRequest, req);
    res.set('Cache-Control', 'no-store').json(ok(await streams.unlock(id(req), password)));
  });

  router.post('/api/room/:id/stream/record', async (req, res) => {
    const caller = await authenticate(req, tokenKeys);
    const { action } = parseBody(recordRequest, req);
    res.json(ok(await streams.record(caller, id(req), action)));
  });

  router.get('/api/sessions/:id/recordings', async (req, res) => {
    res.json(ok(await streams.recordingsOf(id(req), key(req), await reader(req))));
  });

  router.get('/api/users/:id/recordings', async (req, res) => {
    res.json(ok(await streams.recordingsOfHost(id(req), await reader(req))));
  });

  // Before /:id ('recent' is not a recording id).
  router.get('/api/recordings/recent', async (_req, res) => {
    res.json(ok(await streams.recentRecordings(RECENT_RECORDINGS)));
  });

  router.get('/api/recordings/:id', async (req, res) => {
    res.json(ok(await streams.recording(id(req), key(req), await reader(req))));
  });

  return router;
}
