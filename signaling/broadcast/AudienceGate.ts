// The one place that decides whether someone may watch a session: its page
// (stats), its socket (`stream:watch`), its chat, its live HLS files and its
// recordings. A session running here answers from memory; one that ended
// (its recordings, its stats page) from its row, remembered briefly because a
// player asks for a file every few hundred milliseconds. The rule itself is
// WatchAccess's: public, or the right key; a session's hosts need no key.
import type { Identity } from '../auth/identityToken.ts';
import { AppError } from '../errors.ts';
import type { SessionService } from '../multihost/SessionService.ts';
import { WatchAccess } from '../multihost/WatchAccess.ts';
import type { RecordingStore } from './RecordingStore.ts';

/** Who may watch, and who hosts (they need no key). */
export interface SessionAudience {
  access: WatchAccess;
  isHost(userId: string): boolean;
}

/** An id and the key its media paths carry, from `<id>` or `<id>~<key>` (mediaFolder). */
export interface MediaFolder {
  id: string;
  key: string | undefined;
}

const folderPattern = /^([A-Za-z0-9_-]{1,64})(?:~([A-Za-z0-9_-]{1,64}))?$/;
/** How long an ended session's or a recording's answer is remembered. */
const REMEMBERED_MS = 30_000;
const MAX_REMEMBERED = 2000;

export function parseMediaFolder(folder: string): MediaFolder | undefined {
  const match = folderPattern.exec(folder);
  return match ? { id: match[1]!, key: match[2] } : undefined;
}

export class AudienceGate {
  readonly #sessions: SessionService;
  readonly #recordings: RecordingStore;
  /** Ended sessions' audiences and recordings' sessions, as read from the database, with when. */
  readonly #stored = new Map<string, { audience: SessionAudience | undefined; readAtMs: number }>();
  readonly #recordingSessions = new Map<string, string | undefined>();

  constructor(sessions: SessionService, recordings: RecordingStore) {
    this.#sessions = sessions;
    this.#recordings = recordings;
  }

  /** Who may watch the session; undefined when there is no such session. */
  async audienceOf(sessionId: string): Promise<SessionAudience | undefined> {
    const running = this.#sessions.find(sessionId);
    if (running) return { access: running.watchAccess, isHost: (userId) => running.isHost(userId) };
    const remembered = this.#stored.get(sessionId);
    if (remembered && Date.now() - remembered.readAtMs < REMEMBERED_MS) return remembered.audience;
    const row = await this.#sessions.store.find(sessionId);
    const audience: SessionAudience | undefined = row
      ? {
          access: new WatchAccess({ key: row.watchKey, passwordHash: row.watchPasswordHash, maxViewers: null }),
          // Once it has ended, its primary host is the one left to answer for it.
          isHost: (userId) => userId === row.primaryHostId,
        }
      : undefined;
    remember(this.#stored, sessionId, { audience, readAtMs: Date.now() });
    return audience;
  }

  /** The session's audience, if `key` (or being one of its hosts) lets the caller in; typed errors otherwise. */
  async admit(sessionId: string, key: string | undefined, caller?: Identity): Promise<SessionAudience> {
    const audience = await this.audienceOf(sessionId);
    if (!audience) throw new AppError('NOT_FOUND', 'no such session');
    if (caller && audience.isHost(caller.userId)) return audience;
    audience.access.assertOpens(key);
    return audience;
  }

  /** Whether a live media folder (`<session>` or `<session>~<key>`) may be served: the session's id if so. */
  async liveFolder(folder: string): Promise<FolderAnswer> {
    const parsed = parseMediaFolder(folder);
    if (!parsed) return 'missing';
    return answerFor(parsed, await this.audienceOf(parsed.id));
  }

  /** Whether a recording's folder may be served: the recording's id if so. */
  async recordingFolder(folder: string): Promise<FolderAnswer> {
    const parsed = parseMediaFolder(folder);
    if (!parsed) return 'missing';
    let sessionId = this.#recordingSessions.get(parsed.id);
    if (sessionId === undefined) {
      sessionId = (await this.#recordings.get(parsed.id))?.sessionId;
      // A recording's session never changes: only found ones are remembered (one not found may be made next).
      if (sessionId !== undefined) remember(this.#recordingSessions, parsed.id, sessionId);
    }
    if (sessionId === undefined) return 'missing';
    return answerFor(parsed, await this.audienceOf(sessionId));
  }
}

/** A folder's id when it may be served; else why not. */
export type FolderAnswer = { id: string } | 'private' | 'missing';

function answerFor(folder: MediaFolder, audience: SessionAudience | undefined): FolderAnswer {
  if (!audience) return 'missing';
  return audience.access.opens(folder.key) ? { id: folder.id } : 'private';
}

/** Keeps the map to its bound by forgetting the oldest entries (Maps iterate in insertion order). */
function remember<V>(map: Map<string, V>, key: string, value: V): void {
  map.delete(key);
  map.set(key, value);
  while (map.size > MAX_REMEMBERED) map.delete(map.keys().next().value!);
}
