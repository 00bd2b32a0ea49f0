// The co-host session flow against a real node (real mediasoup worker) over
// HTTP and socket.io-client: roles and permissions, join → produce →
// consume → toggle → leave, the 9-host limit, bad input, and no leaks.
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  DEFAULT_THEME,
  NO_PICTURES,
  type JoinRequestState,
  type OnScreenState,
  type SavedBannerView,
  type SessionPlan,
  type SessionState,
  type UpcomingSession,
} from '../protocol/index.ts';
import { TINY_PNG } from '../../testkit/tinyPng.ts';
import { registerAccount } from '../../testkit/accountClient.ts';
import {
  fakeAudioRtpParameters,
  fakeDtlsParameters,
  fakeSimulcastVideoRtpParameters,
} from '../../testkit/fakeMediaParameters.ts';
import { api, connectClient, signInGuest, type Guest, type TestClient } from '../../testkit/signalingClient.ts';
import { addCoHost as addCoHostOver, createSession as createSessionOver, errorCode } from '../../testkit/sessions.ts';
import { startTestServer, type TestServer } from '../../testkit/testServer.ts';
import { tokenKeys } from '../auth/tokenKeys.ts';
import { signInvitation } from './invitationLinks.ts';

let server: TestServer;
const clients: TestClient[] = [];

test.before(async () => {
  server = await startTestServer({ PRIMARY_HOST_GRACE_S: '1', JOIN_REQUEST_TTL_S: '3' });
});
test.after(async () => {
  for (const client of clients) client.close();
  await server.close();
});

async function connect(guest?: Guest): Promise<TestClient> {
  const client = await connectClient(server.url, guest?.token);
  clients.push(client);
  return client;
}

const createSession = (primary: Guest, title = 'Morning show') => createSessionOver(server.url, primary.token, title);
const addCoHost = (primary: Guest, guest: Guest, sessionId: string) =>
  addCoHostOver(server.url, primary.token, guest, sessionId);

/** Connects a host's socket and joins the session's media room. */
async function joinAsHost(guest: Guest, sessionId: string) {
  const client = await connect(guest);
  const rtpCapabilities = await client.call('webrtc:router-capabilities', { sessionId });
  const joined = await client.call('multihost:join', { sessionId, rtpCapabilities });
  return { client, joined };
}

async function publish(client: TestClient) {
  const send = await client.call('webrtc:create-transport', { direction: 'send' });
  await client.call('webrtc:connect-transport', { transportId: send.id, dtlsParameters: fakeDtlsParameters });
  const audio = await client.call('webrtc:produce', {
    transportId: send.id,
    kind: 'audio',
    rtpParameters: fakeAudioRtpParameters(),
    source: 'microphone',
  });
  const video = await client.call('webrtc:produce', {
    transportId: send.id,
    kind: 'video',
    rtpParameters: fakeSimulcastVideoRtpParameters(),
    source: 'camera',
  });
  return { transportId: send.id, audioId: audio.producerId, videoId: video.producerId };
}

