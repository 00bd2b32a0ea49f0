// Going live starts the HLS broadcast, served over HTTP the way a player or
// CDN fetches it, and a still of it for the live lists; ending the session
// stops it.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { SessionState, StreamStats } from '../protocol/index.ts';
import { api, signInGuest } from '../../testkit/signalingClient.ts';
import { startTestServer, type TestServer } from '../../testkit/testServer.ts';

let server: TestServer;

test.before(async () => {
  server = await startTestServer();
});
test.after(async () => {
  await server.close();
});

async function fetchWhenReady(url: string, timeoutMs: number): Promise<Response> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await fetch(url);
    if (response.ok || Date.now() > deadline) return response;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** A baseline or progressive JPEG's size, from its start-of-frame marker. */
function jpegSize(jpeg: Buffer): { width: number; height: number } | undefined {
  if (jpeg[0] !== 0xff || jpeg[1] !== 0xd8) return undefined;
  for (let at = 2; at + 9 < jpeg.length;) {
    if (jpeg[at] !== 0xff) return undefined;
    const marker = jpeg[at + 1]!;
    if (marker === 0xc0 || marker === 0xc2)
      return { height: jpeg.readUInt16BE(at + 5), width: jpeg.readUInt16BE(at + 7) };
    at += 2 + jpeg.readUInt16BE(at + 2);
  }
  return undefined;
}

