// What a slot sends while no host feeds it: a tiny VP8 key frame in the
// camera-off colour (the placeholder's, so a camera that has not sent its
// first key frame yet looks like a camera-off tile; decodable on its own, so
// a slot can fall back to it at any packet) and 20 ms of Opus silence.
// FFmpeg's compositor waits for a frame on every input, so an empty slot
// must still flow.
import { PLACEHOLDER } from './slotGraph.ts';
import { encodeVp8Still } from './vp8Still.ts';

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

function encodeVp8KeyFrame(): Promise<Buffer> {
  return encodeVp8Still(['-f', 'lavfi', '-i', `color=c=${PLACEHOLDER}:s=${FILLER_SIZE}:r=1`], '[0:v]null[out]', {
    min: 4,
    max: 63,
  });
}
