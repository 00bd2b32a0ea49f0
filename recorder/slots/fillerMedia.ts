// What a slot sends while no host feeds it: a tiny VP8 key frame in the
// camera-off colour (the placeholder's, so a camera that has not sent its
// first key frame yet looks like a camera-off tile) (decodable on its own, so a slot can fall back to it at
// any packet) and 20 ms of Opus silence. FFmpeg's compositor waits for a
// frame on every input, so an empty slot must still flow.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { resolveFfmpeg } from '../ffmpegBinary.ts';
import { PLACEHOLDER } from './slotGraph.ts';

const run = promisify(execFile);

const FILLER_SIZE = '64x36';

/**
 * One 20 ms stereo Opus frame of silence: TOC 0xfc (CELT fullband, 20 ms,
 * stereo, one frame) and the two bytes a CELT decoder reads as "silence".
 */
export const OPUS_SILENCE = Buffer.from([0xfc, 0xff, 0xfe]);

let vp8KeyFrame: Promise<Buffer> | undefined;

/** The filler's VP8 key frame (encoded once per process by the installed FFmpeg). */
export function fillerVp8KeyFrame(): Promise<Buffer> {
  vp8KeyFrame ??= encodeVp8KeyFrame().catch((error: unknown) => {
    vp8KeyFrame = undefined;
    throw error;
  });
  return vp8KeyFrame;
}

async function encodeVp8KeyFrame(): Promise<Buffer> {
  const { stdout } = await run(
    resolveFfmpeg(),
    [
      ...['-hide_banner', '-loglevel', 'error', '-nostdin'],
      ...['-f', 'lavfi', '-i', `color=c=${PLACEHOLDER}:s=${FILLER_SIZE}:r=1`],
      ...['-frames:v', '1', '-c:v', 'libvpx', '-b:v', '100k', '-f', 'ivf', '-'],
    ],
    { encoding: 'buffer', maxBuffer: 1 << 20 },
  );
  // IVF: a 32-byte file header, then per frame a 12-byte header (size, pts).
  const size = stdout.readUInt32LE(32);
  const frame = stdout.subarray(44, 44 + size);
  if (frame.length !== size || size === 0) throw new Error('FFmpeg produced no VP8 filler frame');
  return Buffer.from(frame);
}