test('a live session is served as HLS with CDN-friendly headers; ending it stops the stream', async () => {
  const alice = await signInGuest(server.url, 'Alice');
  const created = await api<SessionState>(server.url, 'POST', '/api/multihost', alice.token, { title: 'On air' });
  assert.ok(created.body.ok);
  const sessionId = created.body.ok ? created.body.data.id : '';
  const live = `${server.url}/media/live/${sessionId}`;
  assert.is((await fetch(`${live}/master.m3u8`)).status, 404, 'nothing before going live');
  const thumbnail = `${server.url}/api/multihost/${sessionId}/thumbnail`;
  assert.is((await fetch(thumbnail)).status, 404, 'no still before going live');

  assert.is((await api(server.url, 'POST', `/api/multihost/${sessionId}/start`, alice.token)).status, 200);
  const master = await fetchWhenReady(`${live}/master.m3u8`, 20_000);
  assert.is(master.status, 200);
  assert.is(master.headers.get('content-type'), 'application/vnd.apple.mpegurl');
  assert.is(master.headers.get('cache-control'), 'no-cache');
  assert.match(await master.text(), /720p\/index\.m3u8/);

  // Nobody is on camera yet: the audience still gets a playable (slate) stream.
  let media: string[] = [];
  const deadline = Date.now() + 20_000;
  while (media.length < 2 && Date.now() < deadline) {
    const playlist = await fetch(`${live}/720p/index.m3u8`);
    if (playlist.ok) media = (await playlist.text()).split('\n').filter((line) => line.endsWith('.m4s'));
    if (media.length < 2) await new Promise((resolve) => setTimeout(resolve, 250));
  }
  assert.ok(media.length >= 2, `segments listed: ${media.length}`);
  const segment = await fetch(`${live}/720p/${media[0]}`);
  assert.is(segment.status, 200);
  assert.is(segment.headers.get('content-type'), 'video/iso.segment');
  assert.match(segment.headers.get('cache-control') ?? '', /immutable/);
  assert.ok((await segment.arrayBuffer()).byteLength > 1000);
  const ranged = await fetch(`${live}/720p/${media[0]}`, { headers: { range: 'bytes=0-99' } });
  assert.is(ranged.status, 206);
  assert.is((await ranged.arrayBuffer()).byteLength, 100);

  // Anything but the recorder's own file names is not found.
  for (const path of ['720p/..%2F..%2Ftoken-secret', '..%2Ftoken-secret/x/y', '720p/input_1.sdp', '720p/.hidden.m4s']) {
    assert.is((await fetch(`${live}/${path}`)).status, 404, path);
  }

  // A still for the live lists: a JPEG 320 pixels wide, cached as long as the server keeps it.
  const still = await fetchWhenReady(thumbnail, 10_000);
  assert.is(still.status, 200);
  assert.is(still.headers.get('content-type'), 'image/jpeg');
  assert.is(still.headers.get('cache-control'), 'public, max-age=5');
  assert.equal(jpegSize(Buffer.from(await still.arrayBuffer())), { width: 320, height: 180 });

  // Let the show run a few seconds more so the VOD outgrows the live window.
  await new Promise((resolve) => setTimeout(resolve, 7000));
  const endedAt = Date.now();
  assert.is((await api(server.url, 'POST', `/api/multihost/${sessionId}/end`, alice.token)).status, 200);
  // The recorder lets FFmpeg finish its last segment, then closes the recording.
  let stats: StreamStats | undefined;
  const closeDeadline = Date.now() + 15_000;
  while (stats?.status !== 'archived' && Date.now() < closeDeadline) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    const response = await api<StreamStats>(server.url, 'GET', `/api/room/${sessionId}/stream/stats`);
    stats = response.body.ok ? response.body.data : undefined;
  }
  assert.is(stats?.status, 'archived');
  assert.is(stats?.hlsUrl, null);
  assert.is(stats?.recordings.length, 1, 'going live recorded the broadcast');
  const recording = stats!.recordings[0]!;
  assert.is(recording.status, 'archived');
  const vodResponse = await fetch(`${server.url}${recording.playlistUrl}`);
  assert.is(vodResponse.status, 200);
  const vodText = await vodResponse.text();
  const lastSegment = async () => {
    const response = await fetch(`${live}/720p/index.m3u8`);
    return response.ok
      ? (await response.text())
          .split('\n')
          .filter((line) => line.endsWith('.m4s'))
          .at(-1)
      : undefined;
  };
  const stalled = await lastSegment();
  await new Promise((resolve) => setTimeout(resolve, 2500));
  assert.is(await lastSegment(), stalled, 'no new segments after the end');

  // The whole broadcast is kept for VOD: a closed playlist as long as the show.
  assert.match(vodText, /#EXT-X-PLAYLIST-TYPE:VOD/);
  assert.match(vodText, /#EXT-X-ENDLIST/);
  const vodSegments = vodText.split('\n').filter((line) => line.endsWith('.m4s'));
  assert.ok(vodSegments.length >= media.length, 'VOD keeps at least what the live window showed');
  assert.is(vodSegments[0], media[0], 'VOD starts where the broadcast started');
  const vodSeconds = [...vodText.matchAll(/#EXTINF:([\d.]+)/g)].reduce((sum, match) => sum + Number(match[1]), 0);
  const firstTime = Date.parse(/#EXT-X-PROGRAM-DATE-TIME:(\S+)/.exec(vodText)![1]!.replace(/\+0000$/, 'Z'));
  const shown = (endedAt - firstTime) / 1000;
  assert.ok(Math.abs(vodSeconds - shown) <= 1, `VOD ${vodSeconds.toFixed(2)} s vs on air ${shown.toFixed(2)} s`);
  assert.ok(Math.abs(recording.durationS - vodSeconds) < 0.01, 'the row has the playlist duration');
  assert.is(recording.segments, vodSegments.length);
  assert.ok(recording.sizeBytes > 10_000, `size ${recording.sizeBytes}`);
  const segmentFile = await fetch(`${server.url}/media/vod/${recording.id}/${vodSegments[0]}`);
  assert.is(segmentFile.status, 200);
});

test('going live is refused, with the reason and nothing started, without FFmpeg or disk space', async () => {
  const alice = await signInGuest(server.url, 'Alice');
  const created = await api<SessionState>(server.url, 'POST', '/api/multihost', alice.token, { title: 'No encoder' });
  const sessionId = created.body.ok ? created.body.data.id : '';
  const saved = process.env.FFMPEG_PATH;
  process.env.FFMPEG_PATH = '/nonexistent/ffmpeg';
  try {
    const refused = await api(server.url, 'POST', `/api/multihost/${sessionId}/start`, alice.token);
    assert.is(refused.status, 503);
    assert.is(!refused.body.ok && refused.body.error.code, 'UNAVAILABLE');
    assert.match(!refused.body.ok ? refused.body.error.message : '', /FFMPEG_PATH=\/nonexistent\/ffmpeg/);
  } finally {
    if (saved === undefined) delete process.env.FFMPEG_PATH;
    else process.env.FFMPEG_PATH = saved;
  }
  const state = await api<SessionState>(server.url, 'GET', `/api/multihost/${sessionId}`);
  assert.is(state.body.ok && state.body.data.status, 'scheduled');
  assert.is((await fetch(`${server.url}/media/live/${sessionId}/master.m3u8`)).status, 404);

  const tight = await startTestServer({ MIN_FREE_DISK_MB: '100000000' });
  try {
    const bob = await signInGuest(tight.url, 'Bob');
    const other = await api<SessionState>(tight.url, 'POST', '/api/multihost', bob.token, { title: 'Full disk' });
    const otherId = other.body.ok ? other.body.data.id : '';
    const full = await api(tight.url, 'POST', `/api/multihost/${otherId}/start`, bob.token);
    assert.is(full.status, 503);
    assert.match(!full.body.ok ? full.body.error.message : '', /MIN_FREE_DISK_MB/);
  } finally {
    await tight.close();
  }
});

test.run();
