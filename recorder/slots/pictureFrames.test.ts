// A picture slot's frame, made by the real FFmpeg from an uploaded picture:
// one VP8 key frame in RTP payloads a decoder can start at, the backdrop at
// the canvas's size, the logo fitted into its corner box with its
// transparent part in the key colour the graph removes.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { logoBox } from '../../signaling/protocol/onScreen.ts';
import { colourDistance, rgbOf, type Rgb } from '../../testkit/frameColours.ts';
import { colourPng } from '../../testkit/pictureFiles.ts';
import { resolveFfmpeg } from '../ffmpegBinary.ts';
import { pictureFrame } from './pictureFrames.ts';
import { LOGO_KEY_COLOUR } from './slotGraph.ts';
import { startsVp8KeyFrame } from './vp8KeyFrame.ts';
import { vp8KeyFrameSize } from './vp8Still.ts';

const canvas = { width: 1280, height: 720 };
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stagecast-picture-frames-'));
test.after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** The frame the payloads carry (descriptors removed), decoded: its size and its pixels (RGB). */
async function decode(
  payloads: Buffer[],
): Promise<{ width: number; height: number; pixel: (x: number, y: number) => Rgb }> {
  const frame = Buffer.concat(payloads.map((payload) => payload.subarray(1)));
  // An IVF file of that one frame: what FFmpeg reads VP8 from.
  const header = Buffer.alloc(32);
  header.write('DKIF', 0, 'latin1');
  header.writeUInt16LE(32, 6);
  header.write('VP80', 8, 'latin1');
  header.writeUInt32LE(1, 16);
  header.writeUInt32LE(1, 20);
  header.writeUInt32LE(1, 24);
  const frameHeader = Buffer.alloc(12);
  frameHeader.writeUInt32LE(frame.length, 0);
  const file = path.join(dir, `frame-${payloads.length}.ivf`);
  fs.writeFileSync(file, Buffer.concat([header, frameHeader, frame]));
  const { stdout } = await promisify(execFile)(
    resolveFfmpeg(),
    ['-v', 'error', '-i', file, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'],
    {
      encoding: 'buffer',
      maxBuffer: 16 << 20,
    },
  );
  // The size the key frame says, and one picture of it decoded.
  const { width, height } = vp8KeyFrameSize(frame);
  assert.is(stdout.length, width * height * 3, `one ${width}×${height} picture decoded`);
  return {
    width,
    height,
    pixel: (x, y) => {
      const at = (y * width + x) * 3;
      return [stdout[at]!, stdout[at + 1]!, stdout[at + 2]!];
    },
  };
}

test('a backdrop covers the canvas: one key frame in payloads a decoder can start at', async () => {
  const file = path.join(dir, 'backdrop.png');
  fs.writeFileSync(file, colourPng('ff9800', 400, 400));
  const { payloads, width, height } = await pictureFrame(file, 'backdrop', canvas);
  assert.equal([width, height], [canvas.width, canvas.height], 'its size, as the frame says');
  assert.ok(payloads.length > 1, `a 720p frame spans packets (${payloads.length})`);
  assert.ok(startsVp8KeyFrame(payloads[0]!), 'the first payload starts a key frame');
  assert.ok(
    payloads.slice(1).every((payload) => payload[0] === 0x00),
    'the others continue it',
  );
  assert.ok(
    payloads.every((payload) => payload.length <= 1100),
    'each fits a packet',
  );
  const picture = await decode(payloads);
  assert.equal([picture.width, picture.height], [canvas.width, canvas.height], 'cropped to the canvas');
  for (const [x, y] of [
    [10, 10],
    [640, 360],
    [1270, 710],
  ] as const) {
    assert.ok(colourDistance(picture.pixel(x, y), rgbOf('ff9800')) < 40, `orange at ${x},${y}`);
  }
});

test('a logo is fitted into its corner box, its transparent half in the key colour; a file that is not a picture is refused', async () => {
  const file = path.join(dir, 'logo.png');
  fs.writeFileSync(file, colourPng('ffeb3b', 400, 200, true));
  const frame = await pictureFrame(file, 'logo', canvas);
  const picture = await decode(frame.payloads);
  assert.equal([frame.width, frame.height], [picture.width, picture.height]);
  const box = logoBox(canvas);
  assert.equal([picture.width, picture.height], [box.width, box.width / 2], 'proportions kept, as wide as the box');
  const middle = picture.height / 2;
  assert.ok(
    colourDistance(picture.pixel(picture.width / 4, middle), rgbOf(LOGO_KEY_COLOUR.slice(2))) < 40,
    'key colour',
  );
  assert.ok(colourDistance(picture.pixel((picture.width * 3) / 4, middle), rgbOf('ffeb3b')) < 40, 'the logo');

  const notAPicture = path.join(dir, 'not-a-picture.png');
  fs.writeFileSync(notAPicture, 'hello');
  await pictureFrame(notAPicture, 'logo', canvas).then(
    () => assert.unreachable('a broken file made a frame'),
    (error: unknown) => assert.instance(error, Error),
  );
});

test.run();
