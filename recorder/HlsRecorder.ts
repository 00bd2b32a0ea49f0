// Records a session's hosts into live HLS: for every host's camera and
// microphone a PlainTransport consumer sends RTP to FFmpeg, which composes
// the hosts in the room's layout (compositionGraph.ts) and encodes the HLS
// ladder (hlsOutputArgs.ts). A change of hosts, tracks or layout restarts
// FFmpeg with a new graph; the playlists continue across the seam with a
// discontinuity, so players keep going. Tracks FFmpeg cannot read are left
// out (readableTracks.ts) and reported as `warning` events; a video input
// that stalls gets key frame requests (videoStallWatch.ts).
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import type { types } from 'mediasoup';
import { reapOnExit } from './childReaper.ts';
import { buildCompositionGraph, type CompositionInput } from './compositionGraph.ts';
import { resolveFfmpeg } from './ffmpegBinary.ts';
import { ffmpegReceiveCapabilities } from './ffmpegReceiveCapabilities.ts';
import { ffmpegReadableRtpCodecs } from './ffmpegRtpCodecs.ts';
import { defaultRenditions, hlsOutputArgs } from './hlsOutputArgs.ts';
import { labelFont } from './labelFont.ts';
import type {
  Composition,
  HlsRecorderEvents,
  HlsRecorderOptions,
  RecordedHost,
  RecorderWarning,
} from './HlsRecorderTypes.ts';
import { splitReadableTracks } from './readableTracks.ts';
import { rtpInputSdp, type SdpStream } from './rtpInputSdp.ts';
import { reserveUdpPortPairs } from './udpPortPair.ts';
import { watchVideoStalls, type VideoStallWatch } from './videoStallWatch.ts';

export type {
  Composition,
  HlsRecorderEvents,
  HlsRecorderOptions,
  RecordedHost,
  RecorderWarning,
  UnreadableCodecWarning,
} from './HlsRecorderTypes.ts';

/** One FFmpeg run and the consumers feeding it. */
interface Run {
  generation: number;
  ffmpeg: ChildProcess;
  transports: types.PlainTransport[];
  videoConsumers: types.Consumer[];
  /** Key frame requests and the progress watchdog; cleared when the run stops. */
  timers: NodeJS.Timeout[];
  /** Asks for key frames when a video input stops flowing; started once media is let through. */
  stallWatch: VideoStallWatch | undefined;
  stderrTail: string[];
}

/** How long FFmpeg gets to open its RTP sockets before media is let through. */
const FFMPEG_OPEN_MS = 400;
/**
 * How long FFmpeg studies its RTP inputs before composing (µs). Its default,
 * 5 s, made every recomposition (a layout change, a camera toggle) reach the
 * audience ~5 s late; the SDP already says what each stream is, and the key
 * frames asked for at start arrive within this.
 */
const PROBE_US = 500_000;
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

type ResolvedOptions = Required<Omit<HlsRecorderOptions, 'readableCodecs'>> & { readableCodecs: ReadonlySet<string> };

export class HlsRecorder extends EventEmitter<HlsRecorderEvents> {
  readonly #options: ResolvedOptions;
  #composition: Composition;
  #run: Run | undefined;
  #generation = 0;
  #stopped = false;
  #restartDelayMs = MIN_RESTART_DELAY_MS;
  #restartTimer: NodeJS.Timeout | undefined;
  #restarting: Promise<void> = Promise.resolve();
  /** Producers already warned about: a warning is given once, not at every restart. */
  readonly #warnedProducerIds = new Set<string>();
  /** Warnings held until start() has returned and listeners could be added. */
  #heldWarnings: RecorderWarning[] | undefined = [];
  #currentWarnings: RecorderWarning[] = [];

