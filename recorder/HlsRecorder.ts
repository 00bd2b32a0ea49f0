// Records a session's hosts into live HLS with one long-running FFmpeg: a
// persistent compositor with a fixed set of slots (a camera and a microphone
// per host the layout can hold). Every host's track is consumed into one
// PlainTransport that sends to the slot relay (slots/SlotRelay.ts), which
// hands each slot to FFmpeg as one uninterrupted RTP stream, with filler
// while nobody feeds it. A change of hosts, tracks or layout re-routes
// slots and sends the new tile geometry to FFmpeg's zmq filter
// (slots/SceneCommander.ts): it shows from the next frame, without a
// restart. FFmpeg is restarted only when it dies or stops producing, with
// back-off; the playlists continue across that seam with a discontinuity.
// Tracks the compositor cannot take are left out (readableTracks.ts) and
// reported as `warning` events; a camera that stalls gets key frame
// requests (videoStallWatch.ts) and filler until it sends one.
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import type { types } from 'mediasoup';
import { MAX_LAYOUT_PEERS } from '../signaling/protocol/layoutGeometry.ts';
import { DEFAULT_SIMULCAST_LAYERS, tileSpatialLayer } from '../sfu/quality/layerDecision.ts';
import { reapOnExit } from './childReaper.ts';
import { freeTcpPort } from './freeTcpPort.ts';
import { drawtextSafe } from './slots/drawtextSafe.ts';
import { resolveFfmpeg } from './ffmpegBinary.ts';
import { ffmpegReceiveCapabilities } from './ffmpegReceiveCapabilities.ts';
import { ffmpegReadableRtpCodecs } from './ffmpegRtpCodecs.ts';
import { defaultRenditions, hlsOutputArgs } from './hlsOutputArgs.ts';
import { labelFont } from './labelFont.ts';
import { outputLagMs } from './outputLag.ts';
import type {
  Composition,
  HlsRecorderEvents,
  HlsRecorderOptions,
  RecordedHost,
  RecorderWarning,
} from './HlsRecorderTypes.ts';
import { splitReadableTracks } from './readableTracks.ts';
import { rtpInputSdp, type SdpStream } from './rtpInputSdp.ts';
import { assignSlots, sceneOf } from './slots/compositionScene.ts';
import { fillerVp8KeyFrame, OPUS_SILENCE } from './slots/fillerMedia.ts';
import { SceneCommander } from './slots/SceneCommander.ts';
import { buildSlotGraph, slotSettings, type SlotScene, type SlotSettings } from './slots/slotGraph.ts';
import { LOSS_WAIT_MS } from './slots/SlotFeed.ts';
import { SlotRelay, type SlotSpec } from './slots/SlotRelay.ts';
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

/** One FFmpeg run. */
interface Run {
  generation: number;
  ffmpeg: ChildProcess;
  commander: SceneCommander;
  /** The progress watchdog; cleared when the run stops. */
  timers: NodeJS.Timeout[];
  stderrTail: string[];
}

/** A host track feeding a slot. */
interface Feed {
  consumer: types.Consumer;
  slot: number;
}

/** Slots of each kind: as many hosts as a layout holds. */
const SLOT_COUNT = MAX_LAYOUT_PEERS;
/** What the compositor takes: VP8 cameras (what browsers publish to our routers) and Opus microphones. */
const SLOT_CODECS = new Set(['video/vp8', 'audio/opus']);
const AUDIO_PAYLOAD_TYPE = 111;
const VIDEO_PAYLOAD_TYPE = 96;
/**
 * How long FFmpeg studies its RTP inputs before composing (µs). Its default,
 * 5 s, would delay the first segment; every slot carries filler key frames
 * from the first packet, so this is plenty.
 */
