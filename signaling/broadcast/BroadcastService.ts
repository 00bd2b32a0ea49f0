// Audiences watch HLS, not the SFU: while a session is live, an HlsRecorder
// composes its hosts into the live ladder under MEDIA_DIR/live/<sessionId>.
// It recomposes when what the audience sees changes (debounced), and stops
// when the session ends. A recording (VOD under MEDIA_DIR/vod/<recordingId>)
// keeps the top rendition while it runs: from going live by default, and
// whenever the primary host starts one.
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { defaultRenditions } from '../../recorder/hlsOutputArgs.ts';
import { resolveFfmpeg } from '../../recorder/ffmpegBinary.ts';
import type { CompositorExitCause } from '../../recorder/CompositorProcessTypes.ts';
import { HlsRecorder } from '../../recorder/HlsRecorder.ts';
import type { LiveLadder } from '../../recorder/llhls/LiveLadder.ts';
import type { HlsContinuation } from '../../recorder/llhls/LiveRendition.ts';
import { sealVodPlaylist } from '../../recorder/VodArchiver.ts';
import { AppError } from '../errors.ts';
import type { Session } from '../multihost/Session.ts';
import type { SessionService } from '../multihost/SessionService.ts';
import type { BattleState, RecordingView, StreamStatus, StreamWarning } from '../protocol/index.ts';
import { ActiveRecording } from './ActiveRecording.ts';
import { compositionKey, compositionOf, type BattleCompositionView } from './compositionOf.ts';
import type { RecordingStore } from './RecordingStore.ts';
import { CONTINUATION_MARGIN_SEGMENTS, type HlsContinuity } from './HlsContinuity.ts';

/**
 * Changes closer together than this are applied as one (a host leaving is
 * several state changes in a row). A recomposition only sends the running
 * compositor new tile positions, so this can be short.
 */
const RECOMPOSE_DEBOUNCE_MS = 100;

interface Broadcast {
  session: Session;
  recorder: HlsRecorder | undefined;
  /** 'ending' from the session's end until the recorder and recording are closed. */
  status: 'live' | 'ending';
  /** The recording in progress, if any. */
  recording: ActiveRecording | undefined;
  /** Recording starts and stops run one after another. */
  recordingQueue: Promise<unknown>;
  key: string;
  timer: NodeJS.Timeout | undefined;
  onChanged: () => void;
  /** Recompositions run one after another (each may restart FFmpeg). */
  queue: Promise<void>;
  /** The live master playlist exists: players can start (before it, they would only get 404s). */
  playable: boolean;
  /** Looks for the master playlist until it exists. */
  playableWatch: NodeJS.Timeout | undefined;
  /** Records where the playlists are (cluster mode), and what it recorded last. */
  positionTimer: NodeJS.Timeout | undefined;
  recordedPosition: string;
}

/** How often a live broadcast's playlist position is recorded for another node (cluster mode). */
const POSITION_RECORD_MS = 500;

/** How often a new broadcast looks for its master playlist (FFmpeg writes it with the first segments). */
const PLAYABLE_POLL_MS = 200;

export type BroadcastEvents = {
  /** The stream went live, began ending or was archived; or a recording started or stopped. */
  status: [sessionId: string, status: StreamStatus, recording: RecordingView | null];
  /** The recorder left out a host's track it cannot read (once per track). */
  warning: [warning: StreamWarning];
  /** The live stream can be played from now on (its master playlist exists). */
  playable: [sessionId: string];
};

export interface BroadcastOptions {
  mediaDir: string;
  minFreeDiskBytes: number;
  /** Going live starts a recording. */
  recordOnLive: boolean;
  /** Offer low-latency HLS (the recorder's master-ll.m3u8). Default true. */
  lowLatencyHls?: boolean;
  /** Length of a low-latency part (s). Default: the recorder's. */
  hlsPartSeconds?: number;
  /** Frame rate of the broadcast. Default: the recorder's. */
  hlsFps?: number;
  /** The stored file of an on-screen picture's address (a logo, a backdrop); none: pictures are not drawn. */
  pictureFile?: (url: string) => string | undefined;
  recordings: RecordingStore;
  /** Battles the sessions are in: the broadcast switches to the battle picture (optional in tests). */
  battles?: BattlePictures;
  /** Cluster mode: where each broadcast's playlists are, for the node that takes a session over. */
  continuity?: HlsContinuity;
  logger: Logger;
}

