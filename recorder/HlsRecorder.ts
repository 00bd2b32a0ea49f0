// Records a session's hosts into live HLS: for every host's camera and
// microphone a PlainTransport consumer sends RTP to FFmpeg, which composes
// the hosts in the room's layout (compositionGraph.ts) and encodes the HLS
// ladder (hlsOutputArgs.ts). A change of hosts, tracks or layout restarts
// FFmpeg with a new graph; the playlists continue across the seam with a
// discontinuity, so players keep going.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { types } from 'mediasoup';
import type { Logger } from 'pino';
import type { LayoutKind } from '../signaling/layout/layoutGeometry.ts';
import { reapOnExit } from './childReaper.ts';
import { buildCompositionGraph, type CompositionInput } from './compositionGraph.ts';
import { resolveFfmpeg } from './ffmpegBinary.ts';
import { defaultRenditions, hlsOutputArgs, type Rendition } from './hlsOutputArgs.ts';
import { rtpInputSdp, type SdpStream } from './rtpInputSdp.ts';
import { reserveUdpPortPairs } from './udpPortPair.ts';

export interface RecordedHost {
  hostId: string;
  /** Camera producer; absent or paused = camera off. */
  video?: types.Producer;
  /** Microphone producer; absent or paused = muted. */
  audio?: types.Producer;
}

export interface Composition {
  hosts: RecordedHost[];
  layout: LayoutKind;
  focusHostId?: string;
}

export interface HlsRecorderOptions {
  router: types.Router;
  /** Live HLS folder (master.m3u8 and a folder per rendition). */
  dir: string;
  logger: Logger;
  fps?: number;
  segmentSeconds?: number;
  windowSegments?: number;
  /** The HLS ladder, best first; the canvas is composed at the first one's size. Default: 720p + 360p. */
  renditions?: readonly Rendition[];
}

/** One FFmpeg run and the consumers feeding it. */
interface Run {
  generation: number;
  ffmpeg: ChildProcess;
  transports: types.PlainTransport[];
  videoConsumers: types.Consumer[];
  /** Key frame requests and the progress watchdog; cleared when the run stops. */
  timers: NodeJS.Timeout[];
  stderrTail: string[];
}

/** How long FFmpeg gets to open its RTP sockets before media is let through. */
const FFMPEG_OPEN_MS = 400;
const MIN_RESTART_DELAY_MS = 250;
/** A run whose playlist stops changing this long is restarted. */
const STALL_RESTART_MS = 8000;
/** Time a new run gets before its first segment is expected. */
const FIRST_SEGMENT_GRACE_MS = 10_000;
/** How long FFmpeg may take to finish its segment after SIGINT before it is killed. */
const FFMPEG_STOP_GRACE_MS = 3000;
const MAX_RESTART_DELAY_MS = 10_000;
/** A run this long counts as healthy: the next failure restarts quickly again. */
const HEALTHY_RUN_MS = 10_000;

export class HlsRecorder {
  readonly #options: Required<Omit<HlsRecorderOptions, 'logger'>> & { logger: Logger };
  #composition: Composition;
  #run: Run | undefined;
  #generation = 0;
  #stopped = false;
  #restartDelayMs = MIN_RESTART_DELAY_MS;
  #restartTimer: NodeJS.Timeout | undefined;
  #restarting: Promise<void> = Promise.resolve();

  static async start(options: HlsRecorderOptions, composition: Composition): Promise<HlsRecorder> {
    const recorder = new HlsRecorder(options, composition);
    fs.mkdirSync(options.dir, { recursive: true });
    // A recorder taking over a folder (after a worker died) continues the
    // numbering, so its files never overwrite ones a playlist still lists.
    recorder.#generation = lastGeneration(options.dir);
    await recorder.#startRun();
    return recorder;
  }

  private constructor(options: HlsRecorderOptions, composition: Composition) {
    this.#options = { fps: 30, segmentSeconds: 1, windowSegments: 6, renditions: defaultRenditions, ...options };
    this.#composition = composition;
  }