test('hosts join, publish, consume, toggle and leave; the primary leaving ends the session', async () => {
  const [alice, bob, carol] = await Promise.all(['Alice', 'Bob', 'Carol'].map((name) => signInGuest(server.url, name)));
  const session = await createSession(alice!);
  assert.is(session.status, 'scheduled');
  assert.is(session.primaryHostId, alice!.userId);

  // Bob is invited (and hears of it over his socket) and accepts.
  const bobSocket = await connect(bob);
  const invited = bobSocket.next('multihost:invited');
  const invite = await api(server.url, 'POST', `/api/multihost/${session.id}/invite`, alice!.token, {
    userId: bob!.userId,
  });
  assert.is(invite.status, 200);
  assert.is((await invited).sessionId, session.id);
  assert.is((await api(server.url, 'POST', `/api/multihost/${session.id}/accept`, bob!.token)).status, 200);

  // Carol asks to join; Alice is told and approves.
  const aliceSocket = await connect(alice);
  const requested = aliceSocket.next('multihost:join-requested');
  assert.is((await api(server.url, 'POST', `/api/multihost/${session.id}/request`, carol!.token)).status, 202);
  assert.is((await requested).userId, carol!.userId);
  const pending = await api<{ joinRequests?: unknown[] }>(
    server.url,
    'GET',
    `/api/multihost/${session.id}`,
    alice!.token,
  );
  assert.is(pending.body.ok && pending.body.data.joinRequests?.length, 1);
  const approve = await api(server.url, 'POST', `/api/multihost/${session.id}/approve`, alice!.token, {
    userId: carol!.userId,
  });
  assert.is(approve.status, 200);

  // Reading the router's capabilities opens no media room; joining does.
  const routersBefore = server.pool.counts.routers;
  await aliceSocket.call('webrtc:router-capabilities', { sessionId: session.id });
  assert.is(server.pool.counts.routers, routersBefore, 'a read opened a router');

  // Alice joins and publishes; Bob joins late and gets her tracks in his join state.
  const a = await joinAsHost(alice!, session.id);
  assert.is(server.pool.counts.routers, routersBefore + 1);
  assert.is(a.joined.you.role, 'primary');
  assert.is(a.joined.primaryHostGraceS, 1, 'the join says how long a dropped primary host has');
  const aliceTracks = await publish(a.client);
  const b = await joinAsHost(bob!, session.id);
  assert.is(b.joined.you.role, 'co-host');
  const aliceState = b.joined.session.hosts.find((host) => host.userId === alice!.userId)!;
  assert.equal(aliceState.tracks.map((track) => track.source).sort(), ['camera', 'microphone']);
  assert.ok(aliceState.connected);

  // Carol joins; Bob hears of her tracks as she publishes.
  const c = await joinAsHost(carol!, session.id);
  const bobSeesCarolVideo = b.client.next(
    'webrtc:new-producer',
    (e) => e.userId === carol!.userId && e.track.kind === 'video',
  );
  await publish(c.client);
  const carolVideo = (await bobSeesCarolVideo).track;

  // Bob consumes Alice's video and Carol's video: paused until resumed.
  const recv = await b.client.call('webrtc:create-transport', { direction: 'recv' });
  await b.client.call('webrtc:connect-transport', { transportId: recv.id, dtlsParameters: fakeDtlsParameters });
  const aliceVideo = await b.client.call('webrtc:consume', { producerId: aliceTracks.videoId });
  assert.is(aliceVideo.userId, alice!.userId);
  assert.is(aliceVideo.source, 'camera');
  assert.is(aliceVideo.rtpParameters.encodings?.length, 1, 'a simulcast consumer has one encoding');
  const carolConsumer = await b.client.call('webrtc:consume', { producerId: carolVideo.producerId });
  assert.is((await b.client.request('webrtc:resume-consumer', { consumerId: aliceVideo.id })).ok, true);
  assert.is(server.pool.counts.consumers, 2);

  // Adaptive quality: a hidden tile pauses the consumer; a small tile gets the lowest layer.
  const hidden = b.client.next('webrtc:quality-adapted', (e) => e.consumerId === aliceVideo.id && e.paused);
  await b.client.call('webrtc:adapt-quality', {
    consumers: [{ consumerId: aliceVideo.id, visible: false, height: 0, main: false }],
  });
  assert.is((await hidden).spatialLayer, null);
  const thumbnail = b.client.next('webrtc:quality-adapted', (e) => e.consumerId === aliceVideo.id && !e.paused);
  await b.client.call('webrtc:adapt-quality', {
    consumers: [{ consumerId: aliceVideo.id, visible: true, height: 180, main: false }],
  });
  assert.is((await thumbnail).spatialLayer, 0);

  // Bob stops showing Carol's video (it would come through a mesh link instead): the server closes its
  // consumer (twice is fine), and consuming it again makes a new one.
  await b.client.call('webrtc:close-consumer', { consumerId: carolConsumer.id });
  assert.is((await b.client.request('webrtc:close-consumer', { consumerId: carolConsumer.id })).ok, true);
  assert.is(server.pool.counts.consumers, 1);
  const carolAgain = await b.client.call('webrtc:consume', { producerId: carolVideo.producerId });
  assert.is.not(carolAgain.id, carolConsumer.id);
  assert.is(server.pool.counts.consumers, 2);

  // Alice turns her camera off: everyone is told, and the state says so.
  const bobToggle = b.client.next('webrtc:track-toggled');
  const carolToggle = c.client.next('webrtc:track-toggled');
  await a.client.call('webrtc:toggle-track', { source: 'camera', enabled: false });
  for (const event of [await bobToggle, await carolToggle]) {
    assert.equal(event, { sessionId: session.id, userId: alice!.userId, source: 'camera', enabled: false });
  }
  const afterToggle = await api<SessionState>(server.url, 'GET', `/api/multihost/${session.id}`);
  const camera = afterToggle.body.ok && afterToggle.body.data.hosts[0]!.tracks.find((t) => t.source === 'camera');
  assert.is(camera && camera.paused, true);

  // Carol leaves: Bob hears it and his consumer of her video is closed.
  const bobHearsLeft = b.client.next('multihost:left', (e) => e.userId === carol!.userId);
  const bobConsumerClosed = b.client.next('webrtc:consumer-closed', (e) => e.consumerId === carolAgain.id);
  await c.client.call('multihost:leave', {});
  assert.is((await bobHearsLeft).reason, 'left');
  await bobConsumerClosed;

  // The primary host leaving ends the session for everyone and frees all media.
  const bobHearsEnd = b.client.next('multihost:ended');
  await a.client.call('multihost:leave', {});
  assert.is((await bobHearsEnd).reason, 'primary-host-left');
  const ended = await api(server.url, 'GET', `/api/multihost/${session.id}`);
  assert.is(ended.status, 404);
  const [worker] = server.pool.workers;
  assert.equal((await worker!.worker.dump()).routerIds, []);
  assert.equal(
    { ...server.pool.counts, workers: 1 },
    { workers: 1, routers: 0, transports: 0, producers: 0, consumers: 0 },
  );
});

test('only the primary host manages the session; co-hosts control their own tracks', async () => {
  const [alice, bob, eve] = await Promise.all(['Alice', 'Bob', 'Eve'].map((name) => signInGuest(server.url, name)));
  const session = await createSession(alice!);
  await addCoHost(alice!, bob!, session.id);
  const a = await joinAsHost(alice!, session.id);
  const b = await joinAsHost(bob!, session.id);

  // A co-host cannot change the layout, kick, invite, approve, go live or end.
  assert.is(errorCode(await b.client.request('multihost:change-layout', { layout: 'spotlight' })), 'NOT_ALLOWED');
  assert.is(errorCode(await b.client.request('multihost:kick', { userId: alice!.userId })), 'NOT_ALLOWED');
  for (const [method, path, body] of [
    ['PUT', 'layout', { layout: 'spotlight' }],
    ['POST', 'invite', { userId: eve!.userId }],
    ['POST', 'start', undefined],
    ['POST', 'end', undefined],
    ['PUT', 'settings', { title: 'Mine now' }],
  ] as const) {
    const response = await api(server.url, method, `/api/multihost/${session.id}/${path}`, bob!.token, body);
    assert.is(response.status, 403, `${method} ${path}`);
  }
  // No token at all: 401. Someone who is not a host cannot join the media room.
  assert.is((await api(server.url, 'POST', `/api/multihost/${session.id}/start`)).status, 401);
  const stranger = await connect(eve);
  assert.is(errorCode(await stranger.request('webrtc:router-capabilities', { sessionId: session.id })), 'NOT_ALLOWED');
  const anonymous = await connect();
  assert.is(
    errorCode(await anonymous.request('webrtc:router-capabilities', { sessionId: session.id })),
    'UNAUTHENTICATED',
  );

  // The primary changes the layout: everyone in the room hears it.
  const bobHearsLayout = b.client.next('multihost:layout-changed');
  const layout = await a.client.call('multihost:change-layout', { layout: 'spotlight', pinnedUserId: bob!.userId });
  assert.equal(layout, { kind: 'spotlight', pinnedUserId: bob!.userId });
  assert.equal((await bobHearsLayout).layout, layout);

  // Going live is the primary's call, once.
  assert.is((await api(server.url, 'POST', `/api/multihost/${session.id}/start`, alice!.token)).status, 200);
  assert.is((await api(server.url, 'POST', `/api/multihost/${session.id}/start`, alice!.token)).status, 409);
  const live = await api<SessionState[]>(server.url, 'GET', '/api/multihost/active/list');
  assert.ok(live.body.ok && live.body.data.some((s) => s.id === session.id));

  // The primary removes Bob: he is told and his media is gone.
  const bobRemoved = b.client.next('multihost:left', (e) => e.userId === bob!.userId);
  const removed = await api(server.url, 'DELETE', `/api/multihost/${session.id}/hosts/${bob!.userId}`, alice!.token);
  assert.is(removed.status, 200);
  assert.is((await bobRemoved).reason, 'removed');
  assert.is(errorCode(await b.client.request('webrtc:create-transport', { direction: 'send' })), 'CONFLICT');
  assert.is(errorCode(await b.client.request('webrtc:router-capabilities', { sessionId: session.id })), 'NOT_ALLOWED');

  assert.is((await api(server.url, 'POST', `/api/multihost/${session.id}/end`, alice!.token)).status, 200);
  const history = await api<{ past: { id: string; status: string }[] }>(
    server.url,
    'GET',
    `/api/multihost/user/${alice!.userId}`,
  );
  const record = history.body.ok && history.body.data.past.find((row) => row.id === session.id);
  assert.is(record && record.status, 'ended');
});

