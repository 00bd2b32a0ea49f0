// Two stand-in hosts (FFmpeg test sources over PlainTransports) recorded to
// live HLS through the real worker and FFmpeg; the output is checked with
// ffprobe like a player would see it; a layout change and the show's
// pictures reach the picture without restarting FFmpeg.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { routerMediaCodecs } from '../sfu/mediaCodecs.ts';
import { startLoopbackWorkerPool } from '../testkit/workerPool.ts';
import { startFfmpegRtpSource, type FfmpegRtpSource } from '../testkit/ffmpegRtpSource.ts';
import { colourDistance, frameColours, rgbOf } from '../testkit/frameColours.ts';
import { colourPng } from '../testkit/pictureFiles.ts';
import { EMPTY_ON_SCREEN, logoBox, type OnScreenState } from '../signaling/protocol/onScreen.ts';
import { HlsRecorder } from './HlsRecorder.ts';
import { BACKGROUND, PLACEHOLDER } from './slots/slotGraph.ts';
import { listedSegments } from '../testkit/hlsFiles.ts';
import { waitFor } from '../testkit/waitFor.ts';

const run = promisify(execFile);
const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

function initPath(dir: string, playlist: string): string {
  return path.join(dir, 'high', initOf(playlist));
}

function segmentPath(dir: string, playlist: string, index: number): string {
  return path.join(dir, 'high', listedSegments(playlist).at(index)!);
}

function initOf(playlist: string): string {
  const map = /#EXT-X-MAP:URI="([^"]+)"/g;
  let last = '';
  for (const match of fs.readFileSync(playlist, 'utf8').matchAll(map)) last = match[1]!;
  return last;
}

async function probeSegment(dir: string, playlist: string, segment: string) {
  const joined = path.join(dir, 'probe.mp4');
  fs.writeFileSync(
    joined,
    Buffer.concat([fs.readFileSync(path.join(dir, initOf(playlist))), fs.readFileSync(path.join(dir, segment))]),
  );
  const { stdout } = await run('ffprobe', [
    ...['-v', 'error', '-count_frames', '-show_entries', 'stream=codec_type,codec_name,width,height,nb_read_frames'],
    ...['-of', 'json'],
    joined,
  ]);
  return JSON.parse(stdout) as {
    streams: { codec_type: string; codec_name: string; width?: number; height?: number; nb_read_frames: string }[];
  };
}