/** What the broadcast needs of battles (BattleService). */
export interface BattlePictures {
  /** The battle picture of a session now, or undefined when it is not in one. */
  viewFor(sessionId: string): BattleCompositionView | undefined;
  on(event: 'changed' | 'scores', listener: (battle: BattleState) => void): unknown;
}

export class BroadcastService extends EventEmitter<BroadcastEvents> {
  readonly #sessions: SessionService;
  readonly #recordings: RecordingStore;
  readonly #recordOnLive: boolean;
  readonly #liveDir: string;
  readonly #vodDir: string;
  readonly #logger: Logger;
  readonly #broadcasts = new Map<string, Broadcast>();
  /** Compositor restarts on this node since it started, by cause (GET /metrics). */
  readonly #encoderRestarts: Record<CompositorExitCause, number> = { exited: 0, stalled: 0, lagging: 0 };
  readonly #battles: BattlePictures | undefined;
  readonly #continuity: HlsContinuity | undefined;
  readonly #lowLatencyHls: boolean;
  readonly #hlsPartSeconds: number | undefined;
  readonly #hlsFps: number | undefined;
  readonly #pictureFile: ((url: string) => string | undefined) | undefined;

  constructor(sessions: SessionService, options: BroadcastOptions) {
    super();
    this.#sessions = sessions;
    this.#recordings = options.recordings;
    this.#recordOnLive = options.recordOnLive;
    sessions.beforeGoingLive(() => assertCanBroadcast(options.mediaDir, options.minFreeDiskBytes));
    this.#liveDir = path.join(options.mediaDir, 'live');
    this.#vodDir = path.join(options.mediaDir, 'vod');
    this.#logger = options.logger.child({ component: 'broadcast' });
    this.#battles = options.battles;
    this.#continuity = options.continuity;
    this.#lowLatencyHls = options.lowLatencyHls ?? true;
    this.#hlsPartSeconds = options.hlsPartSeconds;
    this.#hlsFps = options.hlsFps;
    this.#pictureFile = options.pictureFile;
    // A phase change or the opponent's tracks changing re-composes both sessions' pictures.
    this.#battles?.on('changed', (battle) => {
      for (const side of battle.sides) this.#broadcasts.get(side.sessionId)?.onChanged();
    });
    // Scores change only the overlay's commands: nothing is re-routed.
    this.#battles?.on('scores', (battle) => {
      battle.sides.forEach((side, position) => {
        const opponent = battle.sides[position === 0 ? 1 : 0];
        this.#broadcasts.get(side.sessionId)?.recorder?.setBattleScores(side.score, opponent.score);
      });
    });
    sessions.on('live', (session) => this.#start(session));
    sessions.on('ended', (session) => void this.#stop(session.id));
    // Moved to another node (a draining node hands it over): the broadcast
    // goes on there, so the audience is not told it ended.
    sessions.on('movedAway', (session) => void this.#stop(session.id, { quiet: true }));
  }

  /**
   * Closes the recordings a stopped process left open (of one session: a
   * cluster node taking it over from a node that died): they become playable
   * VODs, marked interrupted (sealed here when their files are on this node).
   */
  async closeInterruptedRecordings(now: Date, sessionId?: string): Promise<number> {
    const ids = await this.#recordings.interruptOrphans(now, sessionId);
    for (const id of ids) sealVodPlaylist(this.vodDir(id), this.#logger);
    return ids.length;
  }

  /** Compositor restarts on this node since it started, by cause. */
  get encoderRestarts(): Readonly<Record<CompositorExitCause, number>> {
    return this.#encoderRestarts;
  }

  /** Folder holding a session's live HLS (master.m3u8 and one folder per rendition). */
  liveDir(sessionId: string): string {
    return path.join(this.#liveDir, sessionId);
  }

  /** Folder holding a VOD recording (index.m3u8 and its segments). */
  vodDir(recordingId: string): string {
    return path.join(this.#vodDir, recordingId);
  }

  /** 'live' or 'ending' while there is a broadcast; undefined otherwise. */
  statusOf(sessionId: string): 'live' | 'ending' | undefined {
    return this.#broadcasts.get(sessionId)?.status;
  }

  /** Low-latency HLS is offered to audiences. */
  get lowLatencyHls(): boolean {
    return this.#lowLatencyHls;
  }

  /** The live ladder of a session's running recorder: low-latency playlists and parts come from it. */
  liveHls(sessionId: string): LiveLadder | undefined {
    return this.#lowLatencyHls ? this.#broadcasts.get(sessionId)?.recorder?.liveHls : undefined;
  }

  /** Whether the live stream can be played yet (its master playlist exists). */
  isPlayable(sessionId: string): boolean {
    const broadcast = this.#broadcasts.get(sessionId);
    return broadcast?.status === 'live' && broadcast.playable;
  }

  /** The recording in progress: its id and start. */
  recordingOf(sessionId: string): { id: string; startedAt: Date } | undefined {
    return this.#broadcasts.get(sessionId)?.recording;
  }

  /** Starts a recording of a live broadcast (the caller has checked permissions). */
  async startRecording(sessionId: string): Promise<RecordingView> {
    const broadcast = this.#liveBroadcast(sessionId);
    return this.#queueRecording(broadcast, async () => {
      if (broadcast.recording) throw new AppError('CONFLICT', 'the session is already being recorded');
      if (broadcast.status !== 'live') throw new AppError('CONFLICT', 'the session is ending');
      const recording = await this.#beginRecording(broadcast, true);
      const view = await this.#recordings.get(recording.id);
      if (!view) throw new Error(`recording ${recording.id} has no row`);
      this.emit('status', sessionId, 'live', view);
      return view;
    });
  }

  /** Stops the recording in progress; the broadcast goes on. */
  async stopRecording(sessionId: string): Promise<RecordingView> {
    const broadcast = this.#liveBroadcast(sessionId);
    return this.#queueRecording(broadcast, async () => {
      if (!broadcast.recording) throw new AppError('CONFLICT', 'the session is not being recorded');
      const view = await this.#endRecording(broadcast);
      this.emit('status', sessionId, 'live', null);
      return view;
    });
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.#broadcasts.keys()].map((sessionId) => this.#stop(sessionId)));
  }

  #start(session: Session): void {
    if (this.#broadcasts.has(session.id)) return;
    // Fresh folders: an earlier broadcast of the same id cannot leak in.
    fs.rmSync(this.liveDir(session.id), { recursive: true, force: true });
    const broadcast: Broadcast = {
      session,
      recorder: undefined,
      status: 'live',
      recording: undefined,
      recordingQueue: Promise.resolve(),
      key: '',
      timer: undefined,
      onChanged: () => undefined,
      queue: Promise.resolve(),
      playable: false,
      playableWatch: undefined,
      positionTimer: undefined,
      recordedPosition: '',
    };
    if (this.#continuity) {
      broadcast.positionTimer = setInterval(() => this.#recordPosition(broadcast), POSITION_RECORD_MS);
    }
    const masterPlaylist = path.join(this.liveDir(session.id), 'master.m3u8');
    broadcast.playableWatch = setInterval(() => {
      if (broadcast.status !== 'live' || !fs.existsSync(masterPlaylist)) return;
      clearInterval(broadcast.playableWatch);
      broadcast.playable = true;
      this.emit('playable', session.id);
    }, PLAYABLE_POLL_MS);
    broadcast.onChanged = () => {
      broadcast.recording?.observe(session.toState(), new Date());
      clearTimeout(broadcast.timer);
      broadcast.timer = setTimeout(() => this.#enqueue(session, broadcast), RECOMPOSE_DEBOUNCE_MS);
    };
    session.on('changed', broadcast.onChanged);
    this.#broadcasts.set(session.id, broadcast);
    this.#enqueue(session, broadcast);
    this.emit('status', session.id, 'live', null);
    if (this.#recordOnLive) {
      void this.#queueRecording(broadcast, async () => {
        const recording = await this.#beginRecording(broadcast, false);
        this.emit('status', session.id, 'live', (await this.#recordings.get(recording.id)) ?? null);
      }).catch((error: unknown) =>
        this.#logger.error({ err: error, sessionId: session.id }, 'starting the recording failed'),
      );
    }
  }

  #liveBroadcast(sessionId: string): Broadcast {
    const broadcast = this.#broadcasts.get(sessionId);
    if (!broadcast) throw new AppError('CONFLICT', 'the session is not live');
    return broadcast;
  }

  #queueRecording<T>(broadcast: Broadcast, change: () => Promise<T>): Promise<T> {
    const result = broadcast.recordingQueue.then(change);
    // The queue only orders the changes: a failed one must not stop the next.
    // Its error is not lost: the caller gets `result` and handles it.
    broadcast.recordingQueue = result.catch(() => undefined);
    return result;
  }

  async #beginRecording(broadcast: Broadcast, fromNow: boolean): Promise<ActiveRecording> {
    const sessionId = broadcast.session.id;
    broadcast.recording = await ActiveRecording.start(
      this.#recordings,
      broadcast.session.toState(),
      {
        liveRenditionDir: path.join(this.liveDir(sessionId), defaultRenditions[0]!.name),
        vodDirOf: (recordingId) => this.vodDir(recordingId),
      },
      { fromNow, now: new Date(), logger: this.#logger.child({ sessionId }) },
    );
    this.#logger.info({ sessionId, recordingId: broadcast.recording.id }, 'recording started');
    return broadcast.recording;
  }

  async #endRecording(broadcast: Broadcast): Promise<RecordingView> {
    const recording = broadcast.recording!;
    broadcast.recording = undefined;
    const view = await recording.finish(new Date());
    this.#logger.info(
      { sessionId: broadcast.session.id, recordingId: view.id, durationS: view.durationS, bytes: view.sizeBytes },
      'recording archived',
    );
    return view;
  }

  #enqueue(session: Session, broadcast: Broadcast): void {
    broadcast.queue = broadcast.queue.then(() => this.#recompose(session, broadcast));
  }

  async #recompose(session: Session, broadcast: Broadcast): Promise<void> {
    try {
      const room = await this.#sessions.openMediaRoom(session);
      if (broadcast.status !== 'live') return;
      const composition = compositionOf(
        session.toState(),
        (producerId) => room.findProducer(producerId),
        this.#battles?.viewFor(session.id),
      );
      const key = compositionKey(composition);
      // A new router (the worker died and hosts rejoined) needs a new recorder.
      if (broadcast.recorder && broadcast.recorder.router !== room.router) {
        await broadcast.recorder.stop();
        broadcast.recorder = undefined;
      }
      if (!broadcast.recorder) {
        const continueAfter = await this.#continuationOf(session.id);
        broadcast.recorder = await HlsRecorder.start(
          {
            router: room.router,
            dir: this.liveDir(session.id),
            logger: this.#logger.child({ sessionId: session.id }),
            lowLatency: this.#lowLatencyHls,
            ...(this.#hlsPartSeconds !== undefined ? { partSeconds: this.#hlsPartSeconds } : {}),
            ...(this.#hlsFps !== undefined ? { fps: this.#hlsFps } : {}),
            ...(this.#pictureFile ? { pictureFile: this.#pictureFile } : {}),
            ...(continueAfter ? { continueAfter } : {}),
          },
          composition,
        );
        broadcast.recorder.on('encoderRestart', (cause) => this.#encoderRestarts[cause]++);
        broadcast.recorder.on('warning', (warning) => {
          const host = session.toState().hosts.find((candidate) => candidate.userId === warning.hostId);
          const what = {
            camera: 'camera',
            microphone: 'microphone',
            screen: 'screen share',
            'screen-audio': 'screen sound',
          }[warning.source];
          const message = `${host?.displayName ?? 'A host'}'s ${what} (${warning.mimeType}) cannot be broadcast: the audience ${warning.kind === 'video' ? `sees the ${what} off` : 'does not hear it'}`;
          this.#logger.warn({ sessionId: session.id, ...warning }, message);
          this.emit('warning', {
            sessionId: session.id,
            code: warning.code,
            userId: warning.hostId,
            kind: warning.kind,
            message,
          });
        });
      } else if (key !== broadcast.key) {
        await broadcast.recorder.update(composition);
      }
      broadcast.key = key;
      if (broadcast.status !== 'live') await broadcast.recorder.stop();
    } catch (error) {
      this.#logger.error({ err: error, sessionId: session.id }, 'recomposing the broadcast failed');
    }
  }

  /** Where another node's recorder of this broadcast left off, past anything it may have listed since. */
  async #continuationOf(sessionId: string): Promise<HlsContinuation | undefined> {
    const last = await this.#continuity?.lastPosition(sessionId).catch((error: unknown) => {
      this.#logger.warn({ err: error, sessionId }, 'reading the HLS position failed: numbering starts again');
      return undefined;
    });
    return last && { ...last, nextMsn: last.nextMsn + CONTINUATION_MARGIN_SEGMENTS };
  }

  #recordPosition(broadcast: Broadcast): void {
    const position = broadcast.recorder?.liveHls.continuation;
    if (!position || !this.#continuity) return;
    const key = `${position.nextMsn}/${position.discontinuitySequence}/${position.generation}`;
    if (key === broadcast.recordedPosition) return;
    broadcast.recordedPosition = key;
    this.#continuity.record(broadcast.session.id, position);
  }

  async #stop(sessionId: string, { quiet = false }: { quiet?: boolean } = {}): Promise<void> {
    const broadcast = this.#broadcasts.get(sessionId);
    if (!broadcast || broadcast.status === 'ending') return;
    broadcast.status = 'ending';
    clearTimeout(broadcast.timer);
    clearInterval(broadcast.playableWatch);
    clearInterval(broadcast.positionTimer);
    broadcast.session.off('changed', broadcast.onChanged);
    // Moving to another node, the broadcast goes on there from here; ended, there is nothing to continue.
    if (quiet) this.#recordPosition(broadcast);
    else this.#continuity?.forget(sessionId);
    if (!quiet) this.emit('status', sessionId, 'ending', null);
    try {
      await broadcast.queue;
      // FFmpeg finishes its last segment before the recording takes it.
      await broadcast.recorder?.stop();
      await this.#queueRecording(broadcast, async () => {
        if (broadcast.recording) await this.#endRecording(broadcast);
      });
    } catch (error) {
      this.#logger.error({ err: error, sessionId }, 'closing the broadcast failed');
    } finally {
      this.#broadcasts.delete(sessionId);
      this.#logger.info({ sessionId, movedAway: quiet }, 'broadcast ended');
      if (!quiet) this.emit('status', sessionId, 'archived', null);
    }
  }
}

/** Going live needs FFmpeg and room on disk: say which is missing instead of starting a dead stream. */
function assertCanBroadcast(mediaDir: string, minFreeDiskBytes: number): void {
  try {
    resolveFfmpeg();
  } catch (error) {
    throw new AppError('UNAVAILABLE', `cannot broadcast: ${(error as Error).message}`);
  }
  fs.mkdirSync(mediaDir, { recursive: true });
  const disk = fs.statfsSync(mediaDir);
  const freeBytes = disk.bavail * disk.bsize;
  if (freeBytes < minFreeDiskBytes) {
    const mib = (bytes: number) => `${Math.floor(bytes / 1024 / 1024)} MiB`;
    throw new AppError(
      'UNAVAILABLE',
      `cannot broadcast: ${mib(freeBytes)} free in the media folder, ${mib(minFreeDiskBytes)} required (MIN_FREE_DISK_MB)`,
    );
  }
}
