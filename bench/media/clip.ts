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
import { isVp8KeyFrameData, packetizeVp8Frame } from '../../testkit/vp8Payload.ts';

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
  /**
   * What the clip shows and plays. 'test' (default): a moving test pattern
   * and a 440 Hz tone that warbles and swells three times a second like
   * speech, mono Opus with in-band FEC. 'marks': black with a white flash, and silence with a
   * 3 kHz beep, for 100 ms at the start of every second together (A/V sync
   * is read back from where the flash and the beep land; see bench/hls/).
   */
  pattern?: ClipPattern;
}

export type ClipPattern = 'test' | 'marks';

/** In a 'marks' clip: a flash and a beep start every this many seconds, and last MARK_LENGTH_S. */
export const MARK_INTERVAL_S = 1;
export const MARK_LENGTH_S = 0.1;
/** The beep's pitch: far above the test tone, so a band-pass finds it in a mix. */
export const MARK_BEEP_HZ = 3000;

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
  /** The encoded files (IVF per layer, lowest first; Ogg Opus), for benches that feed FFmpeg directly. */
  files: { layers: readonly string[]; audio: string };
}

const AUDIO_BITRATE = '32k';
/**
 * The 'test' clip's audio is encoded as a browser's would be once its
 * receivers report loss: voice mode, in-band FEC on, expecting 10 % loss.
 * libopus adds FEC (LBRR) only to frames it finds voice-active, so the tone
 * swells and fades like syllables (a steady tone is taken for background
 * after half a second and gets none).
 */
export const VOICE_LIKE_TONE = '0.5*sin(2*PI*440*t+3*sin(2*PI*4*t))*(0.55+0.45*sin(2*PI*3*t))';
const TEST_AUDIO_ARGS = ['-application', 'voip', '-fec', '1', '-packet_loss', '10', '-ac', '1'];

export async function prepareClip(options: ClipOptions = {}): Promise<Clip> {
  const seconds = options.seconds ?? 10;
  const fps = options.fps ?? 30;
  const layers = options.layers ?? DEFAULT_LAYERS;
  const keyFrameInterval = Math.max(1, Math.round((options.keyFrameIntervalS ?? 3) * fps));
  const pattern = options.pattern ?? 'test';
  const ffmpeg = resolveFfmpeg();
  const recipe = {
    seconds,
    fps,
    layers,
    keyFrameInterval,
    audio: `${AUDIO_BITRATE}${pattern === 'test' ? ' voice-like mono fec' : ''}`,
    ffmpeg,
    version: 1,
    // Only a non-default pattern changes the key, so existing caches stay valid.
    ...(pattern === 'test' ? {} : { pattern }),
  };
  const key = crypto.createHash('sha256').update(JSON.stringify(recipe)).digest('hex').slice(0, 16);
  const dir = options.cacheDir ?? path.join(os.tmpdir(), `stagecast-bench-clip-${key}`);
  const done = path.join(dir, 'done');
  const started = performance.now();
  const cached = fs.existsSync(done);
  if (!cached) {
    fs.mkdirSync(dir, { recursive: true });
    await encode(ffmpeg, dir, { seconds, fps, layers, keyFrameInterval, pattern });
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
  const encodedAudio = readOpusPackets(fs.readFileSync(path.join(dir, 'audio.ogg')));
  if (encodedAudio.length === 0) throw new Error('FFmpeg wrote no Opus packets');
  // The encoder's delay (pre-skip) adds a packet: replayed in a loop, that
  // packet would put the sound 20 ms further behind the picture every lap.
  // Exactly `seconds` of packets keeps both loops the same length.
  const audioPackets = encodedAudio.slice(
    0,
    Math.max(1, Math.round((seconds * 48000) / opusPacketSamples(encodedAudio[0]!))),
  );
  return {
    fps,
    seconds,
    layers: videoLayers,
    audioPackets,
    audioPacketSamples: opusPacketSamples(audioPackets[0]!),
    source: { encoder: ffmpeg, cached, encodeMs },
    files: {
      layers: layers.map((_, index) => path.join(dir, `layer${index}.ivf`)),
      audio: path.join(dir, 'audio.ogg'),
    },
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
    pattern,
  }: { seconds: number; fps: number; layers: readonly LayerSpec[]; keyFrameInterval: number; pattern: ClipPattern },
): Promise<void> {
  const largest = layers.at(-1)!;
  const size = `${largest.width}x${largest.height}`;
  const marked = `lt(mod(t,${MARK_INTERVAL_S}),${MARK_LENGTH_S})`;
  const [videoSource, audioSource] =
    pattern === 'marks'
      ? [
          `color=c=black:size=${size}:rate=${fps}:duration=${seconds},` +
            `drawbox=x=0:y=0:w=iw:h=ih:color=white:t=fill:enable='${marked}'`,
          `aevalsrc='if(${marked},0.5*sin(2*PI*${MARK_BEEP_HZ}*t),0)':sample_rate=48000:duration=${seconds}`,
        ]
      : [
          `testsrc2=size=${size}:rate=${fps}:duration=${seconds}`,
          `aevalsrc='${VOICE_LIKE_TONE}':sample_rate=48000:duration=${seconds}`,
        ];
  const args = ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', videoSource];
  args.push('-f', 'lavfi', '-i', audioSource);
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
    ...['-map', '1:a', '-c:a', 'libopus', '-b:a', AUDIO_BITRATE, '-frame_duration', '20'],
    ...(pattern === 'test' ? TEST_AUDIO_ARGS : ['-application', 'voip', '-ac', '2']),
    ...['-f', 'ogg', path.join(dir, 'audio.ogg')],
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
