// Audiences watch HLS, not the SFU: while a session is live, an HlsRecorder
// composes its hosts into the live ladder under MEDIA_DIR/live/<sessionId>.
// It recomposes when what the audience sees changes (debounced), and stops
// when the session ends.
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { defaultRenditions } from '../../recorder/hlsOutputArgs.ts';
import { resolveFfmpeg } from '../../recorder/ffmpegBinary.ts';
import { HlsRecorder } from '../../recorder/HlsRecorder.ts';
import { AppError } from '../errors.ts';
import { VodArchiver, type VodSummary } from '../../recorder/VodArchiver.ts';
import type { Session } from '../multihost/Session.ts';
import type { SessionService } from '../multihost/SessionService.ts';
import { compositionKey, compositionOf } from './compositionOf.ts';

/** Changes closer together than this are applied as one restart. */
const RECOMPOSE_DEBOUNCE_MS = 300;

interface Broadcast {
  session: Session;
  recorder: HlsRecorder | undefined;
  /** Keeps the top rendition of the whole broadcast for VOD. */
  vod: VodArchiver;
  key: string;
  timer: NodeJS.Timeout | undefined;
  onChanged: () => void;
  /** Recompositions run one after another (each may restart FFmpeg). */
  queue: Promise<void>;
}

export type BroadcastEvents = {
  /** A broadcast ended and its VOD recording is complete. */
  recorded: [session: Session, vod: VodSummary];
};

export class BroadcastService extends EventEmitter<BroadcastEvents> {
  readonly #sessions: SessionService;
  readonly #liveDir: string;
  readonly #vodDir: string;
  readonly #logger: Logger;
  readonly #broadcasts = new Map<string, Broadcast>();

  constructor(sessions: SessionService, mediaDir: string, minFreeDiskBytes: number, logger: Logger) {
    super();
    this.#sessions = sessions;
    sessions.beforeGoingLive(() => assertCanBroadcast(mediaDir, minFreeDiskBytes));
    this.#liveDir = path.join(mediaDir, 'live');
    this.#vodDir = path.join(mediaDir, 'vod');
    this.#logger = logger.child({ component: 'broadcast' });
    sessions.on('live', (session) => this.#start(session));
    sessions.on('ended', (session) => void this.#stop(session.id));
  }

  /** Folder holding a session's live HLS (master.m3u8 and one folder per rendition). */
  liveDir(sessionId: string): string {
    return path.join(this.#liveDir, sessionId);
  }

  /** Folder holding a session's VOD recording (index.m3u8 and its segments). */
  vodDir(sessionId: string): string {
    return path.join(this.#vodDir, sessionId);
  }

  isBroadcasting(sessionId: string): boolean {
    return this.#broadcasts.has(sessionId);
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.#broadcasts.keys()].map((sessionId) => this.#stop(sessionId)));
  }

  #start(session: Session): void {
    if (this.#broadcasts.has(session.id)) return;
    // Fresh folders: an earlier broadcast of the same id cannot leak in.
    fs.rmSync(this.liveDir(session.id), { recursive: true, force: true });
    fs.rmSync(this.vodDir(session.id), { recursive: true, force: true });
    const archivedRendition = path.join(this.liveDir(session.id), defaultRenditions[0]!.name);
    const broadcast: Broadcast = {
      session,
      recorder: undefined,
      vod: new VodArchiver(archivedRendition, this.vodDir(session.id)),
      key: '',
      timer: undefined,
      onChanged: () => undefined,
      queue: Promise.resolve(),
    };
    broadcast.onChanged = () => {
      clearTimeout(broadcast.timer);
      broadcast.timer = setTimeout(() => this.#enqueue(session, broadcast), RECOMPOSE_DEBOUNCE_MS);
    };
    session.on('changed', broadcast.onChanged);
    this.#broadcasts.set(session.id, broadcast);
    this.#enqueue(session, broadcast);
  }

  #enqueue(session: Session, broadcast: Broadcast): void {
    broadcast.queue = broadcast.queue.then(() => this.#recompose(session, broadcast));
  }

  async #recompose(session: Session, broadcast: Broadcast): Promise<void> {
    try {
      const room = await this.#sessions.mediaRoomFor(session);
      if (this.#broadcasts.get(session.id) !== broadcast) return;
      const composition = compositionOf(session.toState(), (producerId) => room.findProducer(producerId));
      const key = compositionKey(composition);
      // A new router (the worker died and hosts rejoined) needs a new recorder.
      if (broadcast.recorder && broadcast.recorder.router !== room.router) {
        await broadcast.recorder.stop();
        broadcast.recorder = undefined;
      }
      if (!broadcast.recorder) {
        broadcast.recorder = await HlsRecorder.start(
          { router: room.router, dir: this.liveDir(session.id), logger: this.#logger.child({ sessionId: session.id }) },
          composition,
        );
      } else if (key !== broadcast.key) {
        await broadcast.recorder.update(composition);
      }
      broadcast.key = key;
      if (this.#broadcasts.get(session.id) !== broadcast) await broadcast.recorder.stop();
    } catch (error) {
      this.#logger.error({ err: error, sessionId: session.id }, 'recomposing the broadcast failed');
    }
  }

  async #stop(sessionId: string): Promise<void> {
    const broadcast = this.#broadcasts.get(sessionId);
    if (!broadcast) return;
    this.#broadcasts.delete(sessionId);
    clearTimeout(broadcast.timer);
    broadcast.session.off('changed', broadcast.onChanged);
    await broadcast.queue;
    await broadcast.recorder?.stop();
    const vod = broadcast.vod.finish();
    this.#logger.info({ sessionId, ...vod }, 'broadcast ended; VOD kept');
    this.emit('recorded', broadcast.session, vod);
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
