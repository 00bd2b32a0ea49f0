// A PK battle in the audience's picture, through the real worker and one
// FFmpeg run: a session (its host's camera solid green, a 440 Hz tone)
// switches to the battle split with the opponent (yellow, 1 kHz; in a real
// battle its producers are piped into this router), the score bar moves with
// the scores, the clock ticks, both hosts are heard, and clearing the battle
// brings the session's layout back — the same FFmpeg throughout and a
// playlist that keeps going (no discontinuity for players).
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { types } from 'mediasoup';
import { pino } from 'pino';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { routerMediaCodecs } from '../sfu/mediaCodecs.ts';
import { battleLayout, scoreBarSplitWidth } from '../signaling/protocol/battleLayout.ts';
import type { Rect } from '../signaling/protocol/layoutGeometry.ts';
import { startFfmpegRtpSource, type FfmpegRtpSource } from '../testkit/ffmpegRtpSource.ts';
import { colourDistance, frameColours, rgbOf, type Region, type Rgb } from '../testkit/frameColours.ts';
import { listedSegments } from '../testkit/hlsFiles.ts';
import { waitFor } from '../testkit/waitFor.ts';
import { startLoopbackWorkerPool } from '../testkit/workerPool.ts';
import type { WorkerPool } from '../sfu/WorkerPool.ts';
import { resolveFfmpeg } from './ffmpegBinary.ts';
import { HlsRecorder, type Composition, type RecordedBattle } from './HlsRecorder.ts';
import { labelFont } from './labelFont.ts';
import { OPPONENT_BAR_COLOUR, OWN_BAR_COLOUR } from './slots/battleOverlayGraph.ts';

const run = promisify(execFile);
const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const CANVAS = { width: 640, height: 360 };
const GREEN: Rgb = [0, 255, 0];
const YELLOW: Rgb = [255, 255, 0];
const OWN_TONE = 440;
const OPPONENT_TONE = 1000;
/** H.264 at 800 kbit/s and limited-range YUV blur a solid colour by this much, at most. */
const SAME = 48;
const layout = battleLayout(CANVAS, ['own'], ['opponent']);
const [ownArea, opponentArea] = layout.tiles.map((tile) => tile.rect) as [Rect, Rect];
const bar = layout.scoreBar;
/** Columns of the bar at a quarter and three quarters of its width, away from the numbers at its ends. */
const barAt = (share: number): Region => ({
  x: bar.x + Math.round(bar.width * share) - 4,
  y: bar.y + 8,
  width: 8,
  height: bar.height - 16,
});
/** The clock, centred on the timer band. */
const clockRegion: Region = { x: 290, y: 2, width: 60, height: layout.timer.height - 4 };

interface Shared {
  pool: WorkerPool;
  dir: string;
  sources: FfmpegRtpSource[];
  recorder: HlsRecorder;
  own: FfmpegRtpSource;
  opponent: FfmpegRtpSource;
  pid: number;
  firstSegment: string;
}

const battleTest = suite<Partial<Shared>>('battle in the HLS picture');

function playlistOf(context: Partial<Shared>): string {
  return path.join(context.dir!, 'high', 'index.m3u8');
}

