// /api/notifications: the bell's list and marking read, for accounts only
// (guests have no notifications; their pages show no bell).
import { Router, type Request } from 'express';
import { authenticate, requireAccount } from '../auth/authenticate.ts';
import type { TokenKeys } from '../auth/tokenKeys.ts';
import { parseBody } from '../http/httpErrors.ts';
import { markReadBody } from '../protocol/notificationRequests.ts';
import type { NotificationService } from './NotificationService.ts';

export function notificationRoutes(notifications: NotificationService, tokenKeys: TokenKeys): Router {
  const router = Router();
  const ok = (data: unknown) => ({ ok: true, data });
  const account = async (req: Request) => requireAccount(await authenticate(req, tokenKeys)).userId;

  router.get('/api/notifications', async (req, res) => {
    res.set('Cache-Control', 'no-store').json(ok(await notifications.list(await account(req))));
  });

  router.post('/api/notifications/read', async (req, res) => {
    const userId = await account(req);
    res.json(ok(await notifications.markRead(userId, parseBody(markReadBody, req))));
  });

  return router;
}