const PROBE_US = 500_000;
const RTP_MAX_DELAY_US = (LOSS_WAIT_MS + 50) * 1000;
const MIN_RESTART_DELAY_MS = 250;
/** A run whose playlist stops changing this long gets its cameras rejoined at a key frame... */
const STALL_RESYNC_MS = 2500;
/** ...and this long is restarted. */
const STALL_RESTART_MS = 8000;
/** Output this far behind real time (outputLag.ts)... */
const MAX_OUTPUT_LAG_MS = 8000;
/** ...for this long gets FFmpeg restarted. */
const LAG_RESTART_AFTER_MS = 5000;
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
  readonly #relay: SlotRelay;
  readonly #transport: types.PlainTransport;
  readonly #receiveCapabilities: types.RtpCapabilities;
  readonly #fontFile: string | undefined;
  /** Host → slot, kept while the host is on stage. */
  #seats = new Map<string, number>();
  /** Producer id → the consumer feeding its slot. */
  readonly #feeds = new Map<string, Feed>();
  /** What the slots show now; the graph of a new FFmpeg run starts with it. */
  #scene: SlotScene = [];
  #settings: SlotSettings = {};
  #stallWatch: VideoStallWatch | undefined;
  #run: Run | undefined;
  #generation = 0;
  #stopped = false;
  #restartDelayMs = MIN_RESTART_DELAY_MS;
  #restartTimer: NodeJS.Timeout | undefined;
  #updating: Promise<void> = Promise.resolve();
  /** Producers already warned about: a warning is given once, not at every update. */
  readonly #warnedProducerIds = new Set<string>();
  /** Warnings held until start() has returned and listeners could be added. */
  #heldWarnings: RecorderWarning[] | undefined = [];
  #currentWarnings: RecorderWarning[] = [];

  static async start(options: HlsRecorderOptions, composition: Composition): Promise<HlsRecorder> {
    const readableCodecs = options.readableCodecs ?? (await ffmpegReadableRtpCodecs(resolveFfmpeg()));
    const keyFrame = await fillerVp8KeyFrame();
    const specs: SlotSpec[] = [
      ...Array.from({ length: SLOT_COUNT }, (): SlotSpec => ({
        kind: 'audio',
        payloadType: AUDIO_PAYLOAD_TYPE,
        clockRate: 48000,
        filler: OPUS_SILENCE,
        startsAtKeyFrames: false,
      })),
      ...Array.from({ length: SLOT_COUNT }, (): SlotSpec => ({
        kind: 'video',
        payloadType: VIDEO_PAYLOAD_TYPE,
        clockRate: 90000,
        // VP8 payload descriptor: start of partition 0, then the frame.
        filler: Buffer.concat([Buffer.from([0x10]), keyFrame]),
        startsAtKeyFrames: true,
      })),
    ];
    const relay = await SlotRelay.open(specs);
    let transport: types.PlainTransport | undefined;
    let recorder: HlsRecorder | undefined;
    try {
      transport = await options.router.createPlainTransport({
        listenInfo: { protocol: 'udp', ip: '127.0.0.1' },
        rtcpMux: true,
        comedia: false,
      });
      await transport.connect({ ip: '127.0.0.1', port: relay.port });
      fs.mkdirSync(options.dir, { recursive: true });
      const created = new HlsRecorder({ ...options, readableCodecs }, relay, transport);
      recorder = created;
      // A recorder taking over a folder (after a worker died) continues the
      // numbering, so its files never overwrite ones a playlist still lists.
      created.#generation = lastGeneration(options.dir);
      await created.#route(composition);
      await created.#startRun();
      setImmediate(() => created.#releaseWarnings());
      return created;
    } catch (error) {
      // Nothing left running: consumers, the stall watch, a started FFmpeg.
      await recorder?.stop().catch(() => undefined);
      transport?.close();
      relay.close();
      throw error;
    }
  }

  private constructor(
    options: HlsRecorderOptions & { readableCodecs: ReadonlySet<string> },
    relay: SlotRelay,
    transport: types.PlainTransport,
  ) {
    super();
    this.#options = { fps: 30, segmentSeconds: 1, windowSegments: 6, renditions: defaultRenditions, ...options };
    this.#relay = relay;
    this.#transport = transport;
    this.#receiveCapabilities = ffmpegReceiveCapabilities(options.router.rtpCapabilities);
    this.#fontFile = labelFont();
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

  /**
   * Recompose (hosts joined/left, camera toggled, layout or focus changed):
   * re-routes the slots and moves the tiles in the running compositor.
   * Resolves once FFmpeg has been sent the change.
   */
  update(composition: Composition): Promise<void> {
    this.#updating = this.#updating.then(async () => {
      if (this.#stopped) return;
      await this.#route(composition);
      this.#run?.commander.set(this.#settings);
    });
    return this.#updating;
  }

  /** Stops recording; resolves once FFmpeg has written its last segment and exited. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#restartTimer);
    await this.#updating;
    this.#stallWatch?.stop();
    await this.#stopRun();
    // What each slot went through (losses, slips, key frame waits): the
    // first thing to read when a broadcast looked wrong.
    const slots = this.#relay
      .stats()
      .map((stats, slot) => ({ slot, ...stats }))
      .filter((stats) => stats.forwarded > 0);
    this.#options.logger.info({ slots }, 'recorder stopped');
    this.#transport.close();
    this.#relay.close();
  }

  /**
   * Seats the composition's hosts, consumes their new tracks into their
   * slots, lets go of tracks no longer shown, and works out the scene.
   */
  async #route(composition: Composition): Promise<void> {
    const live = (producer: types.Producer | undefined) =>
      producer && !producer.closed && !producer.paused ? producer : undefined;
    const liveHosts: RecordedHost[] = composition.hosts.slice(0, SLOT_COUNT).map((host) => ({
      hostId: host.hostId,
      ...(host.displayName !== undefined ? { displayName: host.displayName } : {}),
      video: live(host.video),
      audio: live(host.audio),
    }));
    const takes = new Set([...this.#options.readableCodecs].filter((codec) => SLOT_CODECS.has(codec)));
    const { hosts, unreadable } = splitReadableTracks(liveHosts, takes);
    this.#currentWarnings = unreadable;
    for (const warning of unreadable) this.#warn(warning);

    this.#seats = assignSlots(
      this.#seats,
      hosts.map((host) => host.hostId),
      SLOT_COUNT,
    );
    const wanted = new Map<string, { producer: types.Producer; slot: number }>();
    for (const host of hosts) {
      const seat = this.#seats.get(host.hostId)!;
      if (host.audio) wanted.set(host.audio.id, { producer: host.audio, slot: seat });
      if (host.video) wanted.set(host.video.id, { producer: host.video, slot: SLOT_COUNT + seat });
    }
    for (const [producerId, feed] of this.#feeds) {
      const keep = wanted.get(producerId);
      if (keep && keep.slot === feed.slot && !feed.consumer.closed) continue;
      this.#feeds.delete(producerId);
      feed.consumer.close();
      if (![...this.#feeds.values()].some((other) => other.slot === feed.slot)) this.#relay.detach(feed.slot);
    }
    for (const [producerId, { producer, slot }] of wanted) {
      if (this.#feeds.has(producerId) || producer.closed) continue;
      try {
        const consumer = await this.#transport.consume({
          producerId,
          rtpCapabilities: this.#receiveCapabilities,
          paused: true,
        });
        const ssrc = consumer.rtpParameters.encodings?.[0]?.ssrc;
        if (ssrc === undefined) {
          consumer.close();
          continue;
        }
        this.#feeds.set(producerId, { consumer, slot });
        this.#relay.attach(
          slot,
          ssrc,
          consumer.kind === 'video' ? () => void consumer.requestKeyFrame().catch(() => undefined) : undefined,
        );
        await consumer.resume();
      } catch (error) {
        // The producer went away meanwhile: its host's next update drops it.
        this.#options.logger.debug({ err: error, producerId }, 'could not consume a host track for the recorder');
      }
    }
    this.#watchStalls();

    this.#scene = sceneOf(
      {
        hosts: composition.hosts.slice(0, SLOT_COUNT).map((host) => {
          const routed = hosts.find((candidate) => candidate.hostId === host.hostId);
          const label = host.displayName !== undefined ? drawtextSafe(host.displayName) : '';
          return {
            hostId: host.hostId,
            camera: routed?.video !== undefined && this.#feeds.has(routed.video.id),
            ...(label ? { label } : {}),
          };
        }),
        layout: composition.layout,
        ...(composition.focusHostId ? { focusHostId: composition.focusHostId } : {}),
      },
      this.#seats,
      this.#canvas(),
      SLOT_COUNT,
    );
    this.#settings = this.#settingsOf(this.#scene);
    await this.#fitLayers();
  }

  /**
   * Each simulcast camera is consumed at the layer its tile needs (the same
   * rule as viewers' tiles in the studio): four hosts in a grid are four
   * 360p streams to decode, not four 720p ones. A tile that grows asks for
   * the larger layer, which mediasoup switches to at its next key frame.
   */
  async #fitLayers(): Promise<void> {
    for (const feed of this.#feeds.values()) {
      const { consumer } = feed;
      const tile = this.#scene[feed.slot - SLOT_COUNT]?.tile;
      if (consumer.kind !== 'video' || consumer.type !== 'simulcast' || consumer.closed || !tile) continue;
      const spatialLayer = tileSpatialLayer(tile.height, DEFAULT_SIMULCAST_LAYERS);
      if (consumer.preferredLayers?.spatialLayer === spatialLayer) continue;
      await consumer.setPreferredLayers({ spatialLayer }).catch(() => undefined);
    }
  }

  #canvas(): { width: number; height: number } {
    const top = this.#options.renditions[0]!;
    return { width: top.width, height: top.height };
  }

  #settingsOf(scene: SlotScene): SlotSettings {
    return slotSettings(scene, { slotCount: SLOT_COUNT, ...(this.#fontFile ? { fontFile: this.#fontFile } : {}) });
  }

  /** Key frames for cameras that stop (the relay shows filler meanwhile). */
  #watchStalls(): void {
    this.#stallWatch?.stop();
    const cameras = [...this.#feeds.values()].filter((feed) => feed.consumer.kind === 'video');
    this.#stallWatch = watchVideoStalls(
      cameras.map((feed) => feed.consumer),
      {
        onKeyFrameRequest: (consumer, reason) =>
          this.#options.logger.info(
            { producerId: consumer.producerId, reason },
            'video input stalled: key frame requested',
          ),
      },
    );
  }

  async #startRun(): Promise<void> {
    const { dir, fps, segmentSeconds, windowSegments, renditions, logger } = this.#options;
    const generation = ++this.#generation;
    const reservation = await reserveUdpPortPairs(2 * SLOT_COUNT);
    const commandPort = await freeTcpPort();
    // Audio first: FFmpeg's SDP demuxer serves its sockets in SDP order, so
    // when it falls behind (a busy encoder) a backlog of video starves every
    // stream listed after it. The microphones are small and cannot starve the
    // cameras, the other way round they can (the broadcast loses its sound).
    const streams: SdpStream[] = reservation.ports.map((port, index) =>
      index < SLOT_COUNT
        ? {
            kind: 'audio',
            port,
            rtpParameters: {
              codecs: [{ mimeType: 'audio/opus', payloadType: AUDIO_PAYLOAD_TYPE, clockRate: 48000, channels: 2 }],
            },
          }
        : {
            kind: 'video',
            port,
            rtpParameters: { codecs: [{ mimeType: 'video/VP8', payloadType: VIDEO_PAYLOAD_TYPE, clockRate: 90000 }] },
          },
    );
    const sdpFile = path.join(dir, `input_${generation}.sdp`);
    fs.writeFileSync(sdpFile, rtpInputSdp(streams));
    const graph = buildSlotGraph(this.#scene, {
      ...this.#canvas(),
      fps,
      slotCount: SLOT_COUNT,
      commandPort,
      ...(this.#fontFile ? { fontFile: this.#fontFile } : {}),
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
      // Errors only: cameras change size all the time (the senders adapt),
      // and FFmpeg would warn about it on every frame.
      ...['-hide_banner', '-loglevel', 'error', '-nostdin'],
      ...['-protocol_whitelist', 'file,udp,rtp', '-fflags', '+genpts', '-reorder_queue_size', '64'],
      ...['-analyzeduration', String(PROBE_US)],
      // Wait for late (repaired) packets a little longer than the relay
      // does before it gives a camera up for lost (slots/SlotFeed.ts).
      ...['-max_delay', String(RTP_MAX_DELAY_US)],
      // A camera changing size must not rebuild the graph (that would lose
      // the runtime layout and restart the canvas clock): scale takes any size.
      ...['-reinit_filter', '0'],
      ...['-i', sdpFile],
      ...['-filter_complex', `${graph.filter};${output.filterSuffix}`],
      ...output.args,
    ];
    reservation.release();
    const ffmpeg = spawn(resolveFfmpeg(), args, { stdio: ['ignore', 'ignore', 'pipe'] });
    reapOnExit(ffmpeg);
    const run: Run = {
      generation,
      ffmpeg,
      commander: new SceneCommander(commandPort, this.#settings, logger),
      timers: [],
      stderrTail: [],
    };
    ffmpeg.stderr!.on('data', (chunk: Buffer) => {
      run.stderrTail.push(...chunk.toString().split('\n').filter(Boolean));
      run.stderrTail.splice(0, Math.max(0, run.stderrTail.length - 20));
    });
    const startedAt = Date.now();
    ffmpeg.once('exit', (code, signal) => {
      run.commander.close();
      if (this.#run !== run || this.#stopped) return;
      this.#run = undefined;
      this.#relay.setTargets(undefined);
      // Back off while FFmpeg keeps failing; a run that lasted resets it.
      this.#restartDelayMs =
        Date.now() - startedAt > HEALTHY_RUN_MS
          ? MIN_RESTART_DELAY_MS
          : Math.min(this.#restartDelayMs * 2, MAX_RESTART_DELAY_MS);
      logger.warn(
        { generation, code, signal, retryInMs: this.#restartDelayMs, stderr: run.stderrTail.join('\n') },
        'FFmpeg exited; restarting',
      );
      this.#restartTimer = setTimeout(() => {
        this.#updating = this.#updating.then(() => (this.#stopped || this.#run ? undefined : this.#startRun()));
      }, this.#restartDelayMs);
    });
    this.#run = run;
    run.timers.push(this.#watchProgress(run));
    // Filler flows to every slot at once, so FFmpeg finds all its inputs
    // and builds its graph; once it takes commands, cameras join at their
    // next key frame.
    this.#relay.setTargets(reservation.ports);
    void this.#releaseCamerasWhenRunning(run);
  }

  /**
   * Cameras join once FFmpeg has built its graph and written its first
   * segment. Before that it is busy starting its encoders and does not read
   * its sockets; the cameras' key frames, requested at release, would
   * overflow them, and a camera whose key frame is cut decodes nothing until
   * the next one: the whole picture would wait for it.
   */
  async #releaseCamerasWhenRunning(run: Run): Promise<void> {
    await run.commander.connected;
    const playlist = path.join(this.#options.dir, this.#options.renditions[0]!.name, 'index.m3u8');
    const deadline = Date.now() + FIRST_SEGMENT_GRACE_MS;
    while (this.#run === run && Date.now() < deadline && !this.#listsSegmentOf(playlist, run.generation)) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    if (this.#run === run) this.#relay.releaseCameras();
  }

  /** The playlist lists a segment of this FFmpeg run (its files carry the generation). */
  #listsSegmentOf(playlist: string, generation: number): boolean {
    const text = fs.existsSync(playlist) ? fs.readFileSync(playlist, 'utf8') : '';
    return text.includes(`seg_${generation}_`);
  }

  /**
   * FFmpeg can stay alive yet stop producing (an RTP input it cannot get in
   * step with): when the top rendition's playlist has not changed for
   * STALL_RESTART_MS after the first segments, kill it and let the exit
   * handler restart it, so audiences get a short gap rather than a dead
   * stream. Likewise when its output stays more than MAX_OUTPUT_LAG_MS behind
   * real time (outputLag.ts): a live show that fell that far behind is
   * better restarted at the present than played late for the rest of it.
   */
  #watchProgress(run: Run): NodeJS.Timeout {
    const playlist = path.join(this.#options.dir, this.#options.renditions[0]!.name, 'index.m3u8');
    let lastChange = Date.now() + FIRST_SEGMENT_GRACE_MS;
    let lastMtimeMs = 0;
    let laggingSince: number | undefined;
    let resynced = false;
    const restart = (reason: string, details: Record<string, unknown>) => {
      clearInterval(timer);
      this.#options.logger.warn({ generation: run.generation, ...details }, reason);
      run.ffmpeg.kill('SIGKILL');
    };
    const timer = setInterval(() => {
      if (this.#run !== run) return clearInterval(timer);
      const mtimeMs = fs.statSync(playlist, { throwIfNoEntry: false })?.mtimeMs ?? 0;
      if (mtimeMs === lastMtimeMs) {
        const stalledMs = Date.now() - lastChange;
        if (stalledMs > STALL_RESTART_MS) restart('FFmpeg stopped producing segments; restarting it', {});
        else if (stalledMs > STALL_RESYNC_MS && !resynced) {
          // Most often one camera that cannot decode (a packet of its key
          // frame lost in FFmpeg's socket) holds up the picture: filler and
          // a fresh key frame for every camera unblock it without a restart.
          resynced = true;
          this.#options.logger.warn(
            { generation: run.generation },
            'FFmpeg output stalled; cameras rejoin at a key frame',
          );
          this.#relay.releaseCameras();
        }
        return;
      }
      resynced = false;
      lastMtimeMs = mtimeMs;
      lastChange = Math.max(lastChange, Date.now());
      const lagMs = outputLagMs(fs.readFileSync(playlist, 'utf8'), Date.now()) ?? 0;
      laggingSince = lagMs > MAX_OUTPUT_LAG_MS ? (laggingSince ?? Date.now()) : undefined;
      if (laggingSince !== undefined && Date.now() - laggingSince > LAG_RESTART_AFTER_MS) {
        restart('FFmpeg fell behind real time; restarting it at the present', { lagMs });
      }
    }, 1000);
    return timer;
  }

  #stopRun(): Promise<void> {
    const run = this.#run;
    if (!run) return Promise.resolve();
    this.#run = undefined;
    this.#relay.setTargets(undefined);
    for (const timer of run.timers) clearTimeout(timer);
    run.commander.close();
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
