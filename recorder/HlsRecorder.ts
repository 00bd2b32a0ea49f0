// Records a session's hosts into live HLS with one long-running FFmpeg: a
// persistent compositor with a fixed set of slots (a camera and a microphone
// per host the layout can hold, and a video and a sound per screen share the
// stage can show). The tiles and the main one are the studio's
// (stageEntries, stageFocus in the shared layout geometry), each named. Every host's track is consumed into one
// PlainTransport that sends to the slot relay (slots/SlotRelay.ts), which
// hands each slot to FFmpeg as one uninterrupted RTP stream, with filler
// while nobody feeds it. A change of hosts, tracks or layout re-routes
// slots and sends the new tile geometry to FFmpeg's zmq filter
// (slots/SceneCommander.ts): it shows from the next frame, without a
// restart. The FFmpeg itself is CompositorProcess.ts: restarted only when it
// dies or stops producing, with back-off; the playlists continue across that
// seam with a discontinuity. This class routes around its runs: each new run
// gets the relay's targets and a commander, and its cameras join once it has
// written its first segment.
// A PK battle (Composition.battle) swaps the layout for the battle split
// (the same geometry as the studio: own side left, the opponent's hosts,
// piped into this router, right; both sides' microphones mixed) and shows
// the graph's battle overlay: the score bar, the clock and the result
// banners, kept current by a ticker and setBattleScores — commands to the
// running FFmpeg like any layout change.
// The show's logo and backdrop come through picture slots of their own
// (slots/PictureSlots.ts): still frames, switched on by command as well.
// Tracks the compositor cannot take are left out (readableTracks.ts) and
// reported as `warning` events; a camera that stalls gets key frame
// requests (videoStallWatch.ts) and filler until it sends one.
import { ON_SCREEN_PICTURES, type OnScreenState } from '../signaling/protocol/onScreen.ts';
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import type { types } from 'mediasoup';
import { BATTLE_HOSTS_PER_SIDE } from '../signaling/protocol/battles.ts';
import { stageEntries, stageFocus, type StageEntry } from '../signaling/protocol/layoutGeometry.ts';
import { DEFAULT_SIMULCAST_LAYERS, tileSpatialLayer } from '../sfu/quality/layerDecision.ts';
import { CompositorProcess, type CompositorRun } from './CompositorProcess.ts';
import { DEFAULT_COMPOSITOR_TIMING } from './CompositorProcessTypes.ts';
import { AUDIO_PAYLOAD_TYPE, compositorInvocation, VIDEO_PAYLOAD_TYPE } from './compositorInvocation.ts';
import { drawtextSafe } from './slots/drawtextSafe.ts';
import { resolveFfmpeg } from './ffmpegBinary.ts';
import { ffmpegReceiveCapabilities } from './ffmpegReceiveCapabilities.ts';
import { ffmpegReadableRtpCodecs } from './ffmpegRtpCodecs.ts';
import { defaultRenditions } from './hlsOutputArgs.ts';
import { labelFont } from './labelFont.ts';
import { LiveLadder } from './llhls/LiveLadder.ts';
import type {
  Composition,
  HlsRecorderEvents,
  HlsRecorderOptions,
  RecordedHost,
  RecorderWarning,
} from './HlsRecorderTypes.ts';
import { splitReadableTracks } from './readableTracks.ts';
import { overlaySettings } from './slots/battleOverlayGraph.ts';
import { deskSettings } from './slots/deskOverlayGraph.ts';
import {
  battleOverlayOf,
  battleSceneOf,
  battleTileKey,
  type BattleHud,
  type BattleOverlay,
} from './slots/battleScene.ts';
import { assignStageSlots, HOST_SLOTS, SCREEN_SLOTS, SLOT_COUNT, sceneOf } from './slots/compositionScene.ts';
import { fillerVp8KeyFrame, OPUS_SILENCE } from './slots/fillerMedia.ts';
import { SceneCommander } from './slots/SceneCommander.ts';
import { PictureSlots } from './slots/PictureSlots.ts';
import { pictureSettings, slotSettings, type SlotScene, type SlotSettings } from './slots/slotGraph.ts';
import { SlotRelay, type SlotSpec } from './slots/SlotRelay.ts';
import { watchVideoStalls, type VideoStallWatch } from './videoStallWatch.ts';

