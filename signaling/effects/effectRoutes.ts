// /api/stream-filters (the seed's routes, where they fit): the catalogue for
// anyone, unlocking and the remembered choice for accounts. Guests use the
// free effects in the studio and keep their choice in the browser.
import { Router, type Request } from 'express';
import { authenticate, optionalIdentity, requireAccount } from '../auth/authenticate.ts';
import type { TokenKeys } from '../auth/tokenKeys.ts';
import { parseBody, parseInput } from '../http/httpErrors.ts';
import { effectChoiceBody, effectListQuery } from '../protocol/effectRequests.ts';
import type { EffectService } from './EffectService.ts';

export function effectRoutes(effects: EffectService, tokenKeys: TokenKeys): Router {
  const router = Router();
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

  return router;
}
