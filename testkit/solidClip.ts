// A fake camera of one known colour: a short .y4m clip (Chromium loops it)
// made with FFmpeg, for tests that look for a host's camera in the broadcast;
// and a fake microphone of one known tone.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolveFfmpeg } from '../recorder/ffmpegBinary.ts';

/** Writes a `colour` (hex, e.g. 'ff00ff') clip; returns its path and a function that removes it. */
export function solidColourClip(colour: string, size = '320x180', fps = 15): { file: string; remove: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stagecast-clip-'));
  const file = path.join(dir, `${colour}.y4m`);
  execFileSync(resolveFfmpeg(), [
    ...['-v', 'error', '-f', 'lavfi', '-i', `color=c=0x${colour}:s=${size}:r=${fps}`],
    ...['-t', '2', '-pix_fmt', 'yuv420p', '-y', file],
  ]);
  return { file, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/**
 * A fake microphone: a `hz` tone whose loudness swells and fades three times
 * a second (a steady tone is what noise suppression learns to remove), as a
 * .wav Chromium loops.
 */
export function toneClip(hz: number): { file: string; remove: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stagecast-tone-'));
  const file = path.join(dir, `tone-${hz}.wav`);
  execFileSync(resolveFfmpeg(), [
    ...['-v', 'error', '-f', 'lavfi', '-i', `sine=frequency=${hz}:sample_rate=48000:duration=4`],
    ...['-af', 'volume=0.5,tremolo=f=3:d=0.7', '-ac', '1', '-y', file],
  ]);
  return { file, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
