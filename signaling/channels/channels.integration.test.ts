// Channels over HTTP against a real node: create (accounts only), read by
// slug with follower count and live sessions, update (owner only),
// follow/unfollow (idempotent), bad input.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { registerAccount, request, type SignedInAccount } from '../../testkit/accountClient.ts';
import { createSession } from '../../testkit/sessions.ts';
import { api, signInGuest } from '../../testkit/signalingClient.ts';
import { startTestServer, type TestServer } from '../../testkit/testServer.ts';
import type { ChannelSummary, ChannelView, FollowState } from '../protocol/index.ts';

let server: TestServer;
let owner: SignedInAccount;
let fan: SignedInAccount;

test.before(async () => {
  server = await startTestServer();
  [owner, fan] = await Promise.all([
    registerAccount(server.url, { displayName: 'Owner' }),
    registerAccount(server.url, { displayName: 'Fan' }),
  ]);
});
test.after(async () => {
  await server.close();
});

async function createChannel(account: SignedInAccount, body: unknown) {
  return request<ChannelView>(server.url, 'POST', '/api/channels', { token: account.token, body });
}

function codeOf(result: { body: { ok: boolean; error?: { code: string } } }): string | undefined {
  return result.body.ok ? undefined : result.body.error?.code;
}

test('create, read by slug, update by the owner only', async () => {
  const created = await createChannel(owner, { slug: ' Owner-Live ', title: ' Owner live ' });
  assert.is(created.status, 201);
  assert.ok(created.body.ok);
  const channel = created.body.data;
  assert.equal(
    { ...channel, id: undefined, createdAt: undefined },
    {
      id: undefined,
      createdAt: undefined,
      slug: 'owner-live',
      title: 'Owner live',
      description: '',
      owner: { userId: owner.user.userId, displayName: 'Owner' },
      followerCount: 0,
      following: false,
      live: [],
      recordings: [],
    },
  );

  const anonymous = await request<ChannelView>(server.url, 'GET', '/api/channels/owner-live');
  assert.is(anonymous.status, 200);
  assert.equal(anonymous.body.ok && { ...anonymous.body.data, following: null }, { ...channel, following: null });
  assert.is(anonymous.body.ok && anonymous.body.data.following, null, 'anonymous callers do not follow');

  assert.is(codeOf(await createChannel(fan, { slug: 'OWNER-LIVE', title: 'Mine now' })), 'CONFLICT');
  const update = { description: 'Daily at noon' };
  const byFan = await request(server.url, 'PUT', `/api/channels/${channel.id}`, { token: fan.token, body: update });
  assert.is(byFan.status, 403);
  const byOwner = await request<ChannelView>(server.url, 'PUT', `/api/channels/${channel.id}`, {
    token: owner.token,
    body: update,
  });
  assert.is(byOwner.status, 200);
  assert.equal(byOwner.body.ok && [byOwner.body.data.title, byOwner.body.data.description], [
    'Owner live',
    'Daily at noon',
  ]);
  assert.is((await request(server.url, 'PUT', '/api/channels/nope', { token: owner.token, body: update })).status, 404);

  const listed = await request<ChannelSummary[]>(server.url, 'GET', `/api/users/${owner.user.userId}/channels`);
  assert.equal(listed.body.ok && listed.body.data.map((summary) => summary.slug), ['owner-live']);
});

