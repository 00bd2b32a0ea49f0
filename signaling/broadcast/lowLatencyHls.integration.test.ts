// Low-latency HLS from a live session, over HTTP as hls.js fetches it: the
// playlist's LL tags, a blocking reload that is answered when its part is
// listed and not before, parts ffprobe can read one by one that make up their
// segment byte for byte, bad query values refused at once, and LL_HLS=false.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { SessionState } from '../protocol/index.ts';
import { videoFramesIn } from '../../testkit/probeMp4.ts';
import { api, signInGuest } from '../../testkit/signalingClient.ts';
import { startTestServer, type TestServer } from '../../testkit/testServer.ts';
import { waitFor } from '../../testkit/waitFor.ts';

let server: TestServer;
/** One-second segments of 200 ms parts (the defaults). */
const PARTS_PER_SEGMENT = 5;

test.before(async () => {
  // Parts and segments are counted in frames at the product's default rate.
  server = await startTestServer({ HLS_FPS: '30' });
});
test.after(async () => {
  await server.close();
});

async function goLive(target: TestServer): Promise<string> {
  const host = await signInGuest(target.url, 'Host');
  const created = await api<SessionState>(target.url, 'POST', '/api/multihost', host.token, { title: 'Low latency' });
  assert.ok(created.body.ok);
  const sessionId = created.body.ok ? created.body.data.id : '';
  assert.is((await api(target.url, 'POST', `/api/multihost/${sessionId}/start`, host.token)).status, 200);
  return `${target.url}/media/live/${sessionId}`;
}

interface ParsedPart {
  msn: number;
  uri: string;
  independent: boolean;
}

