// A session's cover picture, uploaded by its primary host: what the home
// page's "Coming up" list and the audience page show for a show that has not
// started (the live still, thumbnailRoutes.ts, is the broadcast's own once it
// runs). `PUT /api/multihost/:id/cover` (the raw picture), `DELETE` removes
// it, `GET /api/covers/:name` serves it (a fresh name per upload, so it is
// cached for good). The picture is stored before the session is changed and
// removed again if the change is refused; a replaced one is removed once the
// new one is kept (StoredImages.storeAndApply).
import { Router, type Request } from 'express';
import { authenticate } from '../auth/authenticate.ts';
import type { TokenKeys } from '../auth/tokenKeys.ts';
import type { StoredImages } from '../http/StoredImages.ts';
import { parseInput } from '../http/httpErrors.ts';
import { ipRateLimit } from '../limits/ipRateLimit.ts';
import type { LimitStore } from '../limits/rateLimits.ts';
import { entityId } from '../protocol/commonRequests.ts';
import { COVER_PATH } from '../protocol/images.ts';
import type { SessionService } from './SessionService.ts';

/** Uploads per address: a few tries at the right picture, not a way to fill the disk. */
const COVER_UPLOADS = { burst: 10, perS: 1 / 6 };

export function coverRoutes(
  sessions: SessionService,
  covers: StoredImages,
  tokenKeys: TokenKeys,
  limitStore: LimitStore = undefined,
): Router {
  const router = Router();
  const uploads = ipRateLimit('session-covers', COVER_UPLOADS, limitStore);
  const caller = (req: Request) => authenticate(req, tokenKeys);
  const sessionId = (req: Request) => parseInput(entityId, req.params.id);

  router.put('/api/multihost/:id/cover', uploads, covers.rawBody(), async (req, res) => {
    const identity = await caller(req);
    const id = sessionId(req);
    // Refused before anything is stored when the caller may not change it.
    sessions.get(id).assertPrimary(identity, 'change the cover picture');
    const plan = await covers.storeAndApply(id, covers.bytesOf(req), async (name) => {
      const { plan, replaced } = await sessions.setCover(identity, id, name);
      return { result: plan, replaced };
    });
    res.json({ ok: true, data: plan });
  });

  router.delete('/api/multihost/:id/cover', async (req, res) => {
    const { plan, replaced } = await sessions.setCover(await caller(req), sessionId(req), null);
    if (replaced) await covers.remove(replaced);
    res.json({ ok: true, data: plan });
  });

  router.get(`${COVER_PATH}:name`, (req, res) => {
    covers.send(res, String(req.params.name));
  });
  return router;
}