test('follow and unfollow are idempotent and counted; the GET shows the live session', async () => {
  const created = await createChannel(owner, { slug: 'owner-second', title: 'Second', description: 'More' });
  assert.ok(created.body.ok);
  const id = created.body.data.id;
  const follow = () => request<FollowState>(server.url, 'POST', `/api/channels/${id}/follow`, { token: fan.token });
  assert.equal((await follow()).body, { ok: true, data: { channelId: id, following: true, followerCount: 1 } });
  assert.equal((await follow()).body, { ok: true, data: { channelId: id, following: true, followerCount: 1 } });
  const seenByFan = await request<ChannelView>(server.url, 'GET', '/api/channels/owner-second', { token: fan.token });
  assert.equal(seenByFan.body.ok && [seenByFan.body.data.following, seenByFan.body.data.followerCount], [true, 1]);

  // The owner goes live: the channel shows the session.
  const session = await createSession(server.url, owner.token, 'Going live');
  const scheduled = await request<ChannelView>(server.url, 'GET', '/api/channels/owner-second');
  assert.equal(scheduled.body.ok && scheduled.body.data.live, [], 'scheduled is not live yet');
  assert.is((await api(server.url, 'POST', `/api/multihost/${session.id}/start`, owner.token)).status, 200);
  const live = await request<ChannelView>(server.url, 'GET', '/api/channels/owner-second');
  assert.equal(live.body.ok && live.body.data.live.map((state) => [state.id, state.status]), [[session.id, 'live']]);

  // Once it ends, the channel lists its recording instead.
  await new Promise((resolve) => setTimeout(resolve, 2500));
  assert.is((await api(server.url, 'POST', `/api/multihost/${session.id}/end`, owner.token)).status, 200);
  let recordings: ChannelView['recordings'] = [];
  const deadline = Date.now() + 20_000;
  while (recordings[0]?.status !== 'archived' && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    const ended = await request<ChannelView>(server.url, 'GET', '/api/channels/owner-second');
    recordings = ended.body.ok ? ended.body.data.recordings : [];
  }
  assert.equal(
    recordings.map((recording) => [recording.sessionId, recording.sessionTitle, recording.status]),
    [[session.id, 'Going live', 'archived']],
  );
  assert.ok(recordings[0]!.durationS > 0, `recorded ${recordings[0]!.durationS} s`);

  const unfollow = () => request<FollowState>(server.url, 'DELETE', `/api/channels/${id}/follow`, { token: fan.token });
  assert.equal((await unfollow()).body, { ok: true, data: { channelId: id, following: false, followerCount: 0 } });
  assert.equal((await unfollow()).body, { ok: true, data: { channelId: id, following: false, followerCount: 0 } });

  const own = await request(server.url, 'POST', `/api/channels/${id}/follow`, { token: owner.token });
  assert.is(codeOf(own), 'INVALID_INPUT');
  assert.is((await request(server.url, 'POST', '/api/channels/nope/follow', { token: fan.token })).status, 404);
  assert.is((await request(server.url, 'POST', `/api/channels/${id}/follow`)).status, 401);
});

test("every /api/channels/:ref route takes the id or the slug; an account's session shows live on its channel", async () => {
  const host = await registerAccount(server.url, { displayName: 'Either' });
  const created = await createChannel(host, { slug: 'either-way', title: 'Either way' });
  assert.ok(created.body.ok);
  const { id } = created.body.data;

  const byId = await request<ChannelView>(server.url, 'GET', `/api/channels/${id}`);
  assert.is(byId.status, 200, 'GET by id');
  assert.is(byId.body.ok && byId.body.data.slug, 'either-way');
  const follow = await request<FollowState>(server.url, 'POST', '/api/channels/either-way/follow', {
    token: fan.token,
  });
  assert.equal(follow.body, { ok: true, data: { channelId: id, following: true, followerCount: 1 } }, 'follow by slug');
  const unfollow = await request<FollowState>(server.url, 'DELETE', '/api/channels/Either-Way/follow', {
    token: fan.token,
  });
  assert.equal(unfollow.body, { ok: true, data: { channelId: id, following: false, followerCount: 0 } });
  const edited = await request<ChannelView>(server.url, 'PUT', '/api/channels/either-way', {
    token: host.token,
    body: { title: 'Both ways' },
  });
  assert.is(edited.body.ok && edited.body.data.title, 'Both ways', 'edit by slug');
  const byFan = await request(server.url, 'PUT', '/api/channels/either-way', {
    token: fan.token,
    body: { title: 'x' },
  });
  assert.is(byFan.status, 403, 'still the owner only');
  // A slug may never be read as an id.
  const idShaped = await createChannel(host, { slug: 'c' + 'a1'.repeat(12), title: 'Looks like an id' });
  assert.is(idShaped.status, 400);

  // A session created with the account's token is the account's: its channel shows it live.
  const session = await createSession(server.url, host.token, 'On my channel');
  assert.is(session.primaryHostId, host.user.userId);
  assert.is((await api(server.url, 'POST', `/api/multihost/${session.id}/start`, host.token)).status, 200);
  const live = await request<ChannelView>(server.url, 'GET', `/api/channels/${id}`);
  assert.equal(live.body.ok && live.body.data.live.map((state) => [state.id, state.status]), [[session.id, 'live']]);
  assert.is((await api(server.url, 'POST', `/api/multihost/${session.id}/end`, host.token)).status, 200);
});

