// A logo and a backdrop for the composed picture (issue 22), uploaded by a
// host who may change what is on screen: `PUT /api/multihost/:id/on-screen/
// logo|backdrop` (the raw picture), `DELETE` removes it, `GET
// /api/on-screen-pictures/:name` serves it (to the studios' previews). Stored
// like covers (StoredImages.storeAndApply): a refused change keeps nothing, a
// replaced picture's file goes. The compositor makes its own frame of the
// picture (recorder/slots/pictureFrames.ts).
import { Router, type Request } from 'express';
import { z } from 'zod';
import { authenticate } from '../auth/authenticate.ts';
import type { TokenKeys } from '../auth/tokenKeys.ts';
import type { StoredImages } from '../http/StoredImages.ts';
import { parseInput } from '../http/httpErrors.ts';
import { ipRateLimit } from '../limits/ipRateLimit.ts';
import type { LimitStore } from '../limits/rateLimits.ts';
import { entityId } from '../protocol/commonRequests.ts';
import { ON_SCREEN_PICTURE_PATH } from '../protocol/images.ts';
import { ON_SCREEN_PICTURES } from '../protocol/onScreen.ts';
import type { SessionService } from './SessionService.ts';

/** Uploads per address: a few tries at the right picture, not a way to fill the disk. */
const PICTURE_UPLOADS = { burst: 10, perS: 1 / 6 };

const pictureName = z.enum(ON_SCREEN_PICTURES, { message: 'the picture is "logo" or "backdrop"' });

/** The stored name behind a picture's address. */
export function storedPictureName(url: string | null): string | null {
  return url?.startsWith(ON_SCREEN_PICTURE_PATH) ? url.slice(ON_SCREEN_PICTURE_PATH.length) : null;
}

export function onScreenPictureRoutes(
  sessions: SessionService,
  pictures: StoredImages,
  tokenKeys: TokenKeys,
  limitStore: LimitStore = undefined,
): Router {
  const router = Router();
  const uploads = ipRateLimit('on-screen-pictures', PICTURE_UPLOADS, limitStore);
  const caller = (req: Request) => authenticate(req, tokenKeys);
  const target = (req: Request) => ({
    id: parseInput(entityId, req.params.id),
    picture: parseInput(pictureName, req.params.picture),
  });

  router.put('/api/multihost/:id/on-screen/:picture', uploads, pictures.rawBody(), async (req, res) => {
    const identity = await caller(req);
    const { id, picture } = target(req);
    // Refused before anything is stored when the caller may not change it.
    sessions.get(id).assertMay(identity, 'stage', 'change the pictures on screen');
    const onScreen = await pictures.storeAndApply(id, pictures.bytesOf(req), async (name) => {
      const { onScreen, replaced } = await sessions.setOnScreenPicture(
        identity,
        id,
        picture,
        `${ON_SCREEN_PICTURE_PATH}${name}`,
      );
      return { result: onScreen, replaced: storedPictureName(replaced) };
    });
    res.json({ ok: true, data: onScreen });
  });

  router.delete('/api/multihost/:id/on-screen/:picture', async (req, res) => {
    const { id, picture } = target(req);
    const { onScreen, replaced } = await sessions.setOnScreenPicture(await caller(req), id, picture, null);
    const name = storedPictureName(replaced);
    if (name) await pictures.remove(name);
    res.json({ ok: true, data: onScreen });
  });

  router.get(`${ON_SCREEN_PICTURE_PATH}:name`, (req, res) => {
    pictures.send(res, String(req.params.name));
  });
  return router;
}
