// Reading what the recorder wrote, for tests that watch its folders.
import fs from 'node:fs';

/** The segment file names a media playlist lists (none while it does not exist yet). */
export function listedSegments(playlist: string): string[] {
  if (!fs.existsSync(playlist)) return [];
  return fs
    .readFileSync(playlist, 'utf8')
    .split('\n')
    .filter((line) => line.endsWith('.m4s'));
}
