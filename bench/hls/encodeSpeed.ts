// How fast the recorder's FFmpeg work can run, in multiples of real time.
// Live RTP input never runs faster than 1×, so capacity is measured offline:
// the production compositor graph (recorder/slots/slotGraph.ts: all its
// slots — nine hosts, two screens —, N of them showing named hosts in a grid
// on the top rendition's canvas, the others fed filler as live) and the production HLS ladder
// (recorder/hlsOutputArgs.ts), fed by the bench clip's pre-encoded files
// (720p VP8 + Opus, what a host publishes) as fast as FFmpeg reads them. `speed` is FFmpeg's own figure (-progress); CPU comes
// from -benchmark (user + system seconds of the whole FFmpeg).
import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { resolveFfmpeg } from '../../recorder/ffmpegBinary.ts';
import { defaultRenditions, hlsOutputArgs, type Rendition } from '../../recorder/hlsOutputArgs.ts';
import { labelFont } from '../../recorder/labelFont.ts';
import { assignSlots, HOST_SLOTS, SLOT_COUNT, sceneOf } from '../../recorder/slots/compositionScene.ts';
import { buildSlotGraph, PLACEHOLDER } from '../../recorder/slots/slotGraph.ts';

export interface EncodeSpeedPlan {
  hosts: number;
  /** Media seconds to encode. */
  seconds: number;
  videoFile: string;
  audioFile: string;
  fps?: number;
  renditions?: readonly Rendition[];
}

export interface EncodeSpeed {
  /** FFmpeg's speed= at the end: media seconds per wall second. */
  speed: number | undefined;
  /** FFmpeg's CPU per media second, % of one core: what one live broadcast of this size costs. */
  cpuPctAtRealTime: number | undefined;
  wallSeconds: number;
  /** Last lines of FFmpeg's stderr when it failed. */
  error?: string;
}

export async function measureEncodeSpeed(plan: EncodeSpeedPlan): Promise<EncodeSpeed> {
  const fps = plan.fps ?? 30;
  const renditions = plan.renditions ?? defaultRenditions;
  const inputArgs: string[] = [];
  for (let host = 0; host < plan.hosts; host++) {
    inputArgs.push('-stream_loop', '-1', '-i', plan.videoFile, '-stream_loop', '-1', '-i', plan.audioFile);
  }
  // Empty slots get what the relay sends them live: a small still picture and silence.
  const filler = 2 * plan.hosts;
  inputArgs.push('-f', 'lavfi', '-i', `color=c=${PLACEHOLDER}:s=64x36:r=15`);
  inputArgs.push('-f', 'lavfi', '-i', 'anullsrc=r=48000:cl=stereo');
  const hostIds = Array.from({ length: plan.hosts }, (_, host) => `host${host + 1}`);
  const canvas = { width: renditions[0]!.width, height: renditions[0]!.height };
  const scene = sceneOf(
    { hosts: hostIds.map((hostId) => ({ hostId, camera: true, label: hostId })), layout: 'grid' },
    assignSlots(new Map(), hostIds, HOST_SLOTS),
    canvas,
    SLOT_COUNT,
  );
  const fontFile = labelFont();
  const graph = buildSlotGraph(scene, {
    ...canvas,
    fps,
    slotCount: SLOT_COUNT,
    ...(fontFile ? { fontFile } : {}),
    inputOf: (kind, slot) =>
      kind === 'video'
        ? `${slot < plan.hosts ? 2 * slot : filler}:v:0`
        : `${slot < plan.hosts ? 2 * slot + 1 : filler + 1}:a:0`,
  });
  const output = hlsOutputArgs(graph.videoLabel, graph.audioLabel, {
    fps,
    segmentSeconds: 1,
    partSeconds: 0.2,
    renditions,
    durationS: plan.seconds,
  });
  const args = [
    ...['-hide_banner', '-loglevel', 'info', '-nostdin', '-nostats', '-benchmark', '-progress', 'pipe:1'],
    ...inputArgs,
    ...['-filter_complex', `${graph.filter};${output.filterSuffix}`],
    ...output.args,
  ];
  return await runFfmpeg(args, output.outputCount, Math.max(60_000, plan.seconds * plan.hosts * 10_000));
}

function runFfmpeg(args: string[], outputPipes: number, timeoutMs: number): Promise<EncodeSpeed> {
  return new Promise((resolve) => {
    const startedAt = performance.now();
    const outputs: 'pipe'[] = Array.from({ length: outputPipes }, () => 'pipe');
    const ffmpeg = spawn(resolveFfmpeg(), args, { stdio: ['ignore', 'pipe', 'pipe', ...outputs] });
    // The ladder's fragmented MP4: read and dropped (packaging is not FFmpeg's work).
    for (const output of ffmpeg.stdio.slice(3)) (output as Readable | null)?.resume();
    let progress = '';
    let stderr = '';
    ffmpeg.stdout!.on('data', (chunk: Buffer) => (progress = (progress + chunk.toString()).slice(-4000)));
    ffmpeg.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-8000)));
    const killer = setTimeout(() => ffmpeg.kill('SIGKILL'), timeoutMs);
    ffmpeg.once('close', (code, signal) => {
      clearTimeout(killer);
      const wallSeconds = (performance.now() - startedAt) / 1000;
      const figures = parseEncodeFigures(progress, stderr);
      const failed = code !== 0 || figures.speed === undefined;
      resolve({
        ...figures,
        wallSeconds: Math.round(wallSeconds * 10) / 10,
        ...(failed
          ? { error: `FFmpeg ${signal ?? `exit ${code}`}: ${stderr.trim().split('\n').slice(-3).join(' | ')}` }
          : {}),
      });
    });
  });
}

/** speed= (last -progress block) and CPU per media second from `bench: utime=… stime=…` and out_time_us. */
export function parseEncodeFigures(
  progress: string,
  stderr: string,
): { speed: number | undefined; cpuPctAtRealTime: number | undefined } {
  const last = (pattern: RegExp, text: string) => [...text.matchAll(pattern)].at(-1)?.[1];
  const speedText = last(/^speed=\s*([\d.]+)x/gm, progress);
  const outTimeUs = Number(last(/^out_time_us=(\d+)/gm, progress));
  const utime = Number(last(/bench: utime=([\d.]+)s/g, stderr));
  const stime = Number(last(/bench: utime=[\d.]+s stime=([\d.]+)s/g, stderr));
  const mediaSeconds = outTimeUs / 1e6;
  const cpuPctAtRealTime =
    Number.isFinite(utime) && Number.isFinite(stime) && mediaSeconds > 0
      ? Math.round(((utime + stime) / mediaSeconds) * 1000) / 10
      : undefined;
  return { speed: speedText === undefined ? undefined : Number(speedText), cpuPctAtRealTime };
}
