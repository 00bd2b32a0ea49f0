// Pictures for upload tests and the bench, made with FFmpeg: PNGs of known
// colours that tests look for in the broadcast (opaque, or with a
// transparent left half: a logo that is not a rectangle), and a detailed
// one (a JPEG) that costs an encoder what a photo would.
import { execFileSync } from 'node:child_process';
import { resolveFfmpeg } from '../recorder/ffmpegBinary.ts';

/** A `width`×`height` PNG in `colour` (hex, e.g. 'ff9800'); with `transparentLeft`, its left half see-through. */
export function colourPng(colour: string, width: number, height: number, transparentLeft = false): Buffer {
  const solidWidth = transparentLeft ? width / 2 : width;
  const filter = `color=c=0x${colour}:s=${solidWidth}x${height},format=rgba,pad=${width}:${height}:${width - solidWidth}:0:color=0x00000000`;
  return execFileSync(resolveFfmpeg(), [
    ...['-v', 'error', '-f', 'lavfi', '-i', filter],
    ...['-frames:v', '1', '-c:v', 'png', '-f', 'image2pipe', '-'],
  ]);
}

/** A `width`×`height` JPEG as detailed as a photo: colour bars under grain (every pixel differs from its neighbours). */
export function detailedJpeg(width: number, height: number): Buffer {
  return execFileSync(
    resolveFfmpeg(),
    [
      ...['-v', 'error', '-f', 'lavfi', '-i', `smptehdbars=s=${width}x${height},noise=alls=24:allf=u`],
      ...['-frames:v', '1', '-c:v', 'mjpeg', '-q:v', '3', '-f', 'image2pipe', '-'],
    ],
    { maxBuffer: 8 << 20 },
  );
}
