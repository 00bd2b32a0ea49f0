// What a viewer would see in one spot of an HLS segment: the average colour
// of a rectangle in each decoded frame (init segment + media segment joined).
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { resolveFfmpeg } from '../recorder/ffmpegBinary.ts';

const run = promisify(execFile);

export interface Region {
  x: number;
  y: number;
  width: number;
  height: number;
}

export type Rgb = [number, number, number];

/** The average colour of `region` in every frame of `init` + `segment` (files or bytes). */
export async function frameColours(init: string | Buffer, segment: string | Buffer, region: Region): Promise<Rgb[]> {
  const read = (file: string | Buffer) => (typeof file === 'string' ? fs.readFileSync(file) : file);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stagecast-frames-'));
  const joined = path.join(dir, 'joined.mp4');
  try {
    fs.writeFileSync(joined, Buffer.concat([read(init), read(segment)]));
    const { stdout } = await run(
      resolveFfmpeg(),
      [
        ...['-v', 'error', '-i', joined, '-an'],
        ...['-vf', `crop=${region.width}:${region.height}:${region.x}:${region.y},scale=1:1`],
        ...['-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'],
      ],
      { encoding: 'buffer', maxBuffer: 1 << 20 },
    );
    const colours: Rgb[] = [];
    for (let offset = 0; offset + 3 <= stdout.length; offset += 3) {
      colours.push([stdout[offset]!, stdout[offset + 1]!, stdout[offset + 2]!]);
    }
    return colours;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The largest difference of one channel: 0 = the same colour. */
export function colourDistance(a: readonly number[], b: readonly number[]): number {
  return Math.max(...a.map((value, i) => Math.abs(value - b[i]!)));
}

/** `0x101418` → [16, 20, 24]. */
export function rgbOf(hex: string): Rgb {
  const value = Number.parseInt(hex.replace(/^0x|^#/, ''), 16);
  return [(value >> 16) & 0xff, (value >> 8) & 0xff, value & 0xff];
}