/** The parts a low-latency playlist lists, with the msn of the segment each belongs to. */
function partsOf(playlist: string): { parts: ParsedPart[]; segments: { msn: number; uri: string }[] } {
  let msn = Number(/#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(playlist)?.[1]);
  const parts: ParsedPart[] = [];
  const segments: { msn: number; uri: string }[] = [];
  for (const line of playlist.split('\n')) {
    const part = /^#EXT-X-PART:.*URI="([^"]+)"/.exec(line);
    if (part) parts.push({ msn, uri: part[1]!, independent: line.includes('INDEPENDENT=YES') });
    else if (line && !line.startsWith('#')) segments.push({ msn: msn++, uri: line });
  }
  return { parts, segments };
}

function lastPart(playlist: string): { msn: number; part: number } {
  const { parts } = partsOf(playlist);
  const last = parts.at(-1)!;
  return { msn: last.msn, part: parts.filter((part) => part.msn === last.msn).length - 1 };
}

test('a live session offers LL-HLS: parts, server control, preload hint, rendition reports', async () => {
  const live = await goLive(server);
  const master = await waitFor(
    'the low-latency master',
    async () => {
      const response = await fetch(`${live}/master-ll.m3u8`);
      return response.ok ? response.text() : undefined;
    },
    30_000,
  );
  assert.match(master, /720p\/ll\.m3u8/);
  assert.match(master, /CODECS="avc1\.[0-9a-f]{6},mp4a\.40\.2"/);
  const plainMaster = await (await fetch(`${live}/master.m3u8`)).text();
  assert.match(plainMaster, /720p\/index\.m3u8/, 'plain HLS stays for CDNs and old players');

  const response = await fetch(`${live}/720p/ll.m3u8`);
  assert.is(response.status, 200);
  assert.is(response.headers.get('content-type'), 'application/vnd.apple.mpegurl');
  const playlist = await response.text();
  assert.match(playlist, /#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=0\.700/);
  assert.match(playlist, /#EXT-X-PART-INF:PART-TARGET=0\.233/);
  assert.match(playlist, /#EXT-X-PRELOAD-HINT:TYPE=PART,URI="part_\d+_\d+_\d+\.m4s"/);
  assert.match(playlist, /#EXT-X-RENDITION-REPORT:URI="\.\.\/360p\/ll\.m3u8",LAST-MSN=\d+,LAST-PART=\d+/);
  assert.match(playlist, /#EXT-X-PART:DURATION=0\.20000,URI="part_\d+_\d+_0\.m4s",INDEPENDENT=YES/);

  // A blocking reload for the third part from the edge is answered once it is listed, not before.
  const edge = lastPart(playlist);
  const ahead = edge.part + 3;
  const wanted =
    ahead < PARTS_PER_SEGMENT ? { msn: edge.msn, part: ahead } : { msn: edge.msn + 1, part: ahead - PARTS_PER_SEGMENT };
  const blocking = fetch(`${live}/720p/ll.m3u8?_HLS_msn=${wanted.msn}&_HLS_part=${wanted.part}`).then(
    async (answer) => ({ status: answer.status, text: await answer.text() }),
  );
  const meanwhile = await (await fetch(`${live}/720p/ll.m3u8`)).text();
  const answered = await blocking;
  assert.is(answered.status, 200);
  const reached = lastPart(answered.text);
  assert.ok(
    reached.msn > wanted.msn || (reached.msn === wanted.msn && reached.part >= wanted.part),
    `the answer lists part ${wanted.msn}.${wanted.part} (its edge: ${reached.msn}.${reached.part})`,
  );
  const before = lastPart(meanwhile);
  assert.ok(
    before.msn < wanted.msn || (before.msn === wanted.msn && before.part < wanted.part),
    `the part was not there when the request was made (edge then: ${before.msn}.${before.part})`,
  );
});

test('every part of a segment is readable on its own, and the parts are the segment byte for byte', async () => {
  const live = await goLive(server);
  const playlist = await waitFor(
    'a complete segment with its parts listed',
    async () => {
      const response = await fetch(`${live}/720p/ll.m3u8`);
      if (!response.ok) return undefined;
      const text = await response.text();
      const { parts, segments } = partsOf(text);
      // A segment after the first (a whole one), with all its parts still listed.
      return segments.some((segment) => segment.msn > 0 && parts.some((part) => part.msn === segment.msn))
        ? text
        : undefined;
    },
    30_000,
  );
  const { parts, segments } = partsOf(playlist);
  const segment = segments.find((candidate) => candidate.msn > 0 && parts.some((part) => part.msn === candidate.msn))!;
  const itsParts = parts.filter((part) => part.msn === segment.msn);
  const initUri = /#EXT-X-MAP:URI="([^"]+)"/.exec(playlist)![1]!;
  const get = async (uri: string) => Buffer.from(await (await fetch(`${live}/720p/${uri}`)).arrayBuffer());
  const init = await get(initUri);
  const partBytes = await Promise.all(itsParts.map((part) => get(part.uri)));
  const segmentBytes = await get(segment.uri);
  assert.ok(itsParts[0]!.independent, 'a segment starts with an independent part');
  assert.is(itsParts.filter((part) => part.independent).length, 1, 'one key frame per segment');
  assert.ok(Buffer.concat(partBytes).equals(segmentBytes), 'the segment is its parts');
  let frames = 0;
  for (const [index, bytes] of partBytes.entries()) {
    // A part that does not start with a key frame is read after the ones before it, as a player does.
    const readable = index === 0 ? bytes : Buffer.concat([...partBytes.slice(0, index + 1)]);
    const decoded = await videoFramesIn(Buffer.concat([init, readable]));
    assert.ok(decoded > frames, `part ${index} adds frames (${frames} → ${decoded})`);
    frames = decoded;
  }
  assert.is(
    await videoFramesIn(Buffer.concat([init, segmentBytes])),
    frames,
    'the segment has the frames of its parts',
  );
  assert.is(frames, 30, 'one second at 30 fps');
});

test('bad LL query values are refused at once, and nothing is held', async () => {
  const live = await goLive(server);
  await waitFor(
    'the low-latency playlist',
    async () => ((await fetch(`${live}/720p/ll.m3u8`)).ok ? true : undefined),
    30_000,
  );
  const edge = lastPart(await (await fetch(`${live}/720p/ll.m3u8`)).text());
  for (const query of [
    '_HLS_msn=-1',
    '_HLS_msn=abc',
    '_HLS_msn=',
    '_HLS_msn=1.5',
    `_HLS_msn=${edge.msn + 3}`,
    '_HLS_part=1',
    `_HLS_msn=${edge.msn}&_HLS_part=-2`,
    `_HLS_msn=${edge.msn}&_HLS_part=999`,
    '_HLS_skip=maybe',
  ]) {
    // A 400 is decided before anything is held (a held request ends in a playlist or a 503).
    const response = await fetch(`${live}/720p/ll.m3u8?${query}`);
    const body = (await response.json()) as { ok: boolean; error?: { code: string } };
    assert.is(response.status, 400, query);
    assert.is(body.error?.code, 'INVALID_INPUT', query);
  }
  assert.is((await fetch(`${live}/720p/part_1_999999_0.m4s`)).status, 404, 'a part far ahead is not held');
  assert.is((await fetch(`${live}/9999p/ll.m3u8`)).status, 404);
});

test('LL_HLS=false: plain HLS only', async () => {
  const plain = await startTestServer({ LL_HLS: 'false' });
  try {
    const live = await goLive(plain);
    await waitFor('the plain master', async () => ((await fetch(`${live}/master.m3u8`)).ok ? true : undefined), 30_000);
    assert.is((await fetch(`${live}/master-ll.m3u8`)).status, 404);
    assert.is((await fetch(`${live}/720p/ll.m3u8`)).status, 404);
    assert.match(await (await fetch(`${live}/720p/index.m3u8`)).text(), /#EXTINF/);
  } finally {
    await plain.close();
  }
});

test.run();