test('backstage and the stage: co-hosts join off air, the primary puts them on air and stops their microphone, only they turn it back on', async () => {
  const [alice, bob, carol] = await Promise.all(['Alice', 'Bob', 'Carol'].map((name) => signInGuest(server.url, name)));
  const session = await createSessionOver(server.url, alice!.token, 'Backstage show', { backstage: true });
  assert.ok(session.settings.backstage);
  await addCoHost(alice!, bob!, session.id);
  const a = await joinAsHost(alice!, session.id);
  const b = await joinAsHost(bob!, session.id);
  const hostIn = (state: SessionState, userId: string) => state.hosts.find((host) => host.userId === userId)!;
  assert.is(hostIn(b.joined.session, bob!.userId).onAir, false, 'bob joins backstage');
  assert.is(hostIn(b.joined.session, alice!.userId).onAir, true, 'the primary host is on air');
  await publish(b.client);

  // Bob may not move anyone or stop anyone's media until allowed.
  assert.is(
    errorCode(await b.client.request('multihost:set-on-air', { userId: bob!.userId, onAir: true })),
    'NOT_ALLOWED',
  );
  assert.is(
    errorCode(await b.client.request('multihost:stop-host-media', { userId: alice!.userId, source: 'microphone' })),
    'NOT_ALLOWED',
  );
  // Bad input: a source that is not a microphone or camera, permissions with more than there are.
  assert.is(
    errorCode(await a.client.request('multihost:stop-host-media', { userId: bob!.userId, source: 'screen' as never })),
    'INVALID_INPUT',
  );
  assert.is(
    errorCode(
      await a.client.request('multihost:set-permissions', {
        userId: bob!.userId,
        permissions: { layout: true, stage: true, everything: true },
      } as never),
    ),
    'INVALID_INPUT',
  );
  // A host of another session is not this session's to touch.
  const other = await createSessionOver(server.url, carol!.token, 'Elsewhere');
  const c = await joinAsHost(carol!, other.id);
  assert.is(
    errorCode(await a.client.request('multihost:stop-host-media', { userId: carol!.userId, source: 'microphone' })),
    'NOT_FOUND',
  );
  assert.is(
    errorCode(await a.client.request('multihost:set-on-air', { userId: carol!.userId, onAir: true })),
    'NOT_FOUND',
  );

  const bobOnAir = b.client.next('multihost:host-updated', (event) => event.host.userId === bob!.userId);
  assert.is((await a.client.call('multihost:set-on-air', { userId: bob!.userId, onAir: true })).onAir, true);
  assert.is((await bobOnAir).host.onAir, true, 'every host hears it');

  const stopped = b.client.next('multihost:media-stopped');
  const toggled = a.client.next('webrtc:track-toggled', (event) => event.userId === bob!.userId);
  await a.client.call('multihost:stop-host-media', { userId: bob!.userId, source: 'microphone' });
  assert.equal((await stopped).by, { userId: alice!.userId, displayName: 'Alice' }, 'bob is told who');
  assert.is((await toggled).enabled, false);
  const afterStop = await api<SessionState>(server.url, 'GET', `/api/multihost/${session.id}`);
  assert.ok(afterStop.body.ok);
  const bobsMic = afterStop.body.ok
    ? hostIn(afterStop.body.data, bob!.userId).tracks.find((track) => track.source === 'microphone')
    : undefined;
  assert.is(bobsMic?.paused, true, 'paused on the router');
  // Nobody but Bob turns it back on: there is no request for another host's media but "stop".
  await b.client.call('webrtc:toggle-track', { source: 'microphone', enabled: true });

  // Words on screen: the stage's; control characters and overlong text refused; what is kept is drawable.
  assert.is(errorCode(await b.client.request('multihost:set-on-screen', { banner: 'Mine' })), 'NOT_ALLOWED');
  assert.is(errorCode(await a.client.request('multihost:set-on-screen', { banner: 'Line\nbreak' })), 'INVALID_INPUT');
  assert.is(errorCode(await a.client.request('multihost:set-on-screen', { ticker: 'x'.repeat(401) })), 'INVALID_INPUT');
  assert.is(errorCode(await a.client.request('multihost:set-on-screen', { banner: '%{}' })), 'INVALID_INPUT');
  assert.is(errorCode(await a.client.request('multihost:set-on-screen', {})), 'INVALID_INPUT');
  const bobSeesBanner = b.client.next('multihost:on-screen');
  const shown = await a.client.call('multihost:set-on-screen', { banner: "Ada's show: 100% live!" });
  assert.equal(shown, {
    banner: 'Adas show 100 live!',
    ticker: null,
    comment: null,
    theme: DEFAULT_THEME,
    pictures: NO_PICTURES,
  });
  assert.equal((await bobSeesBanner).onScreen, shown);

  // The show's colours: #rrggbb only, known names only; one changed, the others kept; everyone hears it.
  for (const theme of [{ background: 'red' }, { background: '#12345' }, { sparkle: '#ffffff' }, {}]) {
    assert.is(errorCode(await a.client.request('multihost:set-on-screen', { theme })), 'INVALID_INPUT');
  }
  const bobSeesColours = b.client.next('multihost:on-screen');
  const coloured = await a.client.call('multihost:set-on-screen', { theme: { background: '#2E7D32' } });
  assert.equal(coloured.theme, { ...DEFAULT_THEME, background: '#2e7d32' });
  assert.is(coloured.banner, shown.banner, 'the words stay');
  assert.equal((await bobSeesColours).onScreen.theme, coloured.theme);

  // A viewer's chat message on screen, with the name the chat knows; only the stage may; emoji alone cannot be drawn.
  const viewer = await connect(carol);
  await viewer.call('chat:join', { sessionId: session.id });
  const said = await viewer.call('chat:send', { sessionId: session.id, text: 'Great show, Ada!' });
  const emoji = await viewer.call('chat:send', { sessionId: session.id, text: '🎉🎉' });
  assert.is(errorCode(await b.client.request('chat:show-on-screen', { messageId: said.id })), 'NOT_ALLOWED');
  assert.is(errorCode(await a.client.request('chat:show-on-screen', { messageId: emoji.id })), 'INVALID_INPUT');
  const withComment = await a.client.call('chat:show-on-screen', { messageId: said.id });
  assert.equal(withComment.comment, { author: 'Carol', text: 'Great show, Ada!' });
  assert.equal((await a.client.call('multihost:set-on-screen', { comment: null })).comment, null);

  // Bob given the stage may move co-hosts (himself here), not the primary host, nor the layout.
  await a.client.call('multihost:set-permissions', {
    userId: bob!.userId,
    permissions: { layout: false, stage: true },
  });
  assert.is((await b.client.call('multihost:set-on-air', { userId: bob!.userId, onAir: false })).onAir, false);
  assert.is(
    errorCode(await b.client.request('multihost:set-on-air', { userId: alice!.userId, onAir: false })),
    'NOT_ALLOWED',
    "the primary host's place is theirs",
  );
  assert.is(
    errorCode(await b.client.request('multihost:stop-host-media', { userId: alice!.userId, source: 'camera' })),
    'NOT_ALLOWED',
  );
  assert.is(errorCode(await b.client.request('multihost:change-layout', { layout: 'spotlight' })), 'NOT_ALLOWED');
  c.client.close();
  await api(server.url, 'POST', `/api/multihost/${other.id}/end`, carol!.token);
  await api(server.url, 'POST', `/api/multihost/${session.id}/end`, alice!.token);
});

