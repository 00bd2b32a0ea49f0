// A/V sync through the whole path, read from the HLS output. One host
// publishes the 'marks' clip (bench/media/clip.ts): a white flash and a 3 kHz
// beep start together every second. In the composed, encoded segments FFmpeg
// measures the brightness of that host's tile per frame (signalstats YAVG)
// and the beep's level in 5 ms windows (band-passed around 3 kHz, so the
// other hosts' 440 Hz tones drop out; astats RMS). Each flash onset is
// paired with the nearest beep onset: drift = beep − flash, in ms, so a
// positive drift means the sound comes late. Beyond ±500 ms (half the mark
// interval) a pairing would be ambiguous, so none is made.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { resolveFfmpeg } from '../../recorder/ffmpegBinary.ts';
import { MARK_BEEP_HZ, MARK_INTERVAL_S } from '../media/clip.ts';
import type { KeptSegment } from './hlsViewer.ts';
import type { Rect } from './tileGeometry.ts';

export interface TimedValue {
  t: number;
  value: number;
}

/** Onsets closer than this to the previous one belong to the same mark. */
const MIN_ONSET_GAP_S = MARK_INTERVAL_S / 2;
/** The brightness and level must swing at least this much for marks to be read at all. */
const MIN_VIDEO_SWING = 60;
const MIN_AUDIO_SWING_DB = 20;
const SILENCE_DB = -200;

/** Samples from FFmpeg's metadata=print output ("frame:… pts_time:T" then "key=value"). */
export function parseMetadataPrint(text: string, key: string): TimedValue[] {
  const samples: TimedValue[] = [];
  let t: number | undefined;
  for (const line of text.split('\n')) {
    const time = /pts_time:([-\d.]+)/.exec(line);
    if (time) {
      t = Number(time[1]);
      continue;
    }
    if (t !== undefined && line.startsWith(`${key}=`)) {
      const text = line.slice(key.length + 1).trim();
      // Digital silence has an RMS level of -inf dB: far below anything heard.
      const value = text === '-inf' ? SILENCE_DB : Number(text);
      if (Number.isFinite(value)) samples.push({ t, value });
      t = undefined;
    }
  }
  return samples;
}

/** The 5th and 99th percentile of the values: their range, so a few outliers do not move it. */
function valueRange(samples: readonly TimedValue[]): { low: number; high: number } {
  if (samples.length === 0) return { low: 0, high: 0 };
  const sorted = samples.map((sample) => sample.value).sort((a, b) => a - b);
  return {
    low: sorted[Math.floor(sorted.length * 0.05)]!,
    high: sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))]!,
  };
}

/**
 * Times where the value rises through the middle of its range (valueRange),
 * at most one per `minGapS`; none when the range is below `minSwing` (no
 * marks visible).
 */
export function risingEdges(samples: readonly TimedValue[], minSwing: number, minGapS = MIN_ONSET_GAP_S): number[] {
  const { low, high } = valueRange(samples);
  if (samples.length < 3 || high - low < minSwing) return [];
  const threshold = (low + high) / 2;
  const edges: number[] = [];
  for (let index = 1; index < samples.length; index++) {
    const rose = samples[index - 1]!.value < threshold && samples[index]!.value >= threshold;
    const t = samples[index]!.t;
    if (rose && (edges.length === 0 || t - edges.at(-1)! >= minGapS)) edges.push(t);
  }
  return edges;
}

/** audio − video in ms for every video onset with an audio onset within ±maxDistanceS. */
export function pairOnsets(
  videoOnsets: readonly number[],
  audioOnsets: readonly number[],
  maxDistanceS = MARK_INTERVAL_S / 2,
): number[] {
  const drifts: number[] = [];
  for (const video of videoOnsets) {
    let best: number | undefined;
    for (const audio of audioOnsets) {
      if (Math.abs(audio - video) <= maxDistanceS && (best === undefined || Math.abs(audio - video) < Math.abs(best))) {
        best = audio - video;
      }
    }
    if (best !== undefined) drifts.push(Math.round(best * 1000));
  }
  return drifts;
}