  static async start(options: HlsRecorderOptions, composition: Composition): Promise<HlsRecorder> {
    const readableCodecs = options.readableCodecs ?? (await ffmpegReadableRtpCodecs(resolveFfmpeg()));
    const recorder = new HlsRecorder({ ...options, readableCodecs }, composition);
    fs.mkdirSync(options.dir, { recursive: true });
    // A recorder taking over a folder (after a worker died) continues the
    // numbering, so its files never overwrite ones a playlist still lists.
    recorder.#generation = lastGeneration(options.dir);
    await recorder.#startRun();
    setImmediate(() => recorder.#releaseWarnings());
    return recorder;
  }

  private constructor(options: HlsRecorderOptions & { readableCodecs: ReadonlySet<string> }, composition: Composition) {
    super();
    this.#options = { fps: 30, segmentSeconds: 1, windowSegments: 6, renditions: defaultRenditions, ...options };
    this.#composition = composition;
  }

  /** Tracks of the current composition left out of the recording, and why. */
  get warnings(): readonly RecorderWarning[] {
    return this.#currentWarnings;
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

    const live = (producer: types.Producer | undefined) =>
      producer && !producer.closed && !producer.paused ? producer : undefined;
    const liveHosts: RecordedHost[] = this.#composition.hosts.map(({ hostId, displayName, video, audio }) => ({
      hostId,
      ...(displayName !== undefined ? { displayName } : {}),
      video: live(video),
      audio: live(audio),
    }));
    // FFmpeg fails the whole run on a stream it cannot read: such a host is
    // composed as if its camera were off (or its microphone muted).
    const { hosts, unreadable } = splitReadableTracks(liveHosts, this.#options.readableCodecs);
    this.#currentWarnings = unreadable;
    for (const warning of unreadable) this.#warn(warning);
    const receiveCapabilities = ffmpegReceiveCapabilities(router.rtpCapabilities);
    // Audio first: FFmpeg's SDP demuxer serves its sockets in SDP order, so
    // when it falls behind (a busy encoder) a backlog of video starves every
    // stream listed after it. The microphones are small and cannot starve the
    // cameras, the other way round they can (the broadcast loses its sound).
    const inputByHost = new Map(
      hosts.map((host): [string, CompositionInput] => [
        host.hostId,
        { hostId: host.hostId, ...(host.displayName !== undefined ? { label: host.displayName } : {}) },
      ]),
    );
    const tracks = (['audio', 'video'] as const).flatMap((kind) =>
      hosts.flatMap((host) => {
        const producer = host[kind];
        return producer ? [{ input: inputByHost.get(host.hostId)!, producer }] : [];
      }),
    );
    const reservation = await reserveUdpPortPairs(tracks.length);
    try {
      for (const { input, producer } of tracks) {
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
          rtpCapabilities: receiveCapabilities,
          paused: true,
        });
        consumers.push(consumer);
        // The SDP lists streams in order: stream i of input 0 is `0:i`.
        const specifier = `0:${streams.length}`;
        streams.push({ kind: consumer.kind, rtpParameters: consumer.rtpParameters, port });
        if (consumer.kind === 'video') input.video = specifier;
        else input.audio = specifier;
      }
      inputs.push(...inputByHost.values());
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
      ...(labelFont() ? { fontFile: labelFont() } : {}),
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
      ...['-analyzeduration', String(PROBE_US)],
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
      stallWatch: undefined,
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
    if (this.#run === run) {
      run.stallWatch = watchVideoStalls(run.videoConsumers, {
        onKeyFrameRequest: (consumer, reason) =>
          logger.info(
            { generation, producerId: consumer.producerId, reason },
            'video input stalled: key frame requested',
          ),
      });
    }
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
    run.stallWatch?.stop();
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

  #warn(warning: RecorderWarning): void {
    if (this.#warnedProducerIds.has(warning.producerId)) return;
    this.#warnedProducerIds.add(warning.producerId);
    this.#options.logger.warn(warning, warning.message);
    if (this.#heldWarnings) this.#heldWarnings.push(warning);
    else this.emit('warning', warning);
  }

  #releaseWarnings(): void {
    const held = this.#heldWarnings ?? [];
    this.#heldWarnings = undefined;
    for (const warning of held) this.emit('warning', warning);
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
