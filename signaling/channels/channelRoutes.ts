// HTTP routes for channels. Each handler states what it needs from the
// caller (nothing, an account, the channel's owner — checked in
// ChannelService) and calls one ChannelService action.
import { Router, type Request } from 'express';
import { authenticate, optionalIdentity, requireAccount } from '../auth/authenticate.ts';
import type { TokenKeys } from '../auth/tokenKeys.ts';
import { AppError } from '../errors.ts';
import { parseBody, parseInput } from '../http/httpErrors.ts';
import { channelRef, createChannelBody, updateChannelBody } from '../protocol/channelRequests.ts';
import type { ChannelService } from './ChannelService.ts';
import { entityId } from '../protocol/commonRequests.ts';

const idParam = entityId;

export function channelRoutes(channels: ChannelService, tokenKeys: TokenKeys): Router {
  const router = Router();
  const ok = (data: unknown) => ({ ok: true, data });
  const account = async (req: Request) => requireAccount(await authenticate(req, tokenKeys));
  // Every /api/channels/:ref takes the channel's id or its slug (their shapes never overlap).
  const ref = (req: Request) => {
    const parsed = channelRef.safeParse(req.params.ref);
    // A malformed reference cannot name a channel: 404 like any unknown one.
    if (!parsed.success) throw new AppError('NOT_FOUND', 'no such channel');
    return parsed.data;
  };

  router.post('/api/channels', async (req, res) => {
    const owner = await account(req);
    res.status(201).json(ok(await channels.create(owner, parseBody(createChannelBody, req))));
  });

  /** Anyone; `following` is filled in for signed-in accounts. */
  router.get('/api/channels/:ref', async (req, res) => {
    res.json(ok(await channels.byRef(ref(req), await optionalIdentity(req, tokenKeys))));
  });

  router.get('/api/following', async (req, res) => {
    const follower = await account(req);
    res.set('Cache-Control', 'no-store').json(ok(await channels.followedBy(follower.userId)));
  });

  router.get('/api/users/:id/channels', async (req, res) => {
    res.json(ok(await channels.listOwnedBy(parseInput(idParam, req.params.id))));
  });

  router.put('/api/channels/:ref', async (req, res) => {
    const owner = await account(req);
    res.json(ok(await channels.update(owner, ref(req), parseBody(updateChannelBody, req))));
  });

  router.post('/api/channels/:ref/follow', async (req, res) => {
    const follower = await account(req);
    res.json(ok(await channels.setFollowing(follower, ref(req), true)));
  });

  router.delete('/api/channels/:ref/follow', async (req, res) => {
    const follower = await account(req);
    res.json(ok(await channels.setFollowing(follower, ref(req), false)));
  });

  return router;
}
