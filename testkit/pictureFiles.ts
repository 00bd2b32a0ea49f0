// Pictures of known colours for upload tests that look for them in the
// broadcast: PNGs made with FFmpeg, opaque or with a transparent left half
// (a logo that is not a rectangle).
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