export type {
  Composition,
  HlsRecorderEvents,
  HlsRecorderOptions,
  RecordedBattle,
  RecordedHost,
  RecorderWarning,
  UnreadableCodecWarning,
} from './HlsRecorderTypes.ts';

/** The recorder's side of one compositor run. */
interface RunLink {
  generation: number;
  commander: SceneCommander;
  /** Resolves when the run's first segment is listed. */
  firstSegment: Promise<void>;
  noteFirstSegment: () => void;
}

/** A host track feeding a slot. */
interface Feed {
  consumer: types.Consumer;
  slot: number;
}

/**
 * A still screen is sent about once a second (Chromium's screencast repeats
 * an unchanged picture that rarely), so a screen slot waits this long before
 * it counts as stalled: a still slide must not flicker to filler.
 */
const SCREEN_STALL_MS = 2500;
/** What the compositor takes: VP8 cameras (what browsers publish to our routers) and Opus microphones. */
const SLOT_CODECS = new Set(['video/vp8', 'audio/opus']);
/**
 * Cameras of a run that has taken commands but written no segment this long
 * join anyway (the grace the compositor's watchdog gives a new run).
 */
const CAMERA_JOIN_DEADLINE_MS = DEFAULT_COMPOSITOR_TIMING.firstSegmentGraceMs;
/**
 * The battle overlay is worked out again this often (only what changed is
 * sent): the clock turns at most this late after each second.
 */
const BATTLE_TICK_MS = 250;
/**
 * New scores reach the picture at most this often (the first at once): gifts
 * can change them a thousand times a second, and each change costs a diff of
 * the whole scene here and drawtext reinits in FFmpeg; unthrottled, the
 * commands piled up faster than FFmpeg answered them.
 */
const BATTLE_SCORE_INTERVAL_MS = 100;

type ResolvedOptions = Required<Omit<HlsRecorderOptions, 'readableCodecs' | 'continueAfter' | 'pictureFile'>> &
  Pick<HlsRecorderOptions, 'continueAfter' | 'pictureFile'> & { readableCodecs: ReadonlySet<string> };

export class HlsRecorder extends EventEmitter<HlsRecorderEvents> {
  readonly #options: ResolvedOptions;
  readonly #relay: SlotRelay;
  readonly #transport: types.PlainTransport;
  readonly #receiveCapabilities: types.RtpCapabilities;
  readonly #fontFile: string | undefined;
  readonly #ladder: LiveLadder;
  readonly #pictures: PictureSlots;
  /** Tile key (host id, or screenTileKey for a screen) → slot, kept while the tile is on stage. */
  #seats = new Map<string, number>();
  /** Producer id → the consumer feeding its slot. */
  readonly #feeds = new Map<string, Feed>();
  /** What the slots show now; the graph of a new FFmpeg run starts with it. */
  #scene: SlotScene = [];
  /** The slots' part of #settings. */
  #slotSettings: SlotSettings = {};
  /** The slots' and the battle overlay's options: what FFmpeg is to show now. */
  #settings: SlotSettings = {};
  /** The battle on air (as routed), else undefined. */
  #battleHud: BattleHud | undefined;
  /** The producer's banner and ticker (from the composition). */
  #onScreen: OnScreenState | undefined;
  /** The latest scores given (update or setBattleScores), [own, opponent]. */
  #battleScores: [number, number] = [0, 0];
  #battleTicker: NodeJS.Timeout | undefined;
  #scoreTimer: NodeJS.Timeout | undefined;
  #scoresShownAt = -Infinity;
  #stallWatches: VideoStallWatch[] = [];
  readonly #compositor: CompositorProcess;
  /** The compositor's current run, once it has started. */
  #run: RunLink | undefined;
  #stopped = false;
  #updating: Promise<void> = Promise.resolve();
  /** Producers already warned about: a warning is given once, not at every update. */
  readonly #warnedProducerIds = new Set<string>();
  /** Warnings held until start() has returned and listeners could be added. */
  #heldWarnings: RecorderWarning[] | undefined = [];
  #currentWarnings: RecorderWarning[] = [];

