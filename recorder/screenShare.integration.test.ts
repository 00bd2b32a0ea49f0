// What the audience sees of a screen share, through the real worker and
// FFmpeg: a host publishes a camera (solid green) and a screen (solid
// magenta); in spotlight the decoded HLS frame shows the screen in the main
// area and the camera small (the studio's rule, stageFocus: a shared screen
// outranks the active speaker), and the live camera tile carries its name
// tag (a dark box with white text over the green picture).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { routerMediaCodecs } from '../sfu/mediaCodecs.ts';
import { computeLayout, screenTileKey, type Rect } from '../signaling/protocol/layoutGeometry.ts';
import { startFfmpegRtpSource, type FfmpegRtpSource } from '../testkit/ffmpegRtpSource.ts';
import { colourDistance, frameColours, type Region, type Rgb } from '../testkit/frameColours.ts';
import { listedSegments } from '../testkit/hlsFiles.ts';
import { waitFor } from '../testkit/waitFor.ts';
import { startLoopbackWorkerPool } from '../testkit/workerPool.ts';
import { HlsRecorder } from './HlsRecorder.ts';
import { labelFont } from './labelFont.ts';

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const CANVAS = { width: 640, height: 360 };
const GREEN: Rgb = [0, 255, 0];
const MAGENTA: Rgb = [255, 0, 255];
/** H.264 at 800 kbit/s and limited-range YUV blur a solid colour by this much, at most. */
const SAME = 48;

function initOf(playlist: string): string {
  let last = '';
  for (const match of fs.readFileSync(playlist, 'utf8').matchAll(/#EXT-X-MAP:URI="([^"]+)"/g)) last = match[1]!;
  return last;
}

/** The middle of a rect, `share` of its size. */
function middle(rect: Rect, share: number): Region {
  const width = Math.max(2, Math.round(rect.width * share));
  const height = Math.max(2, Math.round(rect.height * share));
  return {
    x: rect.x + Math.round((rect.width - width) / 2),
    y: rect.y + Math.round((rect.height - height) / 2),
    width,
    height,
  };
}

test('a shared screen takes the main area in spotlight, the camera goes small, live tiles are named', async () => {
  assert.ok(labelFont(), 'a font for the names (DejaVu) is installed');
  const pool = await startLoopbackWorkerPool(43100, logger);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stagecast-screen-'));
  const sources: FfmpegRtpSource[] = [];
  let recorder: HlsRecorder | undefined;
  try {
    const router = await pool.leastLoaded().worker.createRouter({ mediaCodecs: routerMediaCodecs });
    const camera = await startFfmpegRtpSource(router, { colour: '0x00ff00', size: '320x180', seconds: 60 });
    sources.push(camera);
    const screen = await startFfmpegRtpSource(router, {
      colour: '0xff00ff',
      size: '640x360',
      seconds: 60,
      sources: { video: 'screen', audio: 'screen-audio' },
    });
    sources.push(screen);
    const renditions = [
      { name: 'high', width: CANVAS.width, height: CANVAS.height, videoBitrateKbps: 800 },
      { name: 'low', width: 320, height: 180, videoBitrateKbps: 300 },
    ];
    recorder = await HlsRecorder.start(
      { router, dir, logger, renditions, fps: 15 },
      {
        hosts: [
          {
            hostId: 'h0',
            displayName: 'Alice',
            video: camera.videoProducer,
            audio: camera.audioProducer,
            screen: screen.videoProducer,
            screenAudio: screen.audioProducer,
          },
        ],
        layout: 'spotlight',
        // The host is the active speaker: the screen still takes the main tile.
        focusHostId: 'h0',
      },
    );

    const tiles = computeLayout('spotlight', CANVAS, ['h0', screenTileKey('h0')], {
      gap: 8,
      focusPeerId: screenTileKey('h0'),
    });
    const main = tiles[1]!.rect;
    const thumbnail = tiles[0]!.rect;
    // The tag sits in the bottom-left corner (slotGraph.ts: 12 px text, 4 px box border on a 72 px tile).
    const tag: Region = { x: thumbnail.x + 6, y: thumbnail.y + thumbnail.height - 14, width: 16, height: 8 };
    // The camera's picture away from its tag.
    const cameraPicture: Region = {
      x: thumbnail.x + Math.round(thumbnail.width * 0.6),
      y: thumbnail.y + 6,
      width: Math.round(thumbnail.width * 0.3),
      height: Math.round(thumbnail.height * 0.4),
    };

    const playlist = path.join(dir, 'high', 'index.m3u8');
    let seen: Record<string, Rgb | undefined> = {};
    await waitFor(
      'the screen in the main area and the named camera small',
      async () => {
        const segment = listedSegments(playlist).at(-1);
        if (!segment) return undefined;
        const files = [path.join(dir, 'high', initOf(playlist)), path.join(dir, 'high', segment)] as const;
        const last = async (region: Region) => (await frameColours(...files, region)).at(-1);
        seen = {
          main: await last(middle(main, 0.5)),
          camera: await last(cameraPicture),
          tag: await last(tag),
        };
        const { main: inMain, camera: inCamera, tag: inTag } = seen;
        return inMain &&
          inCamera &&
          inTag &&
          colourDistance(inMain, MAGENTA) <= SAME &&
          colourDistance(inCamera, GREEN) <= SAME &&
          colourDistance(inTag, GREEN) > 2 * SAME
          ? true
          : undefined;
      },
      30_000,
      500,
    ).catch((error: unknown) => {
      throw new Error(`${String(error)}; last frame: ${JSON.stringify(seen)}`);
    });
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
