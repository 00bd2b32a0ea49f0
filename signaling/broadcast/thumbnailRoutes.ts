// GET /api/multihost/:id/thumbnail — a still of a live session's broadcast
// (LiveThumbnails.ts), cached by browsers and CDNs as long as it is kept
// here. In a cluster the session's owner answers (ownerProxy), which has its
// segments.
import { Router } from 'express';
import { AppError } from '../errors.ts';
import { parseInput } from '../http/httpErrors.ts';
import { entityId } from '../protocol/commonRequests.ts';
import { THUMBNAIL_MAX_AGE_S, type LiveThumbnails } from './LiveThumbnails.ts';

export function thumbnailRoutes(thumbnails: LiveThumbnails): Router {
  const router = Router();
  router.get('/api/multihost/:id/thumbnail', async (req, res) => {
    const jpeg = await thumbnails.of(parseInput(entityId, req.params.id));
    if (!jpeg) throw new AppError('NOT_FOUND', 'no picture yet: the session is not broadcasting');
    res.set('Cache-Control', `public, max-age=${THUMBNAIL_MAX_AGE_S}`).type('image/jpeg').end(jpeg);
  });
  return router;
}
