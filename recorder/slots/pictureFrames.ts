// The frame a picture slot shows: an uploaded logo or backdrop made into one
// VP8 key frame for the canvas it goes on. The backdrop covers the whole
// canvas (cropped to its proportions); the logo is fitted into the corner
// box the studio's preview uses (logoBox) and laid on the key colour, which
// the graph makes transparent again (VP8 carries no alpha, and a logo is
// rarely a rectangle).
import type { OnScreenPicture } from '../../signaling/protocol/onScreen.ts';
import { logoBox } from '../../signaling/protocol/onScreen.ts';
import { LOGO_KEY_COLOUR } from './slotGraph.ts';
import { encodeVp8Still, vp8KeyFrameSize, vp8Payloads } from './vp8Still.ts';

/**
 * Quantizers (4–63, lower is finer): a logo is small and must stay sharp; a
 * backdrop is large, mostly under the tiles and sent ~25 times a second, so
 * a coarser frame (a few tens of KB at 720p) is the better trade.
 */
const QUALITY: Record<OnScreenPicture, { min: number; max: number }> = {
  logo: { min: 4, max: 16 },
  backdrop: { min: 24, max: 40 },
};

/** One key frame of a picture: its RTP payloads and its size. */
export interface PictureFrame {
  payloads: Buffer[];
  width: number;
  height: number;
}

/** The picture in `file` as one key frame for a `canvas`-sized picture. */
export async function pictureFrame(
  file: string,
  picture: OnScreenPicture,
  canvas: { width: number; height: number },
): Promise<PictureFrame> {
  const filter =
    picture === 'backdrop'
      ? `[0:v]scale=${canvas.width}:${canvas.height}:force_original_aspect_ratio=increase,` +
        `crop=${canvas.width}:${canvas.height},setsar=1,format=yuv420p[out]`
      : logoFilter(logoBox(canvas));
  const frame = await encodeVp8Still(['-i', file], filter, QUALITY[picture]);
  return { payloads: vp8Payloads(frame), ...vp8KeyFrameSize(frame) };
}

/** The logo fitted into `box` (proportions kept, even sides), its transparent parts in the key colour. */
function logoFilter(box: { width: number; height: number }): string {
  return [
    `[0:v]scale=${box.width}:${box.height}:force_original_aspect_ratio=decrease:force_divisible_by=2,` +
      `setsar=1,format=rgba[logo]`,
    `color=c=${LOGO_KEY_COLOUR}:s=2x2,format=rgba[key]`,
    // The key colour at the logo's size, the logo over it.
    `[key][logo]scale2ref[keyed][sized]`,
    `[keyed][sized]overlay=format=auto:shortest=1,format=yuv420p[out]`,
  ].join(';');
}
