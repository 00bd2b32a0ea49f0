// HTTP routes for co-host sessions (seed API: /api/multihost/...). Each
// handler authenticates, validates, and calls one SessionService action,
// which checks the permission the action needs.
import { Router, type Request } from 'express';
import { authenticate, optionalIdentity } from '../auth/authenticate.ts';
import type { TokenKeys } from '../auth/tokenKeys.ts';
import { parseBody, parseInput } from '../http/httpErrors.ts';
import { KeyedRateLimit } from '../limits/ipRateLimit.ts';
import type { LimitStore } from '../limits/rateLimits.ts';
import {
  approveBody,
  createSessionBody,
  denyBody,
  invitationBody,
  inviteBody,
  joinByInvitationBody,
  layoutChange,
  onAirBody,
  onScreenRequest,
  settingsBody,
  upcomingQuery,
} from '../protocol/multihostRequests.ts';
import { entityId } from '../protocol/commonRequests.ts';
import { readInvitation, signInvitation } from './invitationLinks.ts';
import type { SessionLists } from './SessionLists.ts';
import type { SessionService } from './SessionService.ts';

/** Join requests one user may make to one session: a few (a cancel and a new ask), then one a minute. */
const JOIN_REQUESTS_PER_USER = { burst: 4, perS: 1 / 60 };

