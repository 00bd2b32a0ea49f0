// How long a stopped microphone takes to go quiet for the audience, and a
// microphone its host turns back on to be heard again: the primary host
// stops a co-host's microphone (`multihost:stop-host-media`, as the studio's
// host list does), then the co-host turns it on again itself
// (`webrtc:toggle-track`: only they may). Each is timed from the request to
// the first listed segment whose sound shows it. The co-host plays the
// bench's test tone (440 Hz, swelling between about -26 and -6 dBFS); the
// primary host plays the marks clip (silence and 3 kHz beeps), so in the mix
// the 440 Hz band is the co-host alone: below SILENT_DB it was stopped,
// above HEARD_DB it is back.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { resolveFfmpeg } from '../../recorder/ffmpegBinary.ts';
import { summarize, type Percentiles } from '../stats.ts';
import { measureSegmentChange, type ChangeToOutput } from './changeToOutput.ts';
import { parseMetadataPrint } from './avDrift.ts';

/** The tone's band in 50 ms windows: the tone never falls this low while it plays... */
const SILENT_DB = -45;
/** ...and always rises above this within a window or two. */
const HEARD_DB = -35;
const TONE_HZ = 440;
/** Samples per window at 48 kHz: 50 ms. */
const WINDOW_SAMPLES = 2400;

export interface MutePlan {
  mediaPlaylistUrl: string;
  /** The primary host stops the co-host's microphone. */
  stop: () => Promise<void>;
  /** The co-host turns it on again. */
  restart: () => Promise<void>;
  rounds: number;
  timeoutMs: number;
}

export interface MuteFigures {
  muteToOutputMs: Percentiles | null;
  unmuteToOutputMs: Percentiles | null;
  rounds: number;
  errors: string[];
}

export async function measureMuteToOutput(plan: MutePlan): Promise<MuteFigures> {
  const measure = (change: () => Promise<void>, to: 'silent' | 'heard'): Promise<ChangeToOutput> =>
    measureSegmentChange({
      mediaPlaylistUrl: plan.mediaPlaylistUrl,
      change,
      timeoutMs: plan.timeoutMs,
      shows: async (init, media) =>
        (await toneLevels(init, media)).some((db) => (to === 'silent' ? db < SILENT_DB : db > HEARD_DB)),
    });
  const errors: string[] = [];
  const mutedMs: number[] = [];
  const heardMs: number[] = [];
  try {
    for (let round = 0; round < plan.rounds; round++) {
      const muted = await measure(plan.stop, 'silent');
      if (muted.listedMs === null) {
        errors.push(`stopped: ${muted.error}`);
        break;
      }
      mutedMs.push(muted.listedMs);
      const heard = await measure(plan.restart, 'heard');
      if (heard.listedMs === null) {
        errors.push(`back on: ${heard.error}`);
        break;
      }
      heardMs.push(heard.listedMs);
    }
  } catch (error) {
    errors.push(error instanceof Error ? error.message : String(error));
  }
  return {
    muteToOutputMs: mutedMs.length > 0 ? summarize(mutedMs, 0) : null,
    unmuteToOutputMs: heardMs.length > 0 ? summarize(heardMs, 0) : null,
    rounds: Math.min(mutedMs.length, heardMs.length),
    errors,
  };
}

/** The tone's band level (dBFS) in each 50 ms window of a segment's sound. */
async function toneLevels(init: Buffer, media: Buffer): Promise<number[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stagecast-bench-mute-'));
  try {
    const joined = path.join(dir, 'joined.mp4');
    const levels = path.join(dir, 'levels.txt');
    fs.writeFileSync(joined, Buffer.concat([init, media]));
    const band = `bandpass=f=${TONE_HZ}:width_type=q:w=5`;
    await promisify(execFile)(resolveFfmpeg(), [
      ...['-v', 'error', '-i', joined, '-vn'],
      '-af',
      `pan=mono|c0=0.5*c0+0.5*c1,${band},${band},asetnsamples=n=${WINDOW_SAMPLES},astats=metadata=1:reset=1,` +
        `ametadata=mode=print:key=lavfi.astats.Overall.RMS_level:file=${levels}`,
      ...['-f', 'null', '-'],
    ]);
    return parseMetadataPrint(fs.readFileSync(levels, 'utf8'), 'lavfi.astats.Overall.RMS_level').map(
      (sample) => sample.value,
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