test('accounts only; bad input is 400; unknown slugs 404; at most 5 channels', async () => {
  const guest = await signInGuest(server.url, 'Guest');
  const byGuest = await api(server.url, 'POST', '/api/channels', guest.token, { slug: 'guest-tv', title: 'Guest' });
  assert.is(byGuest.status, 403);
  assert.is(
    (await api(server.url, 'POST', '/api/channels/x/follow', guest.token)).status,
    403,
    'following needs an account',
  );
  assert.is((await request(server.url, 'POST', '/api/channels', { body: { slug: 'anon', title: 'x' } })).status, 401);
  for (const body of [
    { slug: 'ab', title: 'Too short' },
    { slug: '-dash', title: 'Leading dash' },
    { slug: 'has space', title: 'Space' },
    { slug: 'admin', title: 'Reserved' },
    { slug: 'fine-slug', title: '' },
    { slug: 'fine-slug', title: 'x', extra: true },
    { slug: 'fine-slug' },
  ]) {
    assert.is((await createChannel(fan, body)).status, 400, JSON.stringify(body));
  }
  const created = await createChannel(fan, { slug: 'fan-cam', title: 'Fan cam' });
  assert.ok(created.body.ok);
  const empty = await request(server.url, 'PUT', `/api/channels/${created.body.data.id}`, {
    token: fan.token,
    body: {},
  });
  assert.is(empty.status, 400);
  const slugChange = await request(server.url, 'PUT', `/api/channels/${created.body.data.id}`, {
    token: fan.token,
    body: { slug: 'new-slug' },
  });
  assert.is(slugChange.status, 400, 'slugs are permanent');
  assert.is((await request(server.url, 'GET', '/api/channels/no-such-channel')).status, 404);
  assert.is((await request(server.url, 'GET', '/api/channels/%20')).status, 404);

  for (let i = 2; i <= 5; i++)
    assert.is((await createChannel(fan, { slug: `fan-cam-${i}`, title: 'More' })).status, 201);
  assert.is(codeOf(await createChannel(fan, { slug: 'fan-cam-6', title: 'One too many' })), 'CONFLICT');
});

test('the channels an account follows, newest follow first; accounts only', async () => {
  const reader = await registerAccount(server.url, { displayName: 'Reader' });
  const [first, second] = await Promise.all([
    registerAccount(server.url, { displayName: 'First' }),
    registerAccount(server.url, { displayName: 'Second' }),
  ]);
  assert.ok((await createChannel(first, { slug: 'first-one', title: 'First one' })).body.ok);
  assert.ok((await createChannel(second, { slug: 'second-one', title: 'Second one' })).body.ok);
  const following = async () => request<ChannelSummary[]>(server.url, 'GET', '/api/following', { token: reader.token });
  assert.equal((await following()).body, { ok: true, data: [] });
  for (const slug of ['first-one', 'second-one']) {
    assert.ok((await request(server.url, 'POST', `/api/channels/${slug}/follow`, { token: reader.token })).body.ok);
    await new Promise((resolve) => setTimeout(resolve, 5)); // distinct follow times
  }
  const listed = await following();
  assert.ok(listed.body.ok);
  assert.equal(
    listed.body.data.map((channel) => [channel.slug, channel.owner.userId]),
    [
      ['second-one', second.user.userId],
      ['first-one', first.user.userId],
    ],
  );
  const guest = await signInGuest(server.url, 'Guest');
  assert.is((await api(server.url, 'GET', '/api/following', guest.token)).status, 403);
  assert.is((await api(server.url, 'GET', '/api/following')).status, 401);
});

test.run();