test('invitation links: the holder joins without approval; expired, tampered, foreign and misused links are refused in words', async () => {
  const [primary, grace, linus, mallory] = await Promise.all(
    ['Ada', 'Grace', 'Linus', 'Mallory'].map((name) => signInGuest(server.url, name)),
  );
  const session = await createSession(primary!, 'Invited panel');
  const other = await createSession(mallory!, 'Another panel');
  const invite = (token: string, body: unknown = {}, id = session.id) =>
    api<{ invitation: string; expiresAt: string }>(server.url, 'POST', `/api/multihost/${id}/invitations`, token, body);
  const joinBy = (guest: Guest, invitation: string, id = session.id) =>
    api<SessionState>(server.url, 'POST', `/api/multihost/${id}/join-by-invitation`, guest.token, { invitation });

  // Only the primary host invites; lifetimes are an hour, a day or a week.
  assert.is(errorCode((await invite(mallory!.token)).body), 'NOT_ALLOWED');
  assert.is((await invite(primary!.token, { ttlS: 60 })).status, 400);
  const made = await invite(primary!.token, { ttlS: 3600 });
  assert.is(made.status, 201);
  assert.ok(made.body.ok);
  const { invitation, expiresAt } = made.body.data;
  assert.ok(Math.abs(Date.parse(expiresAt) - Date.now() - 3600_000) < 5000);

  // Grace's request to join is pending; the link lets her in at once and closes it. Ada hears both.
  await api(server.url, 'POST', `/api/multihost/${session.id}/request`, grace!.token);
  const primarySocket = await joinAsHost(primary!, session.id);
  const updated = primarySocket.client.next('multihost:host-updated');
  const closed = primarySocket.client.next('multihost:join-request-closed');
  const joined = await joinBy(grace!, invitation);
  assert.is(joined.status, 200);
  assert.ok(joined.body.ok && joined.body.data.hosts.some((host) => host.userId === grace!.userId));
  assert.is((await updated).host.userId, grace!.userId);
  assert.equal(await closed, { sessionId: session.id, userId: grace!.userId, outcome: 'approved' });
  // The same link again (a reload) changes nothing; the link is for a group: Linus uses it too.
  assert.is((await joinBy(grace!, invitation)).status, 200);
  assert.is((await joinBy(linus!, invitation)).status, 200);
  const graceMedia = await joinAsHost(grace!, session.id);
  assert.is(graceMedia.joined.you.role, 'co-host');

  // Refused, with words, changing nothing.
  const keys = tokenKeys(fs.readFileSync(path.join(server.dataDir, 'token-secret'), 'utf8').trim());
  const expired = await signInvitation(
    keys,
    { sessionId: session.id, invitedBy: primary!.userId, ttlS: 3600 },
    Date.now() - 2 * 3600_000,
  );
  const tampered = `${invitation.slice(0, -3)}${invitation.slice(-3) === 'AAA' ? 'BBB' : 'AAA'}`;
  const forOther = await invite(mallory!.token, {}, other.id);
  assert.ok(forOther.body.ok);
  const cases: [string, string, RegExp][] = [
    ['expired', expired.invitation, /has expired/],
    ['tampered', tampered, /not valid/],
    ['for another session', forOther.body.data.invitation, /not valid/],
    ['an identity token', mallory!.token, /not valid/],
    ['garbage', 'not-a-token', /not valid/],
  ];
  for (const [what, token, message] of cases) {
    const refused = await joinBy(mallory!, token);
    assert.is(refused.status, 403, what);
    assert.match(refused.body.ok ? '' : refused.body.error.message, message, what);
  }
  // An invitation is no identity.
  assert.is((await api(server.url, 'POST', '/api/multihost', invitation, { title: 'x' })).status, 401);
  const state = await api<SessionState>(server.url, 'GET', `/api/multihost/${session.id}`);
  assert.ok(state.body.ok);
  assert.equal(
    state.body.data.hosts.map((host) => host.displayName),
    ['Ada', 'Grace', 'Linus'],
    'Mallory was let in by nothing',
  );
  graceMedia.client.close();
  primarySocket.client.close();
});

