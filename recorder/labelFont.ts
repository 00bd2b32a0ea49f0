// The font the recorder writes host names with (camera-off tiles). Debian's
// FFmpeg pulls in DejaVu through fontconfig; without a font, names are left
// out rather than failing the broadcast.
import fs from 'node:fs';

const CANDIDATES = [
  '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf',
  '/usr/share/fonts/TTF/DejaVuSans.ttf',
  '/usr/share/fonts/dejavu/DejaVuSans.ttf',
];

/** Paths that need no escaping inside a filter graph. */
const FILTER_SAFE_PATH = /^[A-Za-z0-9_./-]+$/;

let resolved: string | null | undefined;

/** A TrueType font path usable in `drawtext`, or undefined when none is installed. */
export function labelFont(): string | undefined {
  resolved ??= CANDIDATES.find((file) => FILTER_SAFE_PATH.test(file) && fs.existsSync(file)) ?? null;
  return resolved ?? undefined;
}
