// Audiences watch HLS, not the SFU: while a session is live, an HlsRecorder
// composes its hosts into the live ladder under MEDIA_DIR/live/<sessionId>.
// It recomposes when what the audience sees changes (debounced), and stops
// when the session ends.
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { HlsRecorder } from '../../recorder/HlsRecorder.ts';
import type { Session } from '../multihost/Session.ts';
import type { SessionService } from '../multihost/SessionService.ts';
import { compositionKey, compositionOf } from './compositionOf.ts';

/** Changes closer together than this are applied as one restart. */
const RECOMPOSE_DEBOUNCE_MS = 300;

interface Broadcast {
  session: Session;
  recorder: HlsRecorder | undefined;
  key: string;
  timer: NodeJS.Timeout | undefined;
  onChanged: () => void;
  /** Recompositions run one after another (each may restart FFmpeg). */
  queue: Promise<void>;
}

export class BroadcastService {
  readonly #sessions: SessionService;
  readonly #liveDir: string;
  readonly #logger: Logger;
  readonly #broadcasts = new Map<string, Broadcast>();

  constructor(sessions: SessionService, mediaDir: string, logger: Logger) {
    this.#sessions = sessions;
    this.#liveDir = path.join(mediaDir, 'live');
    this.#logger = logger.child({ component: 'broadcast' });
    sessions.on('live', (session) => this.#start(session));
    sessions.on('ended', (session) => void this.#stop(session.id));
  }

  /** Folder holding a session's live HLS (master.m3u8 and one folder per rendition). */
  liveDir(sessionId: string): string {
    return path.join(this.#liveDir, sessionId);
  }

  isBroadcasting(sessionId: string): boolean {
    return this.#broadcasts.has(sessionId);
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.#broadcasts.keys()].map((sessionId) => this.#stop(sessionId)));
  }

  #start(session: Session): void {
    if (this.#broadcasts.has(session.id)) return;
    const broadcast: Broadcast = {
      session,
      recorder: undefined,
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
    // A fresh live folder: an earlier broadcast of the same id cannot leak in.
    fs.rmSync(this.liveDir(session.id), { recursive: true, force: true });
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
    await broadcast.recorder?.stop();
  }
}