export function multihostRoutes(
  sessions: SessionService,
  lists: SessionLists,
  tokenKeys: TokenKeys,
  limitStore: LimitStore = undefined,
): Router {
  const router = Router();
  const joinRequestsPerUser = new KeyedRateLimit(
    'join-requests',
    JOIN_REQUESTS_PER_USER,
    'you asked to join this session several times already: wait a minute before asking again',
    limitStore,
  );
  const caller = (req: Request) => authenticate(req, tokenKeys);
  const sessionId = (req: Request) => parseInput(entityId, req.params.id);
  const ok = (data: unknown) => ({ ok: true, data });

  router.post('/api/multihost', async (req, res) => {
    const identity = await caller(req);
    const session = await sessions.create(identity, parseBody(createSessionBody, req));
    res.status(201).json(ok(session.toState()));
  });

  // Private sessions are not listed: only their link leads to them (their own host still sees them).
  router.get('/api/multihost/active/list', async (_req, res) => {
    res.json(ok((await lists.live()).filter((session) => !session.settings.private)));
  });

  // Announced public sessions, soonest first (the home page; a channel's with `?hostId=`).
  router.get('/api/multihost/upcoming', async (req, res) => {
    const { hostId } = parseInput(upcomingQuery, req.query);
    res.json(ok(await sessions.store.listUpcoming(new Date(), { hostId })));
  });

  router.get('/api/multihost/user/:userId', async (req, res) => {
    const userId = parseInput(entityId, req.params.userId);
    const theirOwn = (await optionalIdentity(req, tokenKeys))?.userId === userId;
    const active = (await lists.activeForUser(userId)).filter((session) => theirOwn || !session.settings.private);
    const activeIds = new Set(active.map((session) => session.id));
    const past = (await sessions.store.listByPrimaryHost(userId)).filter(
      (row) => !activeIds.has(row.id) && (theirOwn || row.watchKey === null),
    );
    res.json(ok({ active, past: past.map(({ watchKey: _key, watchPasswordHash: _hash, ...row }) => row) }));
  });

  // A private session's watch link, for its hosts to share (the socket's `multihost:watch-link`).
  router.get('/api/multihost/:id/watch-link', async (req, res) => {
    res.set('Cache-Control', 'no-store').json(ok(sessions.watchLink(await caller(req), sessionId(req))));
  });

  router.get('/api/multihost/:id', async (req, res) => {
    const session = sessions.get(sessionId(req));
    const identity = await optionalIdentity(req, tokenKeys);
    // Pending join requests are the primary host's business only; a requester sees their own.
    const joinRequests = identity?.userId === session.primaryHostId ? session.joinRequests : undefined;
    const yourRequest = identity && session.joinRequestOf(identity.userId);
    res.json(
      ok({ ...session.toState(), ...(joinRequests ? { joinRequests } : {}), ...(yourRequest ? { yourRequest } : {}) }),
    );
  });

  router.post('/api/multihost/:id/start', async (req, res) => {
    res.json(ok((await sessions.start(await caller(req), sessionId(req))).toState()));
  });

  router.post('/api/multihost/:id/invite', async (req, res) => {
    const identity = await caller(req);
    sessions.invite(identity, sessionId(req), parseBody(inviteBody, req).userId);
    res.json(ok(null));
  });

  // Invitation links (invitationLinks.ts): the primary host makes one; its holder joins as a co-host.
  router.post('/api/multihost/:id/invitations', async (req, res) => {
    const identity = await caller(req);
    const id = sessionId(req);
    const { ttlS } = parseBody(invitationBody, req);
    sessions.assertMayInvite(identity, id);
    res.status(201).json(ok(await signInvitation(tokenKeys, { sessionId: id, invitedBy: identity.userId, ttlS })));
  });

  router.post('/api/multihost/:id/join-by-invitation', async (req, res) => {
    const identity = await caller(req);
    const id = sessionId(req);
    const invitation = await readInvitation(parseBody(joinByInvitationBody, req).invitation, id, tokenKeys);
    res.json(ok(sessions.admitInvited(identity, invitation)));
  });

  router.post('/api/multihost/:id/accept', async (req, res) => {
    res.json(ok(sessions.accept(await caller(req), sessionId(req))));
  });

  router.post('/api/multihost/:id/request', async (req, res) => {
    const identity = await caller(req);
    const id = sessionId(req);
    // Asking again after a denial is allowed, but not as a way to flood the host.
    await joinRequestsPerUser.take(`${id}:${identity.userId}`);
    res.status(202).json(ok(sessions.requestToJoin(identity, id)));
  });

  router.delete('/api/multihost/:id/request', async (req, res) => {
    sessions.cancelJoinRequest(await caller(req), sessionId(req));
    res.json(ok(null));
  });

  router.post('/api/multihost/:id/deny', async (req, res) => {
    const identity = await caller(req);
    const { userId, reason } = parseBody(denyBody, req);
    sessions.deny(identity, sessionId(req), userId, reason);
    res.json(ok(null));
  });

  router.post('/api/multihost/:id/approve', async (req, res) => {
    const identity = await caller(req);
    res.json(ok(sessions.approve(identity, sessionId(req), parseBody(approveBody, req).userId)));
  });

  router.delete('/api/multihost/:id/hosts/:userId', async (req, res) => {
    const identity = await caller(req);
    sessions.removeHost(identity, sessionId(req), parseInput(entityId, req.params.userId));
    res.json(ok(null));
  });

  // The socket's `multihost:set-on-air` for tools that drive a show over HTTP (a producer's panel, the bench).
  router.put('/api/multihost/:id/hosts/:userId/on-air', async (req, res) => {
    const identity = await caller(req);
    const { onAir } = parseBody(onAirBody, req);
    const userId = parseInput(entityId, req.params.userId);
    res.json(ok(await sessions.setOnAir(identity, sessionId(req), userId, onAir)));
  });

  // The socket's `multihost:set-on-screen` over HTTP.
  router.put('/api/multihost/:id/on-screen', async (req, res) => {
    const identity = await caller(req);
    res.json(ok(await sessions.setOnScreen(identity, sessionId(req), parseBody(onScreenRequest, req))));
  });

  router.put('/api/multihost/:id/settings', async (req, res) => {
    const identity = await caller(req);
    res.json(ok(await sessions.updateSettings(identity, sessionId(req), parseBody(settingsBody, req))));
  });

  router.put('/api/multihost/:id/layout', async (req, res) => {
    const identity = await caller(req);
    res.json(ok(await sessions.changeLayout(identity, sessionId(req), parseBody(layoutChange, req))));
  });

  router.post('/api/multihost/:id/end', async (req, res) => {
    await sessions.end(await caller(req), sessionId(req), 'ended-by-host');
    res.json(ok(null));
  });

  return router;
}