export interface DriftReading {
  /** audio − video per mark, ms. */
  driftsMs: number[];
  videoOnsets: number;
  audioOnsets: number;
  /** The tile's largest brightness swing in a run (0–255): near 0 means the picture never flashed (frozen or absent). */
  videoSwing: number;
  /** Seconds of output analysed. */
  seconds: number;
  error?: string;
}

/**
 * Reads the drift from segments a viewer kept (in playlist order) with their
 * init segments. Segments are joined per init segment (an FFmpeg restart
 * begins a new timeline) and each run is analysed on its own.
 */
export async function readAvDrift(
  segments: readonly KeptSegment[],
  initBodies: ReadonlyMap<string, Buffer>,
  region: Rect,
): Promise<DriftReading> {
  const reading: DriftReading = { driftsMs: [], videoOnsets: 0, audioOnsets: 0, videoSwing: 0, seconds: 0 };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stagecast-bench-drift-'));
  try {
    const runs: KeptSegment[][] = [];
    for (const segment of segments) {
      const run = runs.at(-1);
      if (run && run[0]!.initUri === segment.initUri) run.push(segment);
      else runs.push([segment]);
    }
    for (const [index, run] of runs.entries()) {
      const init = initBodies.get(run[0]!.initUri);
      if (!init || run.length < 2) continue;
      const file = path.join(dir, `run${index}.mp4`);
      fs.writeFileSync(file, Buffer.concat([init, ...run.map((segment) => segment.body)]));
      try {
        const { video, audio } = await measureMarks(file, region, dir);
        const videoOnsets = risingEdges(video, MIN_VIDEO_SWING);
        const audioOnsets = risingEdges(audio, MIN_AUDIO_SWING_DB);
        reading.videoOnsets += videoOnsets.length;
        reading.audioOnsets += audioOnsets.length;
        const { low, high } = valueRange(video);
        reading.videoSwing = Math.max(reading.videoSwing, Math.round(high - low));
        reading.driftsMs.push(...pairOnsets(videoOnsets, audioOnsets));
        reading.seconds += video.length > 1 ? video.at(-1)!.t - video[0]!.t : 0;
      } catch (error) {
        reading.error = error instanceof Error ? error.message.split('\n')[0] : String(error);
      }
    }
    reading.seconds = Math.round(reading.seconds * 10) / 10;
    return reading;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function measureMarks(
  file: string,
  region: Rect,
  dir: string,
): Promise<{ video: TimedValue[]; audio: TimedValue[] }> {
  const videoFile = path.join(dir, 'video.txt');
  const audioFile = path.join(dir, 'audio.txt');
  // Two band-passes (a biquad each) push a 440 Hz tone ~60 dB down while the beep passes.
  const band = `bandpass=f=${MARK_BEEP_HZ}:width_type=q:w=5`;
  const filter = [
    `[0:v:0]crop=${region.width}:${region.height}:${region.x}:${region.y},signalstats,` +
      `metadata=mode=print:key=lavfi.signalstats.YAVG:file=${videoFile}[v]`,
    `[0:a:0]pan=mono|c0=0.5*c0+0.5*c1,${band},${band},asetnsamples=n=240,astats=metadata=1:reset=1,` +
      `ametadata=mode=print:key=lavfi.astats.Overall.RMS_level:file=${audioFile}[a]`,
  ].join(';');
  await promisify(execFile)(
    resolveFfmpeg(),
    ['-v', 'error', '-i', file, '-filter_complex', filter, '-map', '[v]', '-map', '[a]', '-f', 'null', '-'],
    { timeout: 120_000, maxBuffer: 8 * 1024 * 1024 },
  );
  return {
    video: parseMetadataPrint(fs.readFileSync(videoFile, 'utf8'), 'lavfi.signalstats.YAVG'),
    audio: parseMetadataPrint(fs.readFileSync(audioFile, 'utf8'), 'lavfi.astats.Overall.RMS_level'),
  };
}
