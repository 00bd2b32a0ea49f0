// GET /api/multihost/:id/thumbnail — a still of a live session's broadcast
// (LiveThumbnails.ts), cached by browsers and CDNs as long as it is kept
// here. In a cluster the session's owner answers (ownerProxy), which has its
// segments. A private session's still is its audience's only (`?key=`), and
// then never cached by a shared cache.
import { Router } from 'express';
import { AppError } from '../errors.ts';
import { parseInput } from '../http/httpErrors.ts';
import { entityId } from '../protocol/commonRequests.ts';
import { watchKeyQuery } from '../protocol/streamRequests.ts';
import type { AudienceGate } from './AudienceGate.ts';
import { THUMBNAIL_MAX_AGE_S, type LiveThumbnails } from './LiveThumbnails.ts';

export function thumbnailRoutes(thumbnails: LiveThumbnails, gate: AudienceGate): Router {
  const router = Router();
  router.get('/api/multihost/:id/thumbnail', async (req, res) => {
    const sessionId = parseInput(entityId, req.params.id);
    const { access } = await gate.admit(sessionId, parseInput(watchKeyQuery, req.query).key);
    const jpeg = await thumbnails.of(sessionId);
    if (!jpeg) throw new AppError('NOT_FOUND', 'no picture yet: the session is not broadcasting');
    const cache = access.isPrivate ? 'private' : 'public';
    res.set('Cache-Control', `${cache}, max-age=${THUMBNAIL_MAX_AGE_S}`).type('image/jpeg').end(jpeg);
  });
  return router;
}