test('at most 9 hosts: the 10th gets ROOM_FULL', async () => {
  const guests = await Promise.all(Array.from({ length: 11 }, (_, i) => signInGuest(server.url, `Host ${i + 1}`)));
  const [primary, ...others] = guests as [Guest, ...Guest[]];
  const session = await createSession(primary, 'Full house');
  for (const guest of others.slice(0, 8)) await addCoHost(primary, guest, session.id);
  const tenth = others[8]!;
  const invite = await api(server.url, 'POST', `/api/multihost/${session.id}/invite`, primary.token, {
    userId: tenth.userId,
  });
  assert.is(invite.status, 409);
  assert.is(!invite.body.ok && invite.body.error.code, 'ROOM_FULL');
  const request = await api(server.url, 'POST', `/api/multihost/${session.id}/request`, others[9]!.token);
  assert.is(!request.body.ok && request.body.error.code, 'ROOM_FULL');
  const state = await api<SessionState>(server.url, 'GET', `/api/multihost/${session.id}`);
  assert.is(state.body.ok && state.body.data.hosts.length, 9);
  await api(server.url, 'POST', `/api/multihost/${session.id}/end`, primary.token);
});

test('bad input gets a typed error, creates nothing, and the server stays up', async () => {
  const [alice] = await Promise.all([signInGuest(server.url, 'Alice')]);
  const session = await createSession(alice!);
  const { client } = await joinAsHost(alice!, session.id);
  const before = { ...server.pool.counts };

  // Malformed HTTP bodies.
  const noTitle = await api(server.url, 'POST', '/api/multihost', alice!.token, { title: '' });
  assert.is(noTitle.status, 400);
  assert.is(!noTitle.body.ok && noTitle.body.error.code, 'INVALID_INPUT');
  assert.is((await api(server.url, 'POST', '/api/multihost', alice!.token, '{"title": ')).status, 400);
  assert.is((await api(server.url, 'POST', '/api/multihost', alice!.token, { title: 'x'.repeat(70_000) })).status, 400);
  assert.is(
    (await api(server.url, 'PUT', `/api/multihost/${session.id}/layout`, alice!.token, { layout: 'mosaic' })).status,
    400,
  );
  assert.is((await api(server.url, 'GET', '/api/multihost/nope')).status, 404);
  assert.is((await api(server.url, 'POST', '/api/multihost', 'forged.token.here', { title: 'x' })).status, 401);

  // Socket requests.
  assert.is(
    errorCode(await client.request('webrtc:create-transport', { direction: 'sideways' } as never)),
    'INVALID_INPUT',
  );
  const send = await client.call('webrtc:create-transport', { direction: 'send' });
  assert.is(errorCode(await client.request('webrtc:create-transport', { direction: 'send' })), 'CONFLICT');
  // Produce before connect.
  const early = await client.request('webrtc:produce', {
    transportId: send.id,
    kind: 'audio',
    rtpParameters: fakeAudioRtpParameters(),
    source: 'microphone',
  });
  assert.is(errorCode(early), 'CONFLICT');
  assert.is(
    errorCode(
      await client.request('webrtc:connect-transport', { transportId: 'nope', dtlsParameters: fakeDtlsParameters }),
    ),
    'NOT_FOUND',
  );
  assert.is(
    errorCode(
      await client.request('webrtc:connect-transport', { transportId: send.id, dtlsParameters: { fingerprints: [] } }),
    ),
    'INVALID_INPUT',
  );
  await client.call('webrtc:connect-transport', { transportId: send.id, dtlsParameters: fakeDtlsParameters });
  // Malformed rtpParameters: schema-invalid, then semantically invalid (unsupported codec).
  const noCodecs = { ...fakeAudioRtpParameters(), codecs: [] } as never;
  assert.is(
    errorCode(
      await client.request('webrtc:produce', {
        transportId: send.id,
        kind: 'audio',
        rtpParameters: noCodecs,
        source: 'microphone',
      }),
    ),
    'INVALID_INPUT',
  );
  const unknownCodec = {
    ...fakeAudioRtpParameters(),
    codecs: [{ mimeType: 'audio/FOO', payloadType: 100, clockRate: 8000 }],
  } as never;
  assert.is(
    errorCode(
      await client.request('webrtc:produce', {
        transportId: send.id,
        kind: 'audio',
        rtpParameters: unknownCodec,
        source: 'microphone',
      }),
    ),
    'INVALID_INPUT',
  );
  // Audio claimed as a camera.
  assert.is(
    errorCode(
      await client.request('webrtc:produce', {
        transportId: send.id,
        kind: 'audio',
        rtpParameters: fakeAudioRtpParameters(),
        source: 'camera',
      }),
    ),
    'INVALID_INPUT',
  );
  assert.is(errorCode(await client.request('webrtc:consume', { producerId: 'nope' })), 'CONFLICT'); // no recv transport yet
  assert.is(errorCode(await client.request('webrtc:resume-consumer', { consumerId: 'nope' })), 'NOT_FOUND');
  assert.is(errorCode(await client.request('webrtc:toggle-track', { source: 'camera', enabled: false })), 'NOT_FOUND');
  // Oversize payload.
  const huge = { ...fakeAudioRtpParameters(), rtcp: { cname: 'x'.repeat(40_000) } };
  assert.is(
    errorCode(
      await client.request('webrtc:produce', {
        transportId: send.id,
        kind: 'audio',
        rtpParameters: huge,
        source: 'microphone',
      }),
    ),
    'INVALID_INPUT',
  );
  // Nothing half-created: only the one send transport exists, no producers.
  assert.equal(server.pool.counts, { ...before, transports: before.transports + 1 });

  // The server is still fine.
  const info = await client.request('server:info', {});
  assert.is(info.ok, true);
  await api(server.url, 'POST', `/api/multihost/${session.id}/end`, alice!.token);
});

