// The stream as audiences and hosts see it: offline → live → ending →
// archived, who is watching, and the recordings the primary host controls.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { openDatabase } from '../../prisma/database.ts';
import { migrateDatabase } from '../../prisma/migrateDatabase.ts';
import type { LayoutChange, RecordingView, StreamStats } from '../protocol/index.ts';
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

async function statsOf(sessionId: string): Promise<StreamStats> {
  const response = await api<StreamStats>(server.url, 'GET', `/api/room/${sessionId}/stream/stats`);
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
