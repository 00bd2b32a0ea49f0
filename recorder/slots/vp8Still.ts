// One still picture as a VP8 key frame, and that frame as RTP payloads: what
// a slot sends while no host feeds it (fillerMedia.ts) and what a picture
// slot shows (pictureFrames.ts). A key frame decodes on its own, so FFmpeg
// can start reading the slot at any frame, and the same frame can be sent
// again and again.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { resolveFfmpeg } from '../ffmpegBinary.ts';

const run = promisify(execFile);

/** RTP payload bytes per packet, descriptor included: well under any loopback or path MTU. */
const MAX_PAYLOAD_BYTES = 1100;
/** VP8 payload descriptor (RFC 7741): S=1, partition 0 (a frame's first packet), then S=0. */
const FIRST_PACKET = 0x10;
const LATER_PACKET = 0x00;

/**
 * Encodes the first frame of `filter`'s output (`[out]`, from `input`, e.g.
 * `-i picture.png`) as one VP8 key frame with the installed FFmpeg, at
 * quantizers `quality` (lower is finer: 4–63).
 */
export async function encodeVp8Still(
  input: readonly string[],
  filter: string,
  quality: { min: number; max: number },
): Promise<Buffer> {
  const { stdout } = await run(
    resolveFfmpeg(),
    [
      ...['-hide_banner', '-loglevel', 'error', '-nostdin'],
      ...input,
      ...['-filter_complex', filter, '-map', '[out]', '-frames:v', '1'],
      ...['-c:v', 'libvpx', '-b:v', '20M', '-qmin', String(quality.min), '-qmax', String(quality.max)],
      ...['-f', 'ivf', '-'],
    ],
    { encoding: 'buffer', maxBuffer: 16 << 20, timeout: 30_000 },
  );
  // IVF: a 32-byte file header, then per frame a 12-byte header (size, pts).
  if (stdout.length < 44) throw new Error('FFmpeg produced no VP8 frame');
  const size = stdout.readUInt32LE(32);
  const frame = stdout.subarray(44, 44 + size);
  if (frame.length !== size || size === 0) throw new Error('FFmpeg produced no VP8 frame');
  return Buffer.from(frame);
}

/** A VP8 key frame's picture size (after its 3-byte tag and 3-byte start code: 14 bits each, RFC 6386 9.1). */
export function vp8KeyFrameSize(frame: Buffer): { width: number; height: number } {
  if (frame.length < 10) throw new RangeError('not a VP8 key frame');
  return { width: frame.readUInt16LE(6) & 0x3fff, height: frame.readUInt16LE(8) & 0x3fff };
}

/** A VP8 frame cut into RTP payloads, each with its payload descriptor. */
export function vp8Payloads(frame: Buffer): Buffer[] {
  const payloads: Buffer[] = [];
  const chunk = MAX_PAYLOAD_BYTES - 1;
  for (let offset = 0; offset < frame.length; offset += chunk) {
    const descriptor = offset === 0 ? FIRST_PACKET : LATER_PACKET;
    payloads.push(Buffer.concat([Buffer.from([descriptor]), frame.subarray(offset, offset + chunk)]));
  }
  return payloads;
}
