// /api/stream-filters (the seed's routes, where they fit): the catalogue for
// anyone, unlocking, the remembered choice and the background picture for
// accounts. Guests use the free effects in the studio and keep their choice
// in the browser.
import { Router, type Request } from 'express';
import { authenticate, optionalIdentity, requireAccount } from '../auth/authenticate.ts';
import type { TokenKeys } from '../auth/tokenKeys.ts';
import type { StoredImages } from '../http/StoredImages.ts';
import { parseBody, parseInput } from '../http/httpErrors.ts';
import { ipRateLimit } from '../limits/ipRateLimit.ts';
import type { LimitStore } from '../limits/rateLimits.ts';
import { effectChoiceBody, effectListQuery } from '../protocol/effectRequests.ts';
import { EFFECT_BACKGROUND_PATH } from '../protocol/effects.ts';
import type { EffectService } from './EffectService.ts';

/** Uploads per address: a few tries at the right picture, not a way to fill the disk. */
const BACKGROUND_UPLOADS = { burst: 10, perS: 1 / 6 };

const storedBackgroundName = (url: string | null) =>
  url?.startsWith(EFFECT_BACKGROUND_PATH) ? url.slice(EFFECT_BACKGROUND_PATH.length) : null;

export function effectRoutes(
  effects: EffectService,
  backgrounds: StoredImages,
  tokenKeys: TokenKeys,
  limitStore: LimitStore = undefined,
): Router {
  const router = Router();
  const uploads = ipRateLimit('effect-backgrounds', BACKGROUND_UPLOADS, limitStore);
  const ok = (data: unknown) => ({ ok: true, data });
  const account = async (req: Request) => requireAccount(await authenticate(req, tokenKeys)).userId;

  router.get('/api/stream-filters', async (req, res) => {
    const { category } = parseInput(effectListQuery, req.query);
    const caller = await optionalIdentity(req, tokenKeys);
    const userId = caller?.role ? caller.userId : undefined;
    res.set('Cache-Control', 'no-store').json(ok(await effects.list(userId, category)));
  });

  router.get('/api/stream-filters/user/unlocked', async (req, res) => {
    res.set('Cache-Control', 'no-store').json(ok(await effects.unlockedIds(await account(req))));
  });

  router.post('/api/stream-filters/:id/unlock', async (req, res) => {
    const userId = await account(req);
    res.json(ok(await effects.unlock(userId, String(req.params.id))));
  });

  router.get('/api/stream-filters/user/choice', async (req, res) => {
    res.set('Cache-Control', 'no-store').json(ok(await effects.choice(await account(req))));
  });

  router.put('/api/stream-filters/user/choice', async (req, res) => {
    const userId = await account(req);
    res.json(ok(await effects.saveChoice(userId, parseBody(effectChoiceBody, req))));
  });

  /** The account's background picture (raw PNG, JPEG or WebP); the one it replaces is deleted. */
  router.put('/api/stream-filters/user/background', uploads, backgrounds.rawBody(), async (req, res) => {
    const userId = await account(req);
    const choice = await backgrounds.storeAndApply(userId, backgrounds.bytesOf(req), async (name) => {
      const { choice, replaced } = await effects.setBackgroundImage(userId, `${EFFECT_BACKGROUND_PATH}${name}`);
      return { result: choice, replaced: storedBackgroundName(replaced) };
    });
    res.json(ok(choice));
  });

  router.get(`${EFFECT_BACKGROUND_PATH}:name`, (req, res) => {
    backgrounds.send(res, String(req.params.name));
  });

  return router;
}