  /** The running FFmpeg's pid (for operations and fault tests). */
  get ffmpegPid(): number | undefined {
    return this.#run?.ffmpeg.pid;
  }

  get router(): types.Router {
    return this.#options.router;
  }

  get masterPlaylist(): string {
    return path.join(this.#options.dir, 'master.m3u8');
  }

  /** Recompose (hosts joined/left, camera toggled, layout or focus changed). */
  update(composition: Composition): Promise<void> {
    this.#composition = composition;
    clearTimeout(this.#restartTimer);
    this.#restarting = this.#restarting.then(async () => {
      if (this.#stopped) return;
      await this.#stopRun();
      await this.#startRun();
    });
    return this.#restarting;
  }

  /** Stops recording; resolves once FFmpeg has written its last segment and exited. */
  stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#restartTimer);
    return this.#stopRun();
  }

  async #startRun(): Promise<void> {
    const { router, dir, fps, segmentSeconds, windowSegments, renditions, logger } = this.#options;
    const generation = ++this.#generation;
    const transports: types.PlainTransport[] = [];
    const consumers: types.Consumer[] = [];
    const streams: SdpStream[] = [];
    const inputs: CompositionInput[] = [];

    const wanted = this.#composition.hosts.flatMap((host) =>
      [host.video, host.audio].filter(
        (producer): producer is types.Producer => producer !== undefined && !producer.closed && !producer.paused,
      ),
    );
    const reservation = await reserveUdpPortPairs(wanted.length);
    try {
      for (const host of this.#composition.hosts) {
        const input: CompositionInput = { hostId: host.hostId };
        for (const producer of [host.video, host.audio]) {
          if (!producer || !wanted.includes(producer)) continue;
          const port = reservation.ports[streams.length]!;
          const transport = await router.createPlainTransport({
            listenInfo: { protocol: 'udp', ip: '127.0.0.1' },
            rtcpMux: false,
            comedia: false,
          });
          transports.push(transport);
          await transport.connect({ ip: '127.0.0.1', port, rtcpPort: port + 1 });
          const consumer = await transport.consume({
            producerId: producer.id,
            rtpCapabilities: router.rtpCapabilities,
            paused: true,
          });
          consumers.push(consumer);
          // The SDP lists streams in order: stream i of input 0 is `0:i`.
          const specifier = `0:${streams.length}`;
          streams.push({ kind: consumer.kind, rtpParameters: consumer.rtpParameters, port });
          if (consumer.kind === 'video') input.video = specifier;
          else input.audio = specifier;
        }
        inputs.push(input);
      }
    } catch (error) {
      reservation.release();
      for (const transport of transports) transport.close();
      throw error;
    }

    // No host media at all (nobody on camera or mic yet): the graph's own
    // sources make a slate, and FFmpeg gets no RTP input.
    const sdpFile = path.join(dir, `input_${generation}.sdp`);
    if (streams.length > 0) fs.writeFileSync(sdpFile, rtpInputSdp(streams));
    const graph = buildCompositionGraph(inputs, {
      width: renditions[0]!.width,
      height: renditions[0]!.height,
      fps,
      layout: this.#composition.layout,
      ...(this.#composition.focusHostId ? { focusHostId: this.#composition.focusHostId } : {}),
    });
    const output = hlsOutputArgs(graph.videoLabel, graph.audioLabel, {
      renditions,
      dir,
      fps,
      segmentSeconds,
      windowSegments,
      generation,
    });
    const args = [
      ...['-hide_banner', '-loglevel', 'warning', '-nostdin'],
      ...['-protocol_whitelist', 'file,udp,rtp', '-fflags', '+genpts', '-reorder_queue_size', '64'],
      ...(streams.length > 0 ? ['-i', sdpFile] : []),
      ...['-filter_complex', `${graph.filter};${output.filterSuffix}`],
      ...output.args,
    ];
    reservation.release();
    const ffmpeg = spawn(resolveFfmpeg(), args, { stdio: ['ignore', 'ignore', 'pipe'] });
    reapOnExit(ffmpeg);
    const run: Run = {
      generation,
      ffmpeg,
      transports,
      videoConsumers: consumers.filter((consumer) => consumer.kind === 'video'),
      timers: [],
      stderrTail: [],
    };
    ffmpeg.stderr!.on('data', (chunk: Buffer) => {
      run.stderrTail.push(...chunk.toString().split('\n').filter(Boolean));
      run.stderrTail.splice(0, Math.max(0, run.stderrTail.length - 20));
    });
    const startedAt = Date.now();
    ffmpeg.once('exit', (code, signal) => {
      if (this.#run !== run || this.#stopped) return;
      // Back off while FFmpeg keeps failing; a run that lasted resets it.
      this.#restartDelayMs =
        Date.now() - startedAt > HEALTHY_RUN_MS
          ? MIN_RESTART_DELAY_MS
          : Math.min(this.#restartDelayMs * 2, MAX_RESTART_DELAY_MS);
      logger.warn(
        { generation, code, signal, retryInMs: this.#restartDelayMs, stderr: run.stderrTail.join('\n') },
        'FFmpeg exited; restarting',
      );
      this.#restartTimer = setTimeout(() => void this.update(this.#composition), this.#restartDelayMs);
    });
    this.#run = run;
    run.timers.push(this.#watchProgress(run));

    // Let media through once FFmpeg listens, and ask for key frames so every
    // input starts decodable (and again, in case the first one was lost).
    await new Promise((resolve) => setTimeout(resolve, FFMPEG_OPEN_MS));
    for (const consumer of consumers) await consumer.resume();
    for (const delayMs of [0, 1000, 2000]) {
      run.timers.push(
        setTimeout(() => {
          for (const consumer of run.videoConsumers) consumer.requestKeyFrame().catch(() => undefined);
        }, delayMs),
      );
    }
  }

  /**
   * FFmpeg can stay alive yet stop producing (an RTP input it cannot get in
   * step with): when the top rendition's playlist has not changed for
   * STALL_RESTART_MS after the first segments, kill it and let the exit
   * handler restart it, so audiences get a short gap rather than a dead stream.
   */
  #watchProgress(run: Run): NodeJS.Timeout {
    const playlist = path.join(this.#options.dir, this.#options.renditions[0]!.name, 'index.m3u8');
    let lastChange = Date.now() + FIRST_SEGMENT_GRACE_MS;
    let lastMtimeMs = 0;
    const timer = setInterval(() => {
      if (this.#run !== run) return clearInterval(timer);
      const mtimeMs = fs.statSync(playlist, { throwIfNoEntry: false })?.mtimeMs ?? 0;
      if (mtimeMs !== lastMtimeMs) {
        lastMtimeMs = mtimeMs;
        lastChange = Math.max(lastChange, Date.now());
      } else if (Date.now() - lastChange > STALL_RESTART_MS) {
        clearInterval(timer);
        this.#options.logger.warn({ generation: run.generation }, 'FFmpeg stopped producing segments; restarting it');
        run.ffmpeg.kill('SIGKILL');
      }
    }, 1000);
    return timer;
  }

  #stopRun(): Promise<void> {
    const run = this.#run;
    if (!run) return Promise.resolve();
    this.#run = undefined;
    for (const timer of run.timers) clearTimeout(timer);
    for (const transport of run.transports) transport.close();
    if (run.ffmpeg.exitCode !== null || run.ffmpeg.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      const killer = setTimeout(() => run.ffmpeg.kill('SIGKILL'), FFMPEG_STOP_GRACE_MS);
      run.ffmpeg.once('exit', () => {
        clearTimeout(killer);
        resolve();
      });
      run.ffmpeg.kill('SIGINT'); // lets the HLS muxer finish its segment and playlist
    });
  }
}

/** The highest FFmpeg run number whose init segment is in the folder (0: none). */
function lastGeneration(dir: string): number {
  let last = 0;
  for (const entry of fs.readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    const match = /init_(\d+)_/.exec(path.basename(entry));
    if (match) last = Math.max(last, Number(match[1]));
  }
  return last;
}
