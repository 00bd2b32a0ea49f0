// The stream as audiences and hosts see it: offline → live → ending →
// archived, who is watching, and the recordings the primary host controls.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { openDatabase } from '../../prisma/database.ts';
import { migrateDatabase } from '../../prisma/migrateDatabase.ts';
import type {
  LayoutChange,
  RecordingView,
  SessionState,
  StreamStats,
  UpcomingSession,
  WatchLink,
} from '../protocol/index.ts';
import { addCoHost, createSession, errorCode } from '../../testkit/sessions.ts';
import { api, connectClient, signInGuest, type TestClient } from '../../testkit/signalingClient.ts';
import { startTestServer, type TestServer } from '../../testkit/testServer.ts';

let server: TestServer;
const viewers: TestClient[] = [];

test.before(async () => {
  server = await startTestServer();
});
test.after(async () => {
  for (const viewer of viewers) viewer.close();
  await server.close();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function statsOf(sessionId: string, key?: string): Promise<StreamStats> {
  const query = key === undefined ? '' : `?key=${key}`;
  const response = await api<StreamStats>(server.url, 'GET', `/api/room/${sessionId}/stream/stats${query}`);
  if (!response.body.ok) throw new Error(response.body.error.message);
  return response.body.data;
}

async function waitForStats(sessionId: string, until: (stats: StreamStats) => boolean, what: string) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const stats = await statsOf(sessionId);
    if (until(stats)) return stats;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(stats)}`);
    await sleep(250);
  }
}

const segmentsOf = async (recording: RecordingView) =>
  (await (await fetch(`${server.url}${recording.playlistUrl}`)).text())
    .split('\n')
    .filter((line) => line.endsWith('.m4s'));

test('a stream goes offline → live → ending → archived, counts its viewers, and records what the host asks', async () => {
  const alice = await signInGuest(server.url, 'Alice');
  const bob = await signInGuest(server.url, 'Bob');
  const session = await createSession(server.url, alice.token, 'Lifecycle');
  await addCoHost(server.url, alice.token, bob, session.id);
  const record = (token: string | undefined, action: unknown) =>
    api<RecordingView>(server.url, 'POST', `/api/room/${session.id}/stream/record`, token, { action });

  const before = await statsOf(session.id);
  assert.is(before.status, 'offline');
  assert.is(before.hlsUrl, null);
  assert.equal(before.recordings, []);
  assert.is(errorCode((await record(alice.token, 'start')).body), 'CONFLICT', 'not live yet');

  // Two anonymous audience pages.
  const first = await connectClient(server.url);
  const second = await connectClient(server.url);
  viewers.push(first, second);
  assert.is((await first.call('stream:watch', { sessionId: session.id })).viewers, 1);
  const secondView = await second.call('stream:watch', { sessionId: session.id });
  assert.is(secondView.viewers, 2);
  assert.is(secondView.title, 'Lifecycle');
  assert.is(errorCode(await first.request('stream:watch', { sessionId: 'no-such-session' })), 'NOT_FOUND');
  assert.is(errorCode(await first.request('stream:watch', { sessionId: '' })), 'INVALID_INPUT');
  assert.is((await first.next('stream:viewers', (count) => count.viewers === 2)).peakViewers, 2);

  const wentLive = first.next('stream:status', (change) => change.status === 'live', 10_000);
  // The playlist is announced once it exists: pages never poll a 404.
  const playable = first.next('stream:status', (change) => change.hlsUrl !== null, 20_000);
  assert.is((await api(server.url, 'POST', `/api/multihost/${session.id}/start`, alice.token)).status, 200);
  assert.is((await wentLive).hlsUrl, null, 'live before the first segment: no playlist yet');
  const announced = await playable;
  assert.is(announced.hlsUrl, `/media/live/${session.id}/master.m3u8`);
  assert.is((await fetch(`${server.url}${announced.hlsUrl}`)).status, 200, 'the announced playlist is there');
  const live = await waitForStats(session.id, (stats) => stats.recording !== null, 'the recording on going live');
  assert.is(live.status, 'live');
  assert.is(live.hlsUrl, `/media/live/${session.id}/master.m3u8`);
  assert.is(live.recording?.status, 'recording');
  assert.is(live.viewers, 2);

  // Only the primary host records; one recording at a time; bad bodies are refused.
  assert.is((await record(undefined, 'start')).status, 401);
  assert.is(errorCode((await record(bob.token, 'stop')).body), 'NOT_ALLOWED');
  assert.is(errorCode((await record(alice.token, 'start')).body), 'CONFLICT', 'already recording');
  assert.is(errorCode((await record(alice.token, 'pause')).body), 'INVALID_INPUT');

  const recordingNow = await waitForStats(
    session.id,
    (stats) => (stats.recording?.durationS ?? 0) > 3,
    'a few seconds recorded',
  );
  // And two segments in its playlist: a busy machine encodes below real time, so seconds on the clock are not enough.
  for (
    const until = Date.now() + 20_000;
    (await segmentsOf(recordingNow.recording!)).length < 2 && Date.now() < until;
  ) {
    await sleep(250);
  }
  const stopped = await record(alice.token, 'stop');
  assert.ok(stopped.body.ok);
  const firstRecording = stopped.body.ok ? stopped.body.data : undefined;
  assert.is(firstRecording?.status, 'archived');
  assert.ok((firstRecording?.segments ?? 0) >= 2, `segments kept: ${firstRecording?.segments}`);
  assert.is((await statsOf(session.id)).recording, null);
  assert.is(errorCode((await record(alice.token, 'stop')).body), 'CONFLICT', 'nothing to stop');

  // A second recording starts from now, not from the live window's past.
  const restarted = await record(alice.token, 'start');
  assert.ok(restarted.body.ok);
  const layout: LayoutChange = { layout: 'spotlight', pinnedUserId: bob.userId };
  assert.is((await api(server.url, 'PUT', `/api/multihost/${session.id}/layout`, alice.token, layout)).status, 200);
  await waitForStats(session.id, (stats) => stats.durationS > 8, 'more show');

  second.close();
  assert.is((await first.next('stream:viewers', (count) => count.viewers === 1, 5000)).peakViewers, 2);

  const ending = first.next('stream:status', (change) => change.status === 'ending', 10_000);
  const archived = first.next('stream:status', (change) => change.status === 'archived', 20_000);
  assert.is((await api(server.url, 'POST', `/api/multihost/${session.id}/end`, alice.token)).status, 200);
  await ending;
  await archived;

  const after = await statsOf(session.id);
  assert.is(after.status, 'archived');
  assert.is(after.hlsUrl, null);
  assert.is(after.peakViewers, 2);
  assert.is(after.recordings.length, 2);
  const [one, two] = after.recordings as [RecordingView, RecordingView];
  assert.ok(one.status === 'archived' && two.status === 'archived');
  assert.equal(
    two.layoutChanges.map((change) => [change.kind, change.pinnedUserId]),
    [
      ['grid', null],
      ['spotlight', bob.userId],
    ],
  );
  const firstSegments = await segmentsOf(one);
  const secondSegments = await segmentsOf(two);
  assert.ok(secondSegments.length >= 2, `second recording segments: ${secondSegments.length}`);
  assert.ok(
    secondSegments.every((segment) => !firstSegments.includes(segment)),
    'the recordings do not overlap',
  );
  assert.ok(Math.abs(two.durationS - two.segments) < two.segments * 0.5, 'about a second a segment');

  // Listings and the row of record.
  const bySession = await api<RecordingView[]>(server.url, 'GET', `/api/sessions/${session.id}/recordings`);
  assert.equal(bySession.body.ok && bySession.body.data.map((r) => r.id), [one.id, two.id]);
  const byHost = await api<RecordingView[]>(server.url, 'GET', `/api/users/${alice.userId}/recordings`);
  assert.equal(byHost.body.ok && byHost.body.data.map((r) => r.id), [two.id, one.id], 'newest first');
  const single = await api<RecordingView>(server.url, 'GET', `/api/recordings/${two.id}`);
  assert.is(single.body.ok && single.body.data.sessionTitle, 'Lifecycle');
  const recent = await api<RecordingView[]>(server.url, 'GET', '/api/recordings/recent');
  assert.equal(recent.body.ok && recent.body.data.slice(0, 2).map((r) => r.id), [two.id, one.id], 'the home page');
  assert.is((await api(server.url, 'GET', '/api/recordings/nope')).status, 404);
  assert.is((await api(server.url, 'GET', '/api/users/nobody/recordings')).status, 404, 'no such host');
  const past = await api<{ past: { id: string; peakViewers: number }[] }>(
    server.url,
    'GET',
    `/api/multihost/user/${alice.userId}`,
  );
  assert.is(past.body.ok && past.body.data.past.find((row) => row.id === session.id)?.peakViewers, 2);
  assert.is((await record(alice.token, 'start')).status, 404, 'the session is over');
});

test('a private session opens only to its link or password, everywhere its show can be read; capacity refuses the extra page', async () => {
  const alice = await signInGuest(server.url, 'Alice');
  const created = await api<SessionState>(server.url, 'POST', '/api/multihost', alice.token, {
    title: 'Members only',
    private: true,
    password: 'open sesame',
    maxViewers: 1,
  });
  assert.ok(created.body.ok);
  const session = created.body.ok ? created.body.data : undefined!;
  assert.equal([session.settings.private, session.settings.passwordSet, session.settings.maxViewers], [true, true, 1]);
  assert.not.match(JSON.stringify(session), /sesame|scrypt/, 'neither the password nor its hash is sent');
  const link = await api<WatchLink>(server.url, 'GET', `/api/multihost/${session.id}/watch-link`, alice.token);
  const { key, path: linkPath } = link.body.ok ? link.body.data : undefined!;
  assert.is(linkPath, `/watch/${session.id}?key=${key}`);
  const stranger = await signInGuest(server.url, 'Stranger');
  const strangerLink = await api(server.url, 'GET', `/api/multihost/${session.id}/watch-link`, stranger.token);
  assert.is(errorCode(strangerLink.body), 'NOT_ALLOWED', 'only its hosts hand out the link');

  // Its page, its socket and its chat: refused without the key (or with a wrong one), opened with it.
  const stats = (query: string, token?: string) =>
    api<StreamStats>(server.url, 'GET', `/api/room/${session.id}/stream/stats${query}`, token);
  assert.is(errorCode((await stats('')).body), 'PRIVATE_SESSION');
  assert.is((await stats('')).status, 403);
  assert.is(errorCode((await stats('?key=wrong-key')).body), 'PRIVATE_SESSION');
  assert.is((await stats(`?key=${key}`)).status, 200);
  assert.is((await stats('', alice.token)).status, 200, 'its host needs no key');
  const page = await connectClient(server.url);
  const secondPage = await connectClient(server.url);
  viewers.push(page, secondPage);
  assert.is(errorCode(await page.request('stream:watch', { sessionId: session.id })), 'PRIVATE_SESSION');
  assert.is(errorCode(await page.request('chat:join', { sessionId: session.id })), 'PRIVATE_SESSION');
  const history = await api(server.url, 'GET', `/api/streams/${session.id}/messages`);
  assert.is(errorCode(history.body), 'PRIVATE_SESSION');
  assert.is((await page.call('stream:watch', { sessionId: session.id, key })).viewers, 1);
  await page.call('chat:join', { sessionId: session.id, key });
  const full = await secondPage.request('stream:watch', { sessionId: session.id, key });
  assert.is(errorCode(full), 'AUDIENCE_FULL', 'capacity 1: the second page waits');
  assert.is(
    (await page.call('stream:watch', { sessionId: session.id, key })).viewers,
    1,
    'a page counted is let in again',
  );

  // The password answers with the key; a wrong one is refused in words.
  const unlock = (password: unknown) =>
    api<{ key: string }>(server.url, 'POST', `/api/room/${session.id}/stream/unlock`, undefined, { password });
  const wrong = await unlock('open barley');
  assert.is(errorCode(wrong.body), 'NOT_ALLOWED');
  assert.match(wrong.body.ok ? '' : wrong.body.error.message, /wrong password/);
  assert.is(errorCode((await unlock('')).body), 'INVALID_INPUT');
  const unlocked = await unlock('open sesame');
  assert.is(unlocked.body.ok && unlocked.body.data.key, key);

  // On air: unlisted; its media only under the key's folder.
  const announced = page.next('stream:status', (change) => change.hlsUrl !== null, 20_000);
  assert.is((await api(server.url, 'POST', `/api/multihost/${session.id}/start`, alice.token)).status, 200);
  const { hlsUrl } = await announced;
  assert.is(hlsUrl, `/media/live/${session.id}~${key}/master.m3u8`);
  const listed = await api<SessionState[]>(server.url, 'GET', '/api/multihost/active/list');
  assert.not.ok(listed.body.ok && listed.body.data.some((listedSession) => listedSession.id === session.id));
  assert.is((await fetch(`${server.url}/media/live/${session.id}/master.m3u8`)).status, 403);
  assert.is((await fetch(`${server.url}/media/live/${session.id}~nope/master.m3u8`)).status, 403);
  const master = await fetch(`${server.url}${hlsUrl}`);
  assert.is(master.status, 200);
  const rendition = (await master.text()).split('\n').find((line) => line.endsWith('.m3u8'))!;
  const renditionUrl = new URL(rendition, `${server.url}${hlsUrl}`);
  assert.is((await fetch(renditionUrl)).status, 200, 'the relative paths keep the key');
  assert.is((await fetch(renditionUrl.href.replace(`~${key}`, ''))).status, 403);
  const goPublic = await api(server.url, 'PUT', `/api/multihost/${session.id}/settings`, alice.token, {
    private: false,
  });
  assert.is(errorCode(goPublic.body), 'CONFLICT', 'privacy is not switched on air');
  const recordingNow = (await statsOf(session.id, key)).recording!;
  for (const until = Date.now() + 20_000; (await segmentsOf(recordingNow)).length < 1 && Date.now() < until;) {
    await sleep(250);
  }

  // Over: its recordings open to the same key, and are listed to their host only.
  const archived = page.next('stream:status', (change) => change.status === 'archived', 20_000);
  assert.is((await api(server.url, 'POST', `/api/multihost/${session.id}/end`, alice.token)).status, 200);
  await archived;
  const after = await stats(`?key=${key}`);
  const recording = after.body.ok ? after.body.data.recordings[0]! : undefined!;
  assert.is(recording.playlistUrl, `/media/vod/${recording.id}~${key}/index.m3u8`);
  assert.is((await fetch(`${server.url}${recording.playlistUrl}`)).status, 200);
  assert.is((await fetch(`${server.url}/media/vod/${recording.id}/index.m3u8`)).status, 403);
  assert.is(errorCode((await api(server.url, 'GET', `/api/recordings/${recording.id}`)).body), 'PRIVATE_SESSION');
  const byHost = (token?: string) =>
    api<RecordingView[]>(server.url, 'GET', `/api/users/${alice.userId}/recordings`, token);
  const publicList = await byHost();
  assert.not.ok(publicList.body.ok && publicList.body.data.some((listedOne) => listedOne.id === recording.id));
  const ownList = await byHost(alice.token);
  assert.ok(ownList.body.ok && ownList.body.data.some((listedOne) => listedOne.id === recording.id));
  const recent = await api<RecordingView[]>(server.url, 'GET', '/api/recordings/recent');
  assert.ok(
    recent.body.ok && !recent.body.data.some((listedOne) => listedOne.id === recording.id),
    'not on the home page',
  );
});

test('a planned session: listed as upcoming with its plan, kept across a restart until it goes live', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'stagecast-planned-'));
  let node = await startTestServer({ DATA_DIR: dataDir });
  try {
    const alice = await signInGuest(node.url, 'Alice');
    const inAnHour = new Date(Date.now() + 3_600_000).toISOString();
    const create = (body: object) => api<SessionState>(node.url, 'POST', '/api/multihost', alice.token, body);
    const made = await create({
      title: 'Friday jam',
      scheduledFor: inAnHour,
      description: 'Bring\u0007 your guitar',
      tags: ['Music', 'music', 'live-coding'],
    });
    assert.ok(made.body.ok);
    const session = made.body.ok ? made.body.data : undefined!;
    assert.equal(session.plan, {
      scheduledFor: inAnHour,
      description: 'Bring your guitar',
      tags: ['music', 'live-coding'],
      coverUrl: null,
    });
    const past = new Date(Date.now() - 3_600_000).toISOString();
    assert.is(errorCode((await create({ title: 'x', scheduledFor: past })).body), 'INVALID_INPUT');
    assert.is(errorCode((await create({ title: 'x', tags: ['a', 'b', 'c', 'd', 'e', 'f'] })).body), 'INVALID_INPUT');
    assert.is(errorCode((await create({ title: 'x', tags: ['two words'] })).body), 'INVALID_INPUT');
    await create({ title: 'Secret jam', scheduledFor: inAnHour, private: true });

    const upcoming = async (query = '') => {
      const listed = await api<UpcomingSession[]>(node.url, 'GET', `/api/multihost/upcoming${query}`);
      return listed.body.ok ? listed.body.data.map((planned) => planned.title) : [];
    };
    assert.equal(await upcoming(), ['Friday jam'], 'private sessions are not announced');
    assert.equal(await upcoming(`?hostId=${alice.userId}`), ['Friday jam']);
    assert.equal(await upcoming('?hostId=somebody-else'), []);
    const stats = await api<StreamStats>(node.url, 'GET', `/api/room/${session.id}/stream/stats`);
    assert.is(stats.body.ok && stats.body.data.plan.scheduledFor, inAnHour, 'the audience page counts down to it');

    // A restart: the planned session is still there, still upcoming, and goes live when its host says so.
    await node.close();
    node = await startTestServer({ DATA_DIR: dataDir });
    assert.equal(await upcoming(), ['Friday jam']);
    const afterRestart = await api<SessionState>(node.url, 'GET', `/api/multihost/${session.id}`);
    assert.is(afterRestart.body.ok && afterRestart.body.data.status, 'scheduled');
    assert.is(afterRestart.body.ok && afterRestart.body.data.plan.description, 'Bring your guitar');
    assert.is((await api(node.url, 'POST', `/api/multihost/${session.id}/start`, alice.token)).status, 200);
    const replan = await api(node.url, 'PUT', `/api/multihost/${session.id}/settings`, alice.token, {
      scheduledFor: inAnHour,
    });
    assert.is(errorCode(replan.body), 'CONFLICT', 'a show that started is not planned again');
    assert.equal(await upcoming(), [], 'live: no longer upcoming');
  } finally {
    await node.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});

test('recordings left open by a stopped server are closed as interrupted, still playable', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'stagecast-interrupted-'));
  const databaseUrl = `file:${path.join(dataDir, 'stagecast.db')}`;
  await migrateDatabase(databaseUrl);
  const database = openDatabase(databaseUrl);
  await database.liveSession.create({
    data: {
      id: 'crashed',
      title: 'Crashed',
      type: 'collaboration',
      layout: 'grid',
      status: 'live',
      primaryHostId: 'g_x',
      primaryHostName: 'X',
      startedAt: new Date(),
    },
  });
  const row = await database.recording.create({
    data: { sessionId: 'crashed', status: 'recording', startedAt: new Date() },
  });
  await database.$disconnect();
  const vodDir = path.join(dataDir, 'media', 'vod', row.id);
  fs.mkdirSync(vodDir, { recursive: true });
  fs.writeFileSync(
    path.join(vodDir, 'index.m3u8'),
    '#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:1\n#EXT-X-PLAYLIST-TYPE:EVENT\n#EXT-X-MAP:URI="init_0_720p.mp4"\n#EXTINF:1.000000,\nseg_0_1.m4s\n',
  );

  const restarted = await startTestServer({ DATA_DIR: dataDir });
  try {
    const recording = await api<RecordingView>(restarted.url, 'GET', `/api/recordings/${row.id}`);
    assert.is(recording.body.ok && recording.body.data.status, 'interrupted');
    const playlist = await (await fetch(`${restarted.url}/media/vod/${row.id}/index.m3u8`)).text();
    assert.match(playlist, /#EXT-X-PLAYLIST-TYPE:VOD/);
    assert.match(playlist, /seg_0_1\.m4s\n#EXT-X-ENDLIST\n$/);
    const stats = await api<StreamStats>(restarted.url, 'GET', '/api/room/crashed/stream/stats');
    assert.is(stats.body.ok && stats.body.data.status, 'archived', 'the session itself was ended on start');
  } finally {
    await restarted.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});

test.run();
