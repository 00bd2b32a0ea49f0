import fs from 'node:fs';

/** Writes `file` so that readers (players, the watchdog, VOD archiving) see all of it or none: a temp file, renamed. */
export function writeWhole(file: string, data: Buffer | string): void {
  const temp = `${file}.tmp`;
  fs.writeFileSync(temp, data);
  fs.renameSync(temp, file);
}