test('two hosts become a playable HLS ladder whose window advances', async () => {
  const pool = await startLoopbackWorkerPool(43000, logger);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stagecast-hls-'));
  const sources: FfmpegRtpSource[] = [];
  let recorder: HlsRecorder | undefined;
  try {
    const router = await pool.leastLoaded().worker.createRouter({ mediaCodecs: routerMediaCodecs });
    // Long enough to outlast the test on a busy machine: a source that ends
    // stalls every input, and the recorder then restarts FFmpeg in vain.
    sources.push(
      await startFfmpegRtpSource(router, { hue: 0, seconds: 120 }),
      await startFfmpegRtpSource(router, { hue: 120, seconds: 120 }),
    );
    const hosts = sources.map((source, i) => ({
      hostId: `h${i}`,
      video: source.videoProducer,
      audio: source.audioProducer,
    }));
    // A small ladder at 15 fps keeps this test light on a 2-core machine; the
    // production ladder (720p/360p at 30 fps) runs the same code.
    const renditions = [
      { name: 'high', width: 640, height: 360, videoBitrateKbps: 800 },
      { name: 'low', width: 320, height: 180, videoBitrateKbps: 300 },
    ];
    const pictureFile = (url: string) =>
      url.startsWith('/pictures/') ? path.join(dir, url.slice('/pictures/'.length)) : undefined;
    recorder = await HlsRecorder.start(
      { router, dir, logger, renditions, fps: 15, pictureFile },
      { hosts, layout: 'grid' },
    );

    const master = await waitFor(
      'master playlist',
      () => (fs.existsSync(recorder!.masterPlaylist) ? true : undefined),
      40_000,
    );
    assert.ok(master);
    const masterText = fs.readFileSync(recorder.masterPlaylist, 'utf8');
    assert.match(masterText, /RESOLUTION=640x360/);
    assert.match(masterText, /RESOLUTION=320x180/);

    const playlist = path.join(dir, 'high', 'index.m3u8');
    const first = await waitFor(
      'three segments',
      () => (listedSegments(playlist).length >= 3 ? listedSegments(playlist) : undefined),
      40_000,
    );
    const text = fs.readFileSync(playlist, 'utf8');
    assert.match(text, /#EXT-X-PROGRAM-DATE-TIME:/);
    assert.match(text, /#EXT-X-MAP:URI=/);

    const probe = await probeSegment(path.join(dir, 'high'), playlist, first[1]!);
    const video = probe.streams.find((stream) => stream.codec_type === 'video');
    assert.equal([video?.codec_name, video?.width, video?.height], ['h264', 640, 360]);
    assert.is(probe.streams.find((stream) => stream.codec_type === 'audio')?.codec_name, 'aac');
    // About one second of 15 fps video per segment.
    const frames = Number(video?.nb_read_frames);
    assert.ok(frames >= 12 && frames <= 18, `frames in a segment: ${frames}`);

    // The live window moves on.
    await waitFor('window to advance', () => (listedSegments(playlist)[0] !== first[0] ? true : undefined), 40_000);
    // Still with sound: about a second of AAC (46.9 frames) in the newest segment, not just the first ones.
    const newest = await probeSegment(path.join(dir, 'high'), playlist, listedSegments(playlist).at(-1)!);
    const audioFrames = Number(newest.streams.find((stream) => stream.codec_type === 'audio')?.nb_read_frames);
    assert.ok(audioFrames >= 40, `audio frames in the newest segment: ${audioFrames}`);

    // A layout change moves the tiles inside the running FFmpeg: the same
    // process, no discontinuity for players, and the new picture in the
    // output. The canvas centre is the gap between two grid tiles
    // (background); in pip it is the middle of h1's camera.
    const centre = { x: 318, y: 178, width: 4, height: 4 };
    const background = rgbOf(BACKGROUND);
    // The cameras are on air in the grid (not the camera-off fill the slots
    // carry until a camera joins): the middle of h0's tile shows its picture.
    const middleOfFirstTile = { x: 120, y: 140, width: 80, height: 80 };
    await waitFor(
      'the first camera on air',
      async () => {
        const colours = await frameColours(initPath(dir, playlist), segmentPath(dir, playlist, -1), middleOfFirstTile);
        return colours.some(
          (rgb) => colourDistance(rgb, rgbOf(PLACEHOLDER)) > 12 && colourDistance(rgb, background) > 12,
        )
          ? true
          : undefined;
      },
      20_000,
      500,
    );
    const gridColours = await frameColours(initPath(dir, playlist), segmentPath(dir, playlist, -1), centre);
    assert.ok(
      gridColours.every((rgb) => colourDistance(rgb, background) <= 12),
      `grid: the centre is the gap (${JSON.stringify(gridColours[0])})`,
    );
    const pid = recorder.ffmpegPid;
    const listedBefore = new Set(listedSegments(playlist));
    await recorder.update({ hosts, layout: 'pip', focusHostId: 'h1' });
    let seen: number[] | undefined;
    await waitFor(
      'the pip layout in a new segment',
      async () => {
        for (const segment of listedSegments(playlist).filter((name) => !listedBefore.has(name))) {
          listedBefore.add(segment);
          const colours = await frameColours(initPath(dir, playlist), path.join(dir, 'high', segment), centre);
          seen = colours.at(-1);
          // Any camera content: the test pattern's darkest bar is black, 24 levels from the background.
          if (colours.some((rgb) => colourDistance(rgb, background) > 12)) return true;
        }
        return undefined;
      },
      20_000,
    ).catch((error: unknown) => {
      throw new Error(`${String(error)}; the centre was ${JSON.stringify(seen)}`);
    });
    assert.is(recorder.ffmpegPid, pid, 'the layout changed without restarting FFmpeg');
    assert.not.match(fs.readFileSync(playlist, 'utf8'), /#EXT-X-DISCONTINUITY/, 'players see one continuous stream');

    // The show's pictures: an orange backdrop under the tiles (the top strip is background in a grid) and a
    // yellow logo in the top-right corner, each from its stored file; the same FFmpeg shows them.
    fs.writeFileSync(path.join(dir, 'backdrop.png'), colourPng('ff9800', 320, 180));
    fs.writeFileSync(path.join(dir, 'logo.png'), colourPng('ffeb3b', 200, 100));
    const withPictures: OnScreenState = {
      ...EMPTY_ON_SCREEN,
      pictures: { backdrop: '/pictures/backdrop.png', logo: '/pictures/logo.png' },
    };
    const box = logoBox({ width: 640, height: 360 });
    const pictureSpots = [
      { spot: { x: 200, y: 4, width: 4, height: 4 }, colour: 'ff9800' },
      { spot: { x: box.x + 8, y: box.y + 8, width: 4, height: 4 }, colour: 'ffeb3b' },
      { spot: { x: box.x + box.width - 12, y: box.y + 8, width: 4, height: 4 }, colour: 'ffeb3b' },
    ];
    const showsPictures = async () => {
      const segment = segmentPath(dir, playlist, -1);
      const found = await Promise.all(
        pictureSpots.map(async ({ spot }) => (await frameColours(initPath(dir, playlist), segment, spot)).at(-1)),
      );
      seen = found.flat() as number[];
      return pictureSpots.every(({ colour }, index) => found[index] && colourDistance(found[index], rgbOf(colour)) < 40)
        ? true
        : undefined;
    };
    await recorder.update({ hosts, layout: 'grid', onScreen: withPictures });
    await waitFor('the backdrop and the logo', showsPictures, 20_000, 500).catch((error: unknown) => {
      throw new Error(`${String(error)}; the spots were ${JSON.stringify(seen)}`);
    });
    assert.is(recorder.ffmpegPid, pid, 'the pictures came without restarting FFmpeg');

    // FFmpeg dies: the recorder restarts it and the playlist advances again.
    const beforeCrash = listedSegments(playlist).at(-1)!;
    const crashedPid = recorder.ffmpegPid!;
    process.kill(crashedPid, 'SIGKILL');
    await waitFor(
      'segments after FFmpeg was killed',
      () => (recorder!.ffmpegPid !== crashedPid && listedSegments(playlist).at(-1) !== beforeCrash ? true : undefined),
      40_000,
    );
    // The new FFmpeg starts with the pictures on.
    await waitFor('the pictures after the restart', showsPictures, 20_000, 500);
    for (const source of sources) assert.is(source.errors(), '');
  } finally {
    await recorder?.stop();
    for (const source of sources) source.stop();
    pool.close();
    if (!process.env.KEEP_DIR) fs.rmSync(dir, { recursive: true, force: true });
    else console.error('kept', dir); // eslint-disable-line no-console
  }
});

test.run();