  static async start(options: HlsRecorderOptions, composition: Composition): Promise<HlsRecorder> {
    const readableCodecs = options.readableCodecs ?? (await ffmpegReadableRtpCodecs(resolveFfmpeg()));
    const keyFrame = await fillerVp8KeyFrame();
    // VP8 payload descriptor: start of partition 0, then the frame.
    const placeholder = Buffer.concat([Buffer.from([0x10]), keyFrame]);
    const specs: SlotSpec[] = [
      ...Array.from({ length: SLOT_COUNT }, (): SlotSpec => ({
        kind: 'audio',
        payloadType: AUDIO_PAYLOAD_TYPE,
        clockRate: 48000,
        filler: OPUS_SILENCE,
        startsAtKeyFrames: false,
      })),
      ...Array.from({ length: SLOT_COUNT }, (_, slot): SlotSpec => ({
        kind: 'video',
        payloadType: VIDEO_PAYLOAD_TYPE,
        clockRate: 90000,
        filler: placeholder,
        startsAtKeyFrames: true,
        ...(slot >= HOST_SLOTS ? { stallMs: SCREEN_STALL_MS } : {}),
      })),
      // The picture slots: the placeholder until a picture is shown (PictureSlots).
      ...ON_SCREEN_PICTURES.map((): SlotSpec => ({
        kind: 'video',
        payloadType: VIDEO_PAYLOAD_TYPE,
        clockRate: 90000,
        filler: placeholder,
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
      const created = new HlsRecorder({ ...options, readableCodecs }, relay, transport, [placeholder]);
      recorder = created;
      created.#noteBattleScores(composition);
      await created.#route(composition);
      await created.#compositor.start();
      setImmediate(() => created.#releaseWarnings());
      return created;
    } catch (error) {
      // Nothing left running: consumers, the stall watch, a started FFmpeg.
      await recorder
        ?.stop()
        .catch((stopError: unknown) =>
          options.logger.warn({ err: stopError }, 'could not stop a recorder that failed to start'),
        );
      transport?.close();
      relay.close();
      throw error;
    }
  }

  private constructor(
    options: HlsRecorderOptions & { readableCodecs: ReadonlySet<string> },
    relay: SlotRelay,
    transport: types.PlainTransport,
    placeholder: readonly Buffer[],
  ) {
    super();
    this.#options = {
      fps: 30,
      segmentSeconds: 1,
      windowSegments: 6,
      partSeconds: 0.2,
      lowLatency: true,
      renditions: defaultRenditions,
      ...options,
    };
    this.#relay = relay;
    this.#transport = transport;
    this.#pictures = new PictureSlots({
      relay,
      // After the microphones and the cameras, in ON_SCREEN_PICTURES order (compositorInvocation.ts).
      slots: { logo: 2 * SLOT_COUNT, backdrop: 2 * SLOT_COUNT + 1 },
      canvas: this.#canvas(),
      placeholder,
      fileOf: (url) => this.#options.pictureFile?.(url),
      onShownChange: () => this.#showOverlay(),
      logger: options.logger,
    });
    this.#receiveCapabilities = ffmpegReceiveCapabilities(options.router.rtpCapabilities);
    this.#fontFile = labelFont();
    const { dir, fps, segmentSeconds, windowSegments, partSeconds, lowLatency, renditions, continueAfter, logger } =
      this.#options;
    this.#ladder = new LiveLadder({
      dir,
      renditions,
      fps,
      segmentSeconds,
      windowSegments,
      partSeconds,
      lowLatency,
      ...(continueAfter ? { continueAfter } : {}),
      logger,
    });
    this.#compositor = new CompositorProcess({
      ffmpegPath: resolveFfmpeg(),
      logger,
      inputPortPairs: 2 * SLOT_COUNT + ON_SCREEN_PICTURES.length,
      progressPlaylist: path.join(dir, renditions[0]!.name, 'index.m3u8'),
      // A recorder taking over a folder (after a worker died) continues the
      // numbering, so its files never overwrite ones a playlist still lists.
      // One continuing another node's playlists numbers its runs after that node's.
      lastGeneration: Math.max(lastGeneration(dir), continueAfter?.generation ?? 0),
      // Each run starts with the scene of the moment.
      invocation: ({ generation, inputPorts, commandPort }) =>
        compositorInvocation({
          scene: this.#scene,
          slotCount: SLOT_COUNT,
          inputPorts,
          commandPort,
          generation,
          sdpFile: path.join(dir, `input_${generation}.sdp`),
          fps,
          segmentSeconds,
          partSeconds,
          renditions,
          ...(this.#fontFile ? { fontFile: this.#fontFile } : {}),
          ...(this.#battleHud ? { overlay: this.#overlayNow() } : {}),
          ...(this.#onScreen ? { onScreen: this.#onScreen } : {}),
          pictures: this.#pictures.shown,
        }),
    });
    this.#compositor.on('started', (run, outputs) => {
      // Read even by a recorder that is stopping: FFmpeg blocks on a full pipe and would not finish.
      this.#ladder.startRun(run.generation, outputs);
      this.#onRunStarted(run);
    });
    this.#compositor.on('firstSegment', (run) => this.#linkOf(run)?.noteFirstSegment());
    this.#compositor.on('stalled', (run) => this.#onRunStalled(run));
    this.#compositor.on('exited', (run, exit) => {
      this.#onRunExited(run);
      this.emit('encoderRestart', exit.cause);
    });
  }

  /** Tracks of the current composition left out of the recording, and why. */
  get warnings(): readonly RecorderWarning[] {
    return this.#currentWarnings;
  }

  /** The running FFmpeg's pid (for operations and fault tests). */
  get ffmpegPid(): number | undefined {
    return this.#compositor.pid;
  }

  get router(): types.Router {
    return this.#options.router;
  }

  /** The live ladder as packaged: low-latency playlists and parts are served from it. */
  get liveHls(): LiveLadder {
    return this.#ladder;
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
    // Scores count from the call, not from when the queued update runs: a
    // setBattleScores made meanwhile is newer than the update's own.
    this.#noteBattleScores(composition);
    this.#updating = this.#updating.then(async () => {
      if (this.#stopped) return;
      await this.#route(composition);
      this.#run?.commander.set(this.#settings);
    });
    return this.#updating;
  }

  /**
   * New battle scores (own, opponent): the score bar's split and numbers
   * change from the next frame. Only commands to the running compositor, no
   * re-routing: call it at every score change. Without a battle on air it
   * changes nothing (a battle's `update` brings its scores).
   */
  setBattleScores(own: number, opponent: number): void {
    if (this.#stopped) return;
    this.#battleScores = [own, opponent];
    if (this.#scoreTimer) return;
    const show = () => {
      this.#scoreTimer = undefined;
      if (this.#stopped) return;
      this.#scoresShownAt = Date.now();
      this.#showOverlay();
    };
    const waitMs = this.#scoresShownAt + BATTLE_SCORE_INTERVAL_MS - Date.now();
    if (waitMs <= 0) show();
    else this.#scoreTimer = setTimeout(show, waitMs);
  }

  /** Stops recording; resolves once FFmpeg has written its last segment and exited. */
  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#updating;
    clearInterval(this.#battleTicker);
    this.#battleTicker = undefined;
    clearTimeout(this.#scoreTimer);
    this.#scoreTimer = undefined;
    this.#pictures.close();
    for (const watch of this.#stallWatches) watch.stop();
    this.#relay.setTargets(undefined);
    this.#run?.commander.close();
    this.#run = undefined;
    await this.#compositor.stop();
    // Its pipes may still hold the last parts: the last segments are written once they have ended.
    await this.#ladder.runEnded();
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
    const { battle } = composition;
    // In a battle each tile is a camera (keyed by battleTileKey): screen shares are off stage.
    const liveHostOf = (host: RecordedHost, key: string, withScreen: boolean): RecordedHost => ({
      hostId: key,
      ...(host.displayName !== undefined ? { displayName: host.displayName } : {}),
      video: live(host.video),
      audio: live(host.audio),
      screen: withScreen ? live(host.screen) : undefined,
      screenAudio: withScreen ? live(host.screenAudio) : undefined,
    });
    const ownSide = battle
      ? composition.hosts
          .slice(0, BATTLE_HOSTS_PER_SIDE)
          .map((host) => liveHostOf(host, battleTileKey('own', host.hostId), false))
      : composition.hosts.slice(0, HOST_SLOTS).map((host) => liveHostOf(host, host.hostId, true));
    const opponentSide = (battle?.opponents ?? [])
      .slice(0, BATTLE_HOSTS_PER_SIDE)
      .map((host) => liveHostOf(host, battleTileKey('opponent', host.hostId), false));
    const liveHosts = [...ownSide, ...opponentSide];
    const takes = new Set([...this.#options.readableCodecs].filter((codec) => SLOT_CODECS.has(codec)));
    const { hosts, unreadable } = splitReadableTracks(liveHosts, takes);
    this.#currentWarnings = unreadable;
    for (const warning of unreadable) this.#warn(warning);

    // The stage as the studio shows it: a screen in a codec the compositor
    // cannot take still has its tile (a card with its name).
    const entries: StageEntry[] = battle
      ? liveHosts.map((host) => ({ key: host.hostId, hostId: host.hostId, kind: 'camera' }))
      : stageEntries(liveHosts.map((host) => ({ hostId: host.hostId, sharingScreen: host.screen !== undefined })));
    this.#seats = assignStageSlots(this.#seats, entries, HOST_SLOTS, SCREEN_SLOTS);
    const routedById = new Map(hosts.map((host) => [host.hostId, host]));
    const wanted = new Map<string, { producer: types.Producer; slot: number }>();
    for (const entry of entries) {
      const seat = this.#seats.get(entry.key)!;
      const host = routedById.get(entry.hostId);
      const [video, audio] = entry.kind === 'camera' ? [host?.video, host?.audio] : [host?.screen, host?.screenAudio];
      if (audio) wanted.set(audio.id, { producer: audio, slot: seat });
      if (video) wanted.set(video.id, { producer: video, slot: SLOT_COUNT + seat });
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
        this.#relay.attach(slot, ssrc, consumer.kind === 'video' ? () => this.#requestKeyFrame(consumer) : undefined);
        await consumer.resume();
      } catch (error) {
        // The producer went away meanwhile: its host's next update drops it.
        if (producer.closed) {
          this.#options.logger.debug({ err: error, producerId }, 'a host track closed before the recorder consumed it');
        } else {
          this.#options.logger.warn({ err: error, producerId }, 'could not consume a host track for the recorder');
        }
      }
    }
    this.#watchStalls();

    const namesById = new Map(liveHosts.map((host) => [host.hostId, drawtextSafe(host.displayName ?? '')]));
    const sceneHosts = entries.map((entry) => {
      const host = routedById.get(entry.hostId);
      const video = entry.kind === 'camera' ? host?.video : host?.screen;
      const name = namesById.get(entry.hostId) ?? '';
      // As the studio captions a screen share.
      const label = entry.kind === 'screen' ? (name ? `${name} (screen)` : 'Screen') : name;
      return {
        hostId: entry.key,
        camera: video !== undefined && this.#feeds.has(video.id),
        ...(label ? { label } : {}),
      };
    });
    this.#scene = battle
      ? battleSceneOf(
          { own: sceneHosts.slice(0, ownSide.length), opponent: sceneHosts.slice(ownSide.length) },
          this.#seats,
          this.#canvas(),
          SLOT_COUNT,
        )
      : sceneOf(
          { hosts: sceneHosts, layout: composition.layout, ...focusOf(entries, composition) },
          this.#seats,
          this.#canvas(),
          SLOT_COUNT,
        );
    this.#battleHud = battle && {
      ownName: drawtextSafe(battle.ownName),
      opponentName: drawtextSafe(battle.opponentName),
      phase: battle.phase,
      startsAt: battle.startsAt,
      endsAt: battle.endsAt,
      winner: battle.winner,
    };
    this.#onScreen = composition.onScreen;
    this.#pictures.want(composition.onScreen?.pictures);
    this.#slotSettings = this.#settingsOf(this.#scene);
    this.#composeSettings();
    this.#keepBattleTicking();
    await this.#fitLayers();
  }

  /**
   * Each simulcast camera is consumed at the layer its tile needs (the same
   * rule as viewers' tiles in the studio): four hosts in a grid are four
   * 360p streams to decode, not four 720p ones. Screen shares too (a
   * single-layer share simply stays at its one layer). A tile that grows
   * asks for the larger layer, which mediasoup switches to at its next key
   * frame.
   */
  async #fitLayers(): Promise<void> {
    for (const feed of this.#feeds.values()) {
      const { consumer } = feed;
      const tile = this.#scene[feed.slot - SLOT_COUNT]?.tile;
      if (consumer.kind !== 'video' || consumer.type !== 'simulcast' || consumer.closed || !tile) continue;
      const spatialLayer = tileSpatialLayer(tile.height, DEFAULT_SIMULCAST_LAYERS);
      if (consumer.preferredLayers?.spatialLayer === spatialLayer) continue;
      await consumer.setPreferredLayers({ spatialLayer }).catch((error: unknown) => {
        // A consumer closed meanwhile (its host left) needs no layer.
        if (consumer.closed) return;
        this.#options.logger.warn(
          { err: error, producerId: consumer.producerId, spatialLayer },
          'could not set the layer the recorder consumes',
        );
      });
    }
  }

  /** The relay asks when a camera slot needs a key frame to (re)join. */
  #requestKeyFrame(consumer: types.Consumer): void {
    consumer.requestKeyFrame().catch((error: unknown) => {
      // A consumer closed meanwhile (its host left) has nothing to send.
      if (consumer.closed) return;
      this.#options.logger.warn(
        { err: error, producerId: consumer.producerId },
        'could not request a key frame for the recorder',
      );
    });
  }

  #canvas(): { width: number; height: number } {
    const top = this.#options.renditions[0]!;
    return { width: top.width, height: top.height };
  }

  #settingsOf(scene: SlotScene): SlotSettings {
    return slotSettings(scene, {
      slotCount: SLOT_COUNT,
      ...(this.#fontFile ? { fontFile: this.#fontFile } : {}),
      ...(this.#onScreen ? { onScreen: this.#onScreen } : {}),
    });
  }

  #noteBattleScores(composition: Composition): void {
    if (composition.battle) this.#battleScores = [...composition.battle.scores];
  }

  /** The battle overlay at this moment (none outside battles). */
  #overlayNow(): BattleOverlay | undefined {
    return this.#battleHud && battleOverlayOf(this.#battleHud, this.#battleScores, Date.now(), this.#canvas());
  }

  #composeSettings(): void {
    const font = this.#fontFile ? { fontFile: this.#fontFile } : {};
    this.#settings = {
      ...this.#slotSettings,
      ...overlaySettings(this.#overlayNow(), font),
      ...deskSettings(this.#onScreen, { ...font, canvas: this.#canvas() }),
      ...pictureSettings(this.#pictures.shown, this.#canvas()),
    };
  }

  /** Sends the overlay as it is now (the commander sends only what changed). */
  #showOverlay(): void {
    this.#composeSettings();
    this.#run?.commander.set(this.#settings);
  }

  /** The clock ticks in the picture while a battle is on air. */
  #keepBattleTicking(): void {
    if (this.#battleHud && !this.#battleTicker) {
      this.#battleTicker = setInterval(() => this.#showOverlay(), BATTLE_TICK_MS);
      this.#battleTicker.unref();
    } else if (!this.#battleHud && this.#battleTicker) {
      clearInterval(this.#battleTicker);
      this.#battleTicker = undefined;
    }
  }

  /** Key frames for cameras and screens that stop (the relay shows filler meanwhile). */
  #watchStalls(): void {
    for (const watch of this.#stallWatches) watch.stop();
    const videos = [...this.#feeds.values()].filter((feed) => feed.consumer.kind === 'video');
    const isScreen = (feed: Feed) => feed.slot - SLOT_COUNT >= HOST_SLOTS;
    const watch = (feeds: Feed[], stallMs?: number) =>
      watchVideoStalls(
        feeds.map((feed) => feed.consumer),
        {
          logger: this.#options.logger,
          ...(stallMs !== undefined ? { stallMs } : {}),
          onKeyFrameRequest: (consumer, reason) =>
            this.#options.logger.info(
              { producerId: consumer.producerId, reason },
              'video input stalled: key frame requested',
            ),
        },
      );
    this.#stallWatches = [
      watch(videos.filter((feed) => !isScreen(feed))),
      watch(videos.filter(isScreen), SCREEN_STALL_MS),
    ];
  }

  /**
   * A new run: filler flows to every slot at once, so FFmpeg finds all its
   * inputs and builds its graph; once it takes commands, cameras join at
   * their next key frame.
   */
  #onRunStarted(run: CompositorRun): void {
    // A restart that was under way when stop() began: the compositor stops it.
    if (this.#stopped) return;
    let noteFirstSegment: () => void = () => undefined;
    const firstSegment = new Promise<void>((resolve) => (noteFirstSegment = resolve));
    const link: RunLink = {
      generation: run.generation,
      commander: new SceneCommander(run.commandPort, this.#settings, this.#options.logger),
      firstSegment,
      noteFirstSegment,
    };
    this.#run = link;
    this.#relay.setTargets(run.inputPorts);
    void this.#releaseCamerasWhenRunning(link);
  }

  /**
   * Most often one camera that cannot decode (a packet of its key frame lost
   * in FFmpeg's socket) holds up the picture: filler and a fresh key frame
   * for every camera unblock it without a restart.
   */
  #onRunStalled(run: CompositorRun): void {
    if (!this.#linkOf(run)) return;
    // The compositor has logged the stall at warn.
    this.#options.logger.info({ generation: run.generation }, 'cameras rejoin at a key frame');
    this.#relay.releaseCameras();
  }

  /** Nothing is sent to a dead FFmpeg until the compositor's next run starts. */
  #onRunExited(run: CompositorRun): void {
    const link = this.#linkOf(run);
    if (!link) return;
    link.commander.close();
    this.#run = undefined;
    this.#relay.setTargets(undefined);
  }

  #linkOf(run: CompositorRun): RunLink | undefined {
    return this.#run?.generation === run.generation ? this.#run : undefined;
  }

  /**
   * Cameras join once FFmpeg has built its graph and written its first
   * segment. Before that it is busy starting its encoders and does not read
   * its sockets; the cameras' key frames, requested at release, would
   * overflow them, and a camera whose key frame is cut decodes nothing until
   * the next one: the whole picture would wait for it.
   */
  async #releaseCamerasWhenRunning(link: RunLink): Promise<void> {
    await link.commander.connected;
    let deadline: NodeJS.Timeout | undefined;
    await Promise.race([
      link.firstSegment,
      new Promise((resolve) => (deadline = setTimeout(resolve, CAMERA_JOIN_DEADLINE_MS))),
    ]);
    clearTimeout(deadline);
    if (this.#run === link) this.#relay.releaseCameras();
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

/** The main tile outside grid, as the studio picks it (stageFocus). */
function focusOf(entries: ReturnType<typeof stageEntries>, composition: Composition): { focusHostId?: string } {
  const focus = stageFocus(entries, composition.pinnedHostId, composition.focusHostId);
  return focus ? { focusHostId: focus } : {};
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