test('a primary host who drops is waited for, then the session ends', async () => {
  const [alice, bob] = await Promise.all([signInGuest(server.url, 'Alice'), signInGuest(server.url, 'Bob')]);
  const session = await createSession(alice!);
  await addCoHost(alice!, bob!, session.id);
  const a = await joinAsHost(alice!, session.id);
  const b = await joinAsHost(bob!, session.id);

  // A reload: the socket drops and comes back within the grace period.
  a.client.close();
  await b.client.next('multihost:left', (e) => e.userId === alice!.userId && e.reason === 'disconnected');
  await joinAsHost(alice!, session.id);
  await new Promise((resolve) => setTimeout(resolve, 1500));
  assert.is((await api(server.url, 'GET', `/api/multihost/${session.id}`)).status, 200, 'still running after a reload');

  // Gone for good: the session ends after the grace period (1 s here).
  const ended = b.client.next('multihost:ended', undefined, 5000);
  clients.at(-1)!.close();
  assert.is((await ended).reason, 'primary-host-left');
});

test('a worker that dies closes its rooms; hosts are told to rejoin and can', async () => {
  const [alice, bob] = await Promise.all([signInGuest(server.url, 'Alice'), signInGuest(server.url, 'Bob')]);
  const session = await createSession(alice!);
  await addCoHost(alice!, bob!, session.id);
  const a = await joinAsHost(alice!, session.id);
  const b = await joinAsHost(bob!, session.id);
  await publish(a.client);

  const rejoinA = a.client.next('multihost:rejoin');
  const rejoinB = b.client.next('multihost:rejoin');
  const [slot] = server.pool.workers;
  process.kill(slot!.worker.pid, 'SIGKILL');
  assert.is((await rejoinA).sessionId, session.id);
  await rejoinB;

  // Capabilities are the pool's (a read: no room is opened for them).
  const capabilities = await a.client.call('webrtc:router-capabilities', { sessionId: session.id });
  // The replacement worker takes a moment: joining opens the room on it, UNAVAILABLE until then (the studio retries).
  let rejoined;
  const refusals = new Set<string>();
  for (let attempt = 0; attempt < 50 && !rejoined; attempt++) {
    const response = await a.client.request('multihost:join', { sessionId: session.id, rtpCapabilities: capabilities });
    if (response.ok) rejoined = response.data;
    else {
      refusals.add(response.error.code);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  assert.ok(rejoined, 'joined again after the worker was replaced');
  assert.ok(
    [...refusals].every((code) => code === 'UNAVAILABLE'),
    [...refusals].join(),
  );
  assert.is(rejoined.session.status, 'scheduled');
  assert.equal(rejoined.session.hosts.find((host) => host.userId === alice!.userId)!.tracks, []);
  await publish(a.client);
  assert.is(server.pool.counts.producers, 2);
  await api(server.url, 'POST', `/api/multihost/${session.id}/end`, alice!.token);
  assert.is(server.pool.counts.routers, 0);
});

test('join requests: denied with a reason, withdrawn, expired, ended — each pushed live to the requester and the primary host', async () => {
  const [alice, dave, erin, frank] = await Promise.all(
    ['Alice', 'Dave', 'Erin', 'Frank'].map((name) => signInGuest(server.url, name)),
  );
  const session = await createSession(alice!, 'Requests');
  const path = `/api/multihost/${session.id}`;
  const aliceSocket = await connect(alice);
  const daveSocket = await connect(dave);
  const erinSocket = await connect(erin);
  const frankSocket = await connect(frank);
  const closed = (userId: string) =>
    aliceSocket.next(
      'multihost:join-request-closed',
      (event) => event.sessionId === session.id && event.userId === userId,
    );

  // Dave asks; he sees his own pending request (a reload keeps it), Alice sees it in her list.
  const asked = await api<JoinRequestState>(server.url, 'POST', `${path}/request`, dave!.token);
  assert.is(asked.status, 202);
  assert.ok(asked.body.ok);
  const expiresInMs = Date.parse(asked.body.data.expiresAt) - Date.parse(asked.body.data.requestedAt);
  assert.is(expiresInMs, 3000);
  const seenByDave = await api<{ yourRequest?: JoinRequestState }>(server.url, 'GET', path, dave!.token);
  assert.equal(seenByDave.body.ok && seenByDave.body.data.yourRequest, asked.body.data);

  // Only the primary host denies; the reason is trimmed and reaches Dave.
  assert.is((await api(server.url, 'POST', `${path}/deny`, dave!.token, { userId: dave!.userId })).status, 403);
  const tooLong = { userId: dave!.userId, reason: 'x'.repeat(201) };
  assert.is((await api(server.url, 'POST', `${path}/deny`, alice!.token, tooLong)).status, 400);
  const denied = daveSocket.next('multihost:request-denied');
  const deniedForAlice = closed(dave!.userId);
  const deny = { userId: dave!.userId, reason: '  Full panel today  ' };
  assert.is((await api(server.url, 'POST', `${path}/deny`, alice!.token, deny)).status, 200);
  assert.equal(await denied, { sessionId: session.id, reason: 'Full panel today' });
  assert.equal(await deniedForAlice, { sessionId: session.id, userId: dave!.userId, outcome: 'denied' });
  assert.is((await api(server.url, 'POST', `${path}/deny`, alice!.token, deny)).status, 404, 'answered once');
  assert.is(
    (await api(server.url, 'POST', `${path}/approve`, alice!.token, { userId: dave!.userId })).status,
    404,
    'a denied request cannot be approved',
  );
  const list = await api<{ joinRequests?: unknown[] }>(server.url, 'GET', path, alice!.token);
  assert.equal(list.body.ok && list.body.data.joinRequests, []);

  // A blank reason is no reason.
  await api(server.url, 'POST', `${path}/request`, dave!.token);
  const deniedAgain = daveSocket.next('multihost:request-denied');
  await api(server.url, 'POST', `${path}/deny`, alice!.token, { userId: dave!.userId, reason: '   ' });
  assert.is((await deniedAgain).reason, null);

  // Erin withdraws her request: her other tabs and Alice's list hear it.
  const requested = aliceSocket.next('multihost:join-requested', (event) => event.userId === erin!.userId);
  await api(server.url, 'POST', `${path}/request`, erin!.token);
  assert.is((await requested).displayName, 'Erin');
  const cancelled = erinSocket.next('multihost:request-cancelled');
  const cancelledForAlice = closed(erin!.userId);
  assert.is((await api(server.url, 'DELETE', `${path}/request`, erin!.token)).status, 200);
  assert.equal(await cancelled, { sessionId: session.id });
  assert.is((await cancelledForAlice).outcome, 'cancelled');
  assert.is((await api(server.url, 'DELETE', `${path}/request`, erin!.token)).status, 404);

  // Dave asks again and nobody answers: it expires (JOIN_REQUEST_TTL_S=3 here).
  const expired = daveSocket.next('multihost:request-expired', undefined, 8000);
  const expiredForAlice = aliceSocket.next(
    'multihost:join-request-closed',
    (event) => event.userId === dave!.userId && event.outcome === 'expired',
    8000,
  );
  await api(server.url, 'POST', `${path}/request`, dave!.token);
  assert.equal(await expired, { sessionId: session.id });
  await expiredForAlice;
  const afterExpiry = await api<{ yourRequest?: JoinRequestState }>(server.url, 'GET', path, dave!.token);
  assert.is(afterExpiry.body.ok && afterExpiry.body.data.yourRequest, undefined);

  // A session that ends tells whoever is still waiting.
  await api(server.url, 'POST', `${path}/request`, frank!.token);
  const ended = frankSocket.next('multihost:ended');
  assert.is((await api(server.url, 'POST', `${path}/end`, alice!.token)).status, 200);
  assert.equal(await ended, { sessionId: session.id, reason: 'ended-by-host' });
});

test('an account keeps banners to show again: filter-safe text, once each, at most 20, its own only; guests are told', async () => {
  const ada = await registerAccount(server.url, { displayName: 'Ada' });
  const grace = await registerAccount(server.url, { displayName: 'Grace' });
  const guest = await signInGuest(server.url, 'Guest');
  const save = (token: string, text: unknown) =>
    api<SavedBannerView>(server.url, 'POST', '/api/banners', token, { text });
  const first = await save(ada.token, 'Ada Lovelace: first programmer');
  assert.is(first.status, 201);
  assert.is(first.body.ok && first.body.data.text, 'Ada Lovelace first programmer', 'kept as the picture draws it');
  const again = await save(ada.token, 'Ada Lovelace first programmer');
  assert.is(again.body.ok && again.body.data.id, first.body.ok && first.body.data.id, 'the same words are kept once');
  assert.is(errorCode((await save(ada.token, 'bell\u0007')).body), 'INVALID_INPUT');
  assert.is(errorCode((await save(ada.token, 'x'.repeat(200))).body), 'INVALID_INPUT');
  assert.is(errorCode((await save(guest.token, 'A guest')).body), 'NOT_ALLOWED', 'guests have no account to keep them');
  for (let index = 1; index < 20; index++) assert.ok((await save(ada.token, `Banner ${index}`)).body.ok);
  assert.is(errorCode((await save(ada.token, 'One too many')).body), 'LIMIT_REACHED');
  const listed = await api<SavedBannerView[]>(server.url, 'GET', '/api/banners', ada.token);
  assert.is(listed.body.ok && listed.body.data.length, 20);
  assert.equal(
    await api<SavedBannerView[]>(server.url, 'GET', '/api/banners', grace.token).then((r) => r.body.ok && r.body.data),
    [],
  );
  const id = first.body.ok ? first.body.data.id : '';
  assert.is(
    errorCode((await api(server.url, 'DELETE', `/api/banners/${id}`, grace.token)).body),
    'NOT_FOUND',
    'not hers',
  );
  assert.is((await api(server.url, 'DELETE', `/api/banners/${id}`, ada.token)).status, 200);
  assert.ok((await save(ada.token, 'One too many')).body.ok, 'room again after a delete');
});

test('a cover picture: the primary host uploads, replaces and removes it; the coming-up list and the plan name it; anything else changes nothing', async () => {
  const [ada, bob] = await Promise.all([signInGuest(server.url, 'Ada'), signInGuest(server.url, 'Bob')]);
  const inAnHour = new Date(Date.now() + 3_600_000).toISOString();
  const session = await createSessionOver(server.url, ada.token, 'Covered show', { scheduledFor: inAnHour });
  await addCoHost(ada, bob, session.id);
  const watchers = await connect(bob);
  await watchers.call('multihost:join', {
    sessionId: session.id,
    rtpCapabilities: await watchers.call('webrtc:router-capabilities', { sessionId: session.id }),
  });
  const upload = (bytes: Buffer, type: string, token = ada.token) =>
    fetch(`${server.url}/api/multihost/${session.id}/cover`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': type },
      body: new Uint8Array(bytes),
    });
  const folder = path.join(server.dataDir, 'covers');
  const files = () => (fs.existsSync(folder) ? fs.readdirSync(folder) : []);
  const coverInList = async () => {
    const { body } = await api<UpcomingSession[]>(server.url, 'GET', '/api/multihost/upcoming');
    return body.ok ? body.data.find((upcoming) => upcoming.id === session.id)?.coverUrl : 'unreadable';
  };

  // Not a picture, a type it does not say, too large, a co-host's, no one's: refused, nothing kept.
  for (const [bytes, type, token, code] of [
    [Buffer.from('<svg onload="alert(1)"/>'), 'image/png', ada.token, 'INVALID_INPUT'],
    [TINY_PNG, 'text/html', ada.token, 'INVALID_INPUT'],
    [Buffer.concat([TINY_PNG, Buffer.alloc(2 * 1024 * 1024)]), 'image/png', ada.token, 'INVALID_INPUT'],
    [TINY_PNG, 'image/png', bob.token, 'NOT_ALLOWED'],
    [TINY_PNG, 'image/png', '', 'UNAUTHENTICATED'],
  ] as const) {
    const refused = await upload(bytes, type, token);
    const answer = (await refused.json()) as { ok: boolean; error?: { code: string } };
    assert.is(answer.error?.code, code, `${type} ${bytes.length} bytes`);
  }
  assert.equal(files(), [], 'no file from refused uploads');
  assert.is(await coverInList(), null);

  const pushed = watchers.next('multihost:settings');
  const first = await upload(TINY_PNG, 'image/png');
  const firstPlan = ((await first.json()) as { data: SessionPlan }).data;
  assert.match(firstPlan.coverUrl ?? '', /^\/api\/covers\/.+\.png$/);
  assert.is((await pushed).plan.coverUrl, firstPlan.coverUrl, 'every studio hears it');
  const served = await fetch(`${server.url}${firstPlan.coverUrl}`);
  assert.is(served.headers.get('content-type'), 'image/png');
  assert.ok(Buffer.from(await served.arrayBuffer()).equals(TINY_PNG));
  assert.is(await coverInList(), firstPlan.coverUrl, 'the coming-up list shows it');

  const second = ((await (await upload(TINY_PNG, 'image/png')).json()) as { data: SessionPlan }).data;
  assert.is.not(second.coverUrl, firstPlan.coverUrl);
  assert.is(files().length, 1, 'the replaced picture is deleted');
  assert.is((await fetch(`${server.url}${firstPlan.coverUrl}`)).status, 404);
  assert.is((await fetch(`${server.url}/api/covers/..%2Ftoken-secret`)).status, 404);

  const removed = await api<SessionPlan>(server.url, 'DELETE', `/api/multihost/${session.id}/cover`, ada.token);
  assert.is(removed.body.ok && removed.body.data.coverUrl, null);
  assert.equal(files(), [], 'the removed picture is deleted');
  const state = await api<SessionState>(server.url, 'GET', `/api/multihost/${session.id}`);
  assert.is(state.body.ok && state.body.data.plan.coverUrl, null);
});

test('a logo and a backdrop: a host with the stage uploads and removes them, every studio hears it; anything else changes nothing', async () => {
  const [ada, bob] = await Promise.all([signInGuest(server.url, 'Ada'), signInGuest(server.url, 'Bob')]);
  const session = await createSession(ada, 'Branded show');
  await addCoHost(ada, bob, session.id);
  const { client: primary } = await joinAsHost(ada, session.id);
  const { client: watchers } = await joinAsHost(bob, session.id);
  const upload = (picture: string, bytes: Buffer, token = ada.token) =>
    fetch(`${server.url}/api/multihost/${session.id}/on-screen/${picture}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'image/png' },
      body: new Uint8Array(bytes),
    });
  const folder = path.join(server.dataDir, 'on-screen-pictures');
  const files = () => (fs.existsSync(folder) ? fs.readdirSync(folder) : []);

  // Not a picture, no such place for one, a co-host without the stage, no one: refused, nothing kept.
  for (const [picture, bytes, token, code] of [
    ['logo', Buffer.from('GIF89a'), ada.token, 'INVALID_INPUT'],
    ['banner', TINY_PNG, ada.token, 'INVALID_INPUT'],
    ['logo', TINY_PNG, bob.token, 'NOT_ALLOWED'],
    ['backdrop', TINY_PNG, '', 'UNAUTHENTICATED'],
  ] as const) {
    const answer = (await (await upload(picture, bytes, token)).json()) as { error?: { code: string } };
    assert.is(answer.error?.code, code, `${picture} ${bytes.length} bytes`);
  }
  assert.equal(files(), [], 'no file from refused uploads');
  // The socket's on-screen request cannot point the picture at a file of its choosing.
  assert.is(
    errorCode(await watchers.request('multihost:set-on-screen', { pictures: { logo: '/api/avatars/x.png' } } as never)),
    'INVALID_INPUT',
  );

  const pushed = watchers.next('multihost:on-screen');
  const logo = ((await (await upload('logo', TINY_PNG)).json()) as { data: OnScreenState }).data;
  assert.match(logo.pictures.logo ?? '', /^\/api\/on-screen-pictures\/.+\.png$/);
  assert.is(logo.pictures.backdrop, null);
  assert.equal((await pushed).onScreen.pictures, logo.pictures, 'every studio hears it');
  const served = await fetch(`${server.url}${logo.pictures.logo}`);
  assert.is(served.headers.get('content-type'), 'image/png');
  // Bob, given the stage, sets the backdrop; the logo stays.
  await primary.call('multihost:set-permissions', { userId: bob.userId, permissions: { layout: false, stage: true } });
  const both = ((await (await upload('backdrop', TINY_PNG, bob.token)).json()) as { data: OnScreenState }).data;
  assert.is(both.pictures.logo, logo.pictures.logo);
  assert.match(both.pictures.backdrop ?? '', /^\/api\/on-screen-pictures\//);
  assert.is(files().length, 2);

  const replaced = ((await (await upload('logo', TINY_PNG)).json()) as { data: OnScreenState }).data;
  assert.is.not(replaced.pictures.logo, logo.pictures.logo);
  assert.is(files().length, 2, 'the replaced logo is deleted');
  assert.is((await fetch(`${server.url}${logo.pictures.logo}`)).status, 404);
  for (const picture of ['logo', 'backdrop']) {
    const removed = await api<OnScreenState>(
      server.url,
      'DELETE',
      `/api/multihost/${session.id}/on-screen/${picture}`,
      ada.token,
    );
    assert.ok(removed.body.ok, JSON.stringify(removed.body));
  }
  assert.equal(files(), [], 'removed pictures are deleted');
  const state = await api<SessionState>(server.url, 'GET', `/api/multihost/${session.id}`);
  assert.equal(state.body.ok && state.body.data.onScreen.pictures, { logo: null, backdrop: null });
});

test.run();
