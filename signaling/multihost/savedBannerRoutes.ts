// /api/banners: an account's saved banners (SavedBanners.ts). Guests have
// nothing to keep them under: they are told to use an account.
import { Router, type Request } from 'express';
import { authenticate, requireAccount } from '../auth/authenticate.ts';
import type { TokenKeys } from '../auth/tokenKeys.ts';
import { parseBody, parseInput } from '../http/httpErrors.ts';
import { entityId } from '../protocol/commonRequests.ts';
import { savedBannerBody } from '../protocol/multihostRequests.ts';
import type { SavedBanners } from './SavedBanners.ts';

export function savedBannerRoutes(banners: SavedBanners, tokenKeys: TokenKeys): Router {
  const router = Router();
  const ok = (data: unknown) => ({ ok: true, data });
  const owner = async (req: Request) => requireAccount(await authenticate(req, tokenKeys)).userId;

  router.get('/api/banners', async (req, res) => {
    res.set('Cache-Control', 'no-store').json(ok(await banners.list(await owner(req))));
  });

  router.post('/api/banners', async (req, res) => {
    const ownerId = await owner(req);
    const { text } = parseBody(savedBannerBody, req);
    res.status(201).json(ok(await banners.save(ownerId, text)));
  });

  router.delete('/api/banners/:id', async (req, res) => {
    await banners.remove(await owner(req), parseInput(entityId, req.params.id));
    res.json(ok(null));
  });

  return router;
}
