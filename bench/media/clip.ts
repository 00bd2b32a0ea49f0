// The media every synthetic publisher replays: a short test pattern and
// tone, encoded once per run by FFmpeg (one VP8 encoding per simulcast
// layer, plus Opus), then split into RTP payloads in memory. Replaying it
// costs a publisher only header rewriting and SRTP, never an encoder.
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { resolveFfmpeg } from '../../recorder/ffmpegBinary.ts';
import { opusPacketSamples, readIvfFrames, readOpusPackets } from './containers.ts';
import { isVp8KeyFrameData, packetizeVp8Frame } from './vp8.ts';

export interface LayerSpec {
  width: number;
  height: number;
  bitrateBps: number;
}

/** Camera simulcast as a browser sends it, lowest layer first (mediasoup's spatial layer order). */
export const DEFAULT_LAYERS: readonly LayerSpec[] = [
  { width: 320, height: 180, bitrateBps: 150_000 },
  { width: 640, height: 360, bitrateBps: 500_000 },
  { width: 1280, height: 720, bitrateBps: 1_200_000 },
];

export interface ClipOptions {
  /** Length of the clip; the replay loops it. Default 10. */
  seconds?: number;
  /** Default 30. */
  fps?: number;
  layers?: readonly LayerSpec[];
  /** Seconds between key frames (PLIs also jump to the next one). Default 3. */
  keyFrameIntervalS?: number;
  /** Where encoded files are kept between runs; default a folder in the OS temp dir. */
  cacheDir?: string;
}

export interface VideoFrame {
  keyFrame: boolean;
  /** RTP payloads, descriptor included (PictureID stamped at send time). */
  payloads: readonly Buffer[];
}

export interface VideoLayer {
  spec: LayerSpec;
  frames: readonly VideoFrame[];
  /** Nominal bitrate actually encoded, bit/s. */
  encodedBitrateBps: number;
}

export interface Clip {
  fps: number;
  seconds: number;
  layers: readonly VideoLayer[];
  /** Opus packets; each lasts `audioPacketSamples` at 48 kHz. */
  audioPackets: readonly Buffer[];
  audioPacketSamples: number;
  /** Where it came from, for the JSON. */
  source: { encoder: string; cached: boolean; encodeMs: number };
}

const AUDIO_BITRATE = '32k';

export async function prepareClip(options: ClipOptions = {}): Promise<Clip> {
  const seconds = options.seconds ?? 10;
  const fps = options.fps ?? 30;
  const layers = options.layers ?? DEFAULT_LAYERS;
  const keyFrameInterval = Math.max(1, Math.round((options.keyFrameIntervalS ?? 3) * fps));
  const ffmpeg = resolveFfmpeg();
  const recipe = { seconds, fps, layers, keyFrameInterval, audio: AUDIO_BITRATE, ffmpeg, version: 1 };
  const key = crypto.createHash('sha256').update(JSON.stringify(recipe)).digest('hex').slice(0, 16);
  const dir = options.cacheDir ?? path.join(os.tmpdir(), `stagecast-bench-clip-${key}`);
  const done = path.join(dir, 'done');
  const started = performance.now();
  const cached = fs.existsSync(done);
  if (!cached) {
    fs.mkdirSync(dir, { recursive: true });
    await encode(ffmpeg, dir, { seconds, fps, layers, keyFrameInterval });
    fs.writeFileSync(done, JSON.stringify(recipe));
  }
  const encodeMs = Math.round(performance.now() - started);

  const videoLayers = layers.map((spec, index): VideoLayer => {
    const frames = readIvfFrames(fs.readFileSync(path.join(dir, `layer${index}.ivf`)));
    if (frames.length === 0 || !isVp8KeyFrameData(frames[0]!)) {
      throw new Error(`layer ${index}: FFmpeg wrote no frames or the first is not a key frame`);
    }
    const bytes = frames.reduce((total, frame) => total + frame.length, 0);
    return {
      spec,
      frames: frames.map((frame) => ({ keyFrame: isVp8KeyFrameData(frame), payloads: packetizeVp8Frame(frame) })),
      encodedBitrateBps: Math.round((bytes * 8 * fps) / frames.length),
    };
  });
  const audioPackets = readOpusPackets(fs.readFileSync(path.join(dir, 'audio.ogg')));
  if (audioPackets.length === 0) throw new Error('FFmpeg wrote no Opus packets');
  return {
    fps,
    seconds,
    layers: videoLayers,
    audioPackets,
    audioPacketSamples: opusPacketSamples(audioPackets[0]!),
    source: { encoder: ffmpeg, cached, encodeMs },
  };
}

async function encode(
  ffmpeg: string,
  dir: string,
  {
    seconds,
    fps,
    layers,
    keyFrameInterval,
  }: { seconds: number; fps: number; layers: readonly LayerSpec[]; keyFrameInterval: number },
): Promise<void> {
  const largest = layers.at(-1)!;
  const args = [
    '-hide_banner',
    '-loglevel',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    `testsrc2=size=${largest.width}x${largest.height}:rate=${fps}:duration=${seconds}`,
    '-f',
    'lavfi',
    '-i',
    `sine=frequency=440:sample_rate=48000:duration=${seconds}`,
  ];
  layers.forEach((layer, index) => {
    const rate = String(layer.bitrateBps);
    args.push(
      ...['-map', '0:v', '-vf', `scale=${layer.width}:${layer.height}`, '-c:v', 'libvpx'],
      ...['-deadline', 'realtime', '-cpu-used', '8', '-lag-in-frames', '0', '-auto-alt-ref', '0'],
      ...['-error-resilient', '1', '-g', String(keyFrameInterval), '-keyint_min', String(keyFrameInterval)],
      ...['-b:v', rate, '-minrate', rate, '-maxrate', rate, '-bufsize', String(layer.bitrateBps / 2)],
      ...['-f', 'ivf', path.join(dir, `layer${index}.ivf`)],
    );
  });
  args.push(
    ...['-map', '1:a', '-c:a', 'libopus', '-b:a', AUDIO_BITRATE, '-frame_duration', '20', '-application', 'voip'],
    ...['-ac', '2', '-f', 'ogg', path.join(dir, 'audio.ogg')],
  );
  try {
    await promisify(execFile)(ffmpeg, args, { timeout: 180_000, maxBuffer: 8 * 1024 * 1024 });
  } catch (error) {
    const { stderr = '' } = error as { stderr?: string };
    throw new Error(`FFmpeg could not encode the bench clip: ${stderr.trim().split('\n').slice(-3).join(' | ')}`, {
      cause: error,
    });
  }
}