function initOf(playlist: string): string {
  let last = '';
  for (const match of fs.readFileSync(playlist, 'utf8').matchAll(/#EXT-X-MAP:URI="([^"]+)"/g)) last = match[1]!;
  return last;
}

/** The newest listed segment with its init segment; undefined before the first. */
function newest(context: Partial<Shared>): { files: [string, string]; name: string } | undefined {
  const playlist = playlistOf(context);
  const segment = listedSegments(playlist).at(-1);
  if (!segment) return undefined;
  const dir = path.join(context.dir!, 'high');
  return { files: [path.join(dir, initOf(playlist)), path.join(dir, segment)], name: segment };
}

function middle(rect: Rect, share: number): Region {
  const width = Math.round(rect.width * share);
  const height = Math.round(rect.height * share);
  return {
    x: rect.x + Math.round((rect.width - width) / 2),
    y: rect.y + Math.round((rect.height - height) / 2),
    width,
    height,
  };
}

/** Waits until the newest segment's last frame shows `expected` colours in the regions; returns what it saw last otherwise. */
async function waitForPicture(
  context: Partial<Shared>,
  what: string,
  expected: [Region, Rgb][],
  timeoutMs = 20_000,
): Promise<void> {
  let seen: (Rgb | undefined)[] = [];
  await waitFor(
    what,
    async () => {
      const segment = newest(context);
      if (!segment) return undefined;
      seen = await Promise.all(expected.map(async ([region]) => (await frameColours(...segment.files, region)).at(-1)));
      return seen.every((colour, i) => colour && colourDistance(colour, expected[i]![1]) <= SAME) ? true : undefined;
    },
    timeoutMs,
    400,
  ).catch((error: unknown) => {
    throw new Error(`${String(error)}; last frame: ${JSON.stringify(seen)}`);
  });
}

/** The grey levels of a region of a segment's last frame, `columns`×`rows`. */
async function greyGrid(files: [string, string], region: Region, columns: number, rows: number): Promise<Buffer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stagecast-grid-'));
  try {
    const joined = path.join(dir, 'joined.mp4');
    fs.writeFileSync(joined, Buffer.concat(files.map((file) => fs.readFileSync(file))));
    const { stdout } = await run(
      resolveFfmpeg(),
      [
        ...['-v', 'error', '-i', joined, '-an'],
        ...['-vf', `crop=${region.width}:${region.height}:${region.x}:${region.y},scale=${columns}:${rows}:flags=area`],
        ...['-f', 'rawvideo', '-pix_fmt', 'gray', '-'],
      ],
      { encoding: 'buffer', maxBuffer: 1 << 20 },
    );
    return stdout.subarray(stdout.length - columns * rows);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The level (dB RMS) of a segment's sound around `hz`. */
async function toneLevel(files: [string, string], hz: number): Promise<number> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stagecast-tone-'));
  try {
    const joined = path.join(dir, 'joined.mp4');
    fs.writeFileSync(joined, Buffer.concat(files.map((file) => fs.readFileSync(file))));
    const band = `bandpass=f=${hz}:width_type=q:w=8`;
    const { stderr } = await run(resolveFfmpeg(), [
      ...['-v', 'info', '-nostats', '-i', joined, '-vn'],
      ...['-af', `${band},${band},astats=measure_perchannel=none`, '-f', 'null', '-'],
    ]);
    const level = /RMS level dB:\s*(-?[\d.]+|-inf)/.exec(stderr)?.[1];
    return level === undefined || level === '-inf' ? -Infinity : Number(level);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function normal(context: Partial<Shared>): Composition {
  const { own } = context;
  return {
    hosts: [{ hostId: 'alice', displayName: 'Alice', video: own!.videoProducer, audio: own!.audioProducer }],
    layout: 'grid',
  };
}

function battleComposition(context: Partial<Shared>, battle: Partial<RecordedBattle> = {}): Composition {
  const { opponent } = context;
  const now = Date.now();
  return {
    ...normal(context),
    battle: {
      opponents: [
        { hostId: 'bob', displayName: 'Bob', video: opponent!.videoProducer, audio: opponent!.audioProducer },
      ],
      ownName: 'Alice',
      opponentName: 'Bob',
      phase: 'live',
      startsAt: now - 1000,
      endsAt: now + 120_000,
      scores: [0, 0],
      winner: null,
      ...battle,
    },
  };
}

function consumedProducerIds(router: types.Router): Promise<string[]> {
  return router
    .dump()
    .then((dump) => dump.mapProducerIdConsumerIds.filter(({ values }) => values.length > 0).map(({ key }) => key));
}

battleTest.before(async (context) => {
  assert.ok(labelFont(), 'a font (DejaVu) is installed');
  context.pool = await startLoopbackWorkerPool(47300, logger);
  context.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stagecast-battle-'));
  const router = await context.pool.leastLoaded().worker.createRouter({ mediaCodecs: routerMediaCodecs });
  // Long enough to outlast the test on a busy machine.
  context.own = await startFfmpegRtpSource(router, {
    colour: '0x00ff00',
    size: '320x180',
    seconds: 120,
    toneHz: OWN_TONE,
  });
  context.opponent = await startFfmpegRtpSource(router, {
    colour: '0xffff00',
    size: '320x180',
    seconds: 120,
    toneHz: OPPONENT_TONE,
  });
  context.sources = [context.own, context.opponent];
  const renditions = [
    { name: 'high', width: CANVAS.width, height: CANVAS.height, videoBitrateKbps: 800 },
    { name: 'low', width: 320, height: 180, videoBitrateKbps: 300 },
  ];
  context.recorder = await HlsRecorder.start(
    { router, dir: context.dir, logger, renditions, fps: 15 },
    normal(context),
  );
  // The session's own layout first: its host fills the canvas.
  await waitForPicture(
    context,
    'the host alone on the canvas',
    [[middle({ x: 0, y: 0, ...CANVAS }, 0.3), GREEN]],
    40_000,
  );
  context.pid = context.recorder.ffmpegPid!;
  context.firstSegment = newest(context)!.name;
  const before = await toneLevel(newest(context)!.files, OPPONENT_TONE);
  assert.ok(before < -45, `the opponent is not heard before the battle (${before} dB)`);
});

battleTest.after(async (context) => {
  await context.recorder?.stop();
  for (const source of context.sources ?? []) source.stop();
  context.pool?.close();
  if (context.dir && !process.env.KEEP_DIR) fs.rmSync(context.dir, { recursive: true, force: true });
  else console.error('kept', context.dir); // eslint-disable-line no-console
});

battleTest(
  'a battle splits the picture: own camera left, the opponent right, the bar even; both are heard',
  async (context) => {
    await context.recorder!.update(battleComposition(context));
    await waitForPicture(context, 'the battle split', [
      [middle(ownArea, 0.3), GREEN],
      [middle(opponentArea, 0.3), YELLOW],
      [barAt(0.25), rgbOf(OWN_BAR_COLOUR)],
      [barAt(0.75), rgbOf(OPPONENT_BAR_COLOUR)],
    ]);
    assert.is(context.recorder!.ffmpegPid, context.pid, 'the same FFmpeg');
    const consumed = await consumedProducerIds(context.recorder!.router);
    assert.ok(consumed.includes(context.opponent!.audioProducer.id), "the opponent's microphone is consumed");
    // The audience hears both: the opponent's tone is in the mix, and the host's own still.
    const levels = await waitFor(
      "the opponent's tone in the sound",
      async () => {
        const files = newest(context)!.files;
        const [own, opponent] = [await toneLevel(files, OWN_TONE), await toneLevel(files, OPPONENT_TONE)];
        return opponent > -35 ? ([own, opponent] as const) : undefined;
      },
      10_000,
      500,
    );
    assert.ok(levels[0] > -35, `the host is still heard: ${levels.join(' / ')} dB`);
  },
);

battleTest('new scores move the split of the bar, without re-routing', async (context) => {
  const consumedBefore = await consumedProducerIds(context.recorder!.router);
  context.recorder!.setBattleScores(10, 90);
  assert.is(scoreBarSplitWidth(bar, 10, 90), 64, 'the own part shrinks to a tenth');
  await waitForPicture(context, 'the bar split at a tenth', [
    [barAt(0.05), rgbOf(OWN_BAR_COLOUR)],
    [barAt(0.25), rgbOf(OPPONENT_BAR_COLOUR)],
    [barAt(0.75), rgbOf(OPPONENT_BAR_COLOUR)],
  ]);
  context.recorder!.setBattleScores(90, 10);
  await waitForPicture(context, 'the bar split at nine tenths', [
    [barAt(0.25), rgbOf(OWN_BAR_COLOUR)],
    [barAt(0.75), rgbOf(OWN_BAR_COLOUR)],
    [barAt(0.95), rgbOf(OPPONENT_BAR_COLOUR)],
  ]);
  assert.equal((await consumedProducerIds(context.recorder!.router)).sort(), consumedBefore.sort());
  assert.is(context.recorder!.ffmpegPid, context.pid);
});

battleTest('the clock ticks in the picture by itself', async (context) => {
  const first = newest(context)!;
  const before = await greyGrid(first.files, clockRegion, 30, 6);
  assert.ok(Math.max(...before) > 150, 'white digits on the band');
  // A segment at least two seconds later: another second on the clock.
  const later = await waitFor(
    'a later segment',
    () => {
      const segment = newest(context);
      const count = listedSegments(playlistOf(context)).indexOf(first.name);
      return segment && (count === -1 || listedSegments(playlistOf(context)).length - 1 - count >= 2)
        ? segment
        : undefined;
    },
    10_000,
    200,
  );
  const after = await greyGrid(later.files, clockRegion, 30, 6);
  const changed = before.reduce((most, value, i) => Math.max(most, Math.abs(value - after[i]!)), 0);
  assert.ok(changed > 60, `the clock's digits changed (largest difference ${changed})`);
});

battleTest(
  'the result banner shows, then clearing the battle brings the layout back in the same run',
  async (context) => {
    await context.recorder!.update(battleComposition(context, { phase: 'result', scores: [90, 10], winner: 'own' }));
    // A banner sits on each side's picture.
    const bannerOf = (area: Rect): Region => ({
      x: area.x + area.width / 2 - 10,
      y: area.y + area.height / 2 - 4,
      width: 20,
      height: 8,
    });
    let covered: (Rgb | undefined)[] = [];
    await waitFor(
      'the result banners',
      async () => {
        const files = newest(context)!.files;
        covered = [
          (await frameColours(...files, bannerOf(ownArea))).at(-1),
          (await frameColours(...files, bannerOf(opponentArea))).at(-1),
        ];
        return covered.every((colour, i) => colour && colourDistance(colour, i === 0 ? GREEN : YELLOW) > 2 * SAME)
          ? true
          : undefined;
      },
      20_000,
      400,
    ).catch((error: unknown) => {
      throw new Error(`${String(error)}; last frame: ${JSON.stringify(covered)}`);
    });

    await context.recorder!.update(normal(context));
    await waitForPicture(context, 'the session layout back', [
      [middle({ x: 0, y: 0, ...CANVAS }, 0.3), GREEN],
      [barAt(0.25), GREEN],
      [barAt(0.75), GREEN],
      [clockRegion, GREEN],
    ]);
    assert.is(context.recorder!.ffmpegPid, context.pid, 'the same FFmpeg from start to end');
    const playlist = fs.readFileSync(playlistOf(context), 'utf8');
    assert.not.match(playlist, /#EXT-X-DISCONTINUITY/);
    assert.not.ok(listedSegments(playlistOf(context)).includes(context.firstSegment!), 'the window moved on');
    const consumed = await consumedProducerIds(context.recorder!.router);
    assert.not.ok(consumed.includes(context.opponent!.videoProducer.id), "the opponent's camera is let go");
    assert.not.ok(consumed.includes(context.opponent!.audioProducer.id), "and the opponent's microphone");
    for (const source of context.sources!) assert.is(source.errors(), '');
  },
);

battleTest.run();
