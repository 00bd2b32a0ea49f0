// HTTP routes for channels. Each handler states what it needs from the
// caller (nothing, an account, the channel's owner — checked in
// ChannelService) and calls one ChannelService action.
import { Router, type Request } from 'express';
import { authenticate, optionalIdentity, requireAccount } from '../auth/authenticate.ts';
import type { TokenKeys } from '../auth/tokenKeys.ts';
import { AppError } from '../errors.ts';
import { parseBody, parseInput } from '../http/httpErrors.ts';
import { channelSlug, createChannelBody, updateChannelBody } from '../protocol/channelRequests.ts';
import type { ChannelService } from './ChannelService.ts';
import { entityId } from '../protocol/commonRequests.ts';

const idParam = entityId;

export function channelRoutes(channels: ChannelService, tokenKeys: TokenKeys): Router {
  const router = Router();
  const ok = (data: unknown) => ({ ok: true, data });
  const account = async (req: Request) => requireAccount(await authenticate(req, tokenKeys));
  const channelId = (req: Request) => parseInput(idParam, req.params.id);

  router.post('/api/channels', async (req, res) => {
    const owner = await account(req);
    res.status(201).json(ok(await channels.create(owner, parseBody(createChannelBody, req))));
  });

  /** Anyone; `following` is filled in for signed-in accounts. */
  router.get('/api/channels/:slug', async (req, res) => {
    // A malformed slug cannot name a channel: 404 like any unknown one.
    const slug = channelSlug.safeParse(req.params.slug);
    if (!slug.success) throw new AppError('NOT_FOUND', 'no such channel');
    res.json(ok(await channels.bySlug(slug.data, await optionalIdentity(req, tokenKeys))));
  });

  router.get('/api/users/:id/channels', async (req, res) => {
    res.json(ok(await channels.listOwnedBy(parseInput(idParam, req.params.id))));
  });

  router.put('/api/channels/:id', async (req, res) => {
    const owner = await account(req);
    res.json(ok(await channels.update(owner, channelId(req), parseBody(updateChannelBody, req))));
  });

  router.post('/api/channels/:id/follow', async (req, res) => {
    const follower = await account(req);
    res.json(ok(await channels.setFollowing(follower, channelId(req), true)));
  });

  router.delete('/api/channels/:id/follow', async (req, res) => {
    const follower = await account(req);
    res.json(ok(await channels.setFollowing(follower, channelId(req), false)));
  });

  return router;
}
