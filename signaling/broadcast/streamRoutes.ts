// HTTP routes for streams and recordings (seed API: /room/:id/stream/...).
// Reading is public (audiences watch anonymously); recording is the primary
// host's, checked in StreamService.
import { Router, type Request } from 'express';
import { authenticate } from '../auth/authenticate.ts';
import type { TokenKeys } from '../auth/tokenKeys.ts';
import { AppError } from '../errors.ts';
import { parseBody, parseInput } from '../http/httpErrors.ts';
import type { RecordingStore } from './RecordingStore.ts';
import { recordRequest } from '../protocol/streamRequests.ts';
import type { StreamService } from './StreamService.ts';
import { entityId } from '../protocol/commonRequests.ts';

const idParam = entityId;

export function streamRoutes(streams: StreamService, recordings: RecordingStore, tokenKeys: TokenKeys): Router {
  const router = Router();
  const ok = (data: unknown) => ({ ok: true, data });
  const id = (req: Request) => parseInput(idParam, req.params.id);

  router.get('/api/room/:id/stream/stats', async (req, res) => {
    res.json(ok(await streams.stats(id(req))));
  });

  router.post('/api/room/:id/stream/record', async (req, res) => {
    const caller = await authenticate(req, tokenKeys);
    const { action } = parseBody(recordRequest, req);
    res.json(ok(await streams.record(caller, id(req), action)));
  });

  router.get('/api/sessions/:id/recordings', async (req, res) => {
    res.json(ok(await recordings.listForSession(id(req))));
  });

  router.get('/api/users/:id/recordings', async (req, res) => {
    const userId = id(req);
    const [listed, known] = await Promise.all([recordings.listForHost(userId), recordings.isKnownHost(userId)]);
    if (!known) throw new AppError('NOT_FOUND', 'no such host');
    res.json(ok(listed));
  });

  router.get('/api/recordings/:id', async (req, res) => {
    const recording = await recordings.get(id(req));
    if (!recording) throw new AppError('NOT_FOUND', 'no such recording');
    res.json(ok(recording));
  });

  return router;
}
