// A session's stream as its audience and its hosts see it: the lifecycle
// (offline → live → ending → archived), who is watching, and its recordings.
// The session (multihost/) says whether it is on air; the broadcast says
// whether the stream is being made or closed; the database remembers both
// after the session ends.
import type { Logger } from 'pino';
import type { Identity } from '../auth/identityToken.ts';
import { AppError } from '../errors.ts';
import type { SessionService } from '../multihost/SessionService.ts';
import type { RecordingView, SessionPlan, StreamStats, StreamStatus } from '../protocol/index.ts';
import { planState } from '../multihost/Session.ts';
import { storedPlan } from '../multihost/SessionStore.ts';
import { livePlaylistPath, lowLatencyPlaylistPath, recordingPlaylistPath } from '../protocol/index.ts';
import { verifyPassword } from '../accounts/passwordHash.ts';
import { AudienceCounter } from './AudienceCounter.ts';
import type { AudienceGate } from './AudienceGate.ts';
import type { BroadcastService } from './BroadcastService.ts';
import type { RecordingStore } from './RecordingStore.ts';
import type { StreamPushes } from './StreamPushes.ts';

export interface StreamServiceOptions {
  sessions: SessionService;
  broadcasts: BroadcastService;
  recordings: RecordingStore;
  gate: AudienceGate;
  pushes: StreamPushes;
  logger: Logger;
  /** How often a changing viewer count is pushed. */
  viewerReportIntervalMs?: number;
}

/** What a session is, whether it is still running or only in the database. */
interface SessionFacts {
  title: string;
  running: boolean;
  onAir: boolean;
  startedAt: string | null;
  endedAt: string | null;
  storedPeakViewers: number;
  plan: SessionPlan;
}

export class StreamService {
  readonly #sessions: SessionService;
  readonly #broadcasts: BroadcastService;
  readonly #recordings: RecordingStore;
  readonly #gate: AudienceGate;
  readonly #audience: AudienceCounter;
  readonly #logger: Logger;
  #awayPushes: Promise<void> = Promise.resolve();

  /** Peak audiences being written: shutdown waits for them before the database closes. */
  readonly #pendingSaves = new Set<Promise<void>>();
  constructor(options: StreamServiceOptions) {
    this.#sessions = options.sessions;
    this.#broadcasts = options.broadcasts;
    this.#recordings = options.recordings;
    this.#gate = options.gate;
    this.#logger = options.logger.child({ component: 'stream' });
    const pushes = options.pushes;
    this.#audience = new AudienceCounter(
      (sessionId, viewers, peakViewers) => pushes.viewers({ sessionId, viewers, peakViewers }),
      options.viewerReportIntervalMs,
    );
    options.broadcasts.on('status', (sessionId, status, recording) => {
      // The count stops at the end: nobody watches a stream that is over.
      if (status !== 'live') this.#audience.stopCounting(sessionId);
      pushes.status({
        sessionId,
        status,
        recording,
        hostReconnectingUntil: this.#hostReconnectingUntil(sessionId),
        hlsUrl: this.#hlsUrlOf(sessionId, status),
        llHlsUrl: this.#llHlsUrlOf(sessionId, status),
      });
      if (status === 'archived') {
        const saving = this.#savePeak(sessionId);
        this.#pendingSaves.add(saving);
        void saving.finally(() => this.#pendingSaves.delete(saving));
      }
    });
    options.sessions.on('ended', (session) => this.#audience.stopCounting(session.id));
    options.sessions.on('movedAway', (session) => this.#audience.stopCounting(session.id));
    options.sessions.on('primaryAway', (session, until) => {
      // In order: "away" must not overtake "back" while it reads the recording.
      this.#awayPushes = this.#awayPushes
        .then(() => this.#pushStatus(pushes, session.id, until))
        .catch((error: unknown) =>
          this.#logger.error({ err: error, sessionId: session.id }, 'telling the audience the host is away failed'),
        );
    });
    options.broadcasts.on('warning', (warning) => pushes.warning(warning));
    options.broadcasts.on('playable', (sessionId) => {
      // Same queue as the host's comings and goings: pushes of one stream stay in order.
      this.#awayPushes = this.#awayPushes
        .then(() => this.#pushStatus(pushes, sessionId, this.#hostAwayUntil(sessionId)))
        .catch((error: unknown) =>
          this.#logger.error({ err: error, sessionId }, 'telling the audience the stream is playable failed'),
        );
    });
  }

  /**
   * The stream as its audience sees it: for a private session, only with its
   * watch key (or to its hosts), and then its addresses carry the key.
   */
  async stats(sessionId: string, key?: string, caller?: Identity): Promise<StreamStats> {
    const { access } = await this.#gate.admit(sessionId, key, caller);
    const facts = await this.#facts(sessionId);
    const status = this.#statusOf(sessionId, facts);
    const now = Date.now();
    const active = this.#broadcasts.recordingOf(sessionId);
    const recordings = (await this.#recordings.listForSession(sessionId))
      .map((recording) =>
        recording.id === active?.id
          ? { ...recording, durationS: (now - active.startedAt.getTime()) / 1000 }
          : recording,
      )
      .map((recording) => withKey(recording, access.key));
    const startedMs = facts.startedAt ? Date.parse(facts.startedAt) : undefined;
    const endedMs = facts.endedAt ? Date.parse(facts.endedAt) : now;
    return {
      sessionId,
      title: facts.title,
      plan: facts.plan,
      status,
      startedAt: facts.startedAt,
      endedAt: facts.endedAt,
      durationS: startedMs === undefined ? 0 : Math.max(0, (endedMs - startedMs) / 1000),
      viewers: this.#audience.viewers(sessionId),
      peakViewers: Math.max(this.#audience.peakViewers(sessionId), facts.storedPeakViewers),
      hlsUrl: this.#hlsUrlOf(sessionId, status),
      llHlsUrl: this.#llHlsUrlOf(sessionId, status),
      hostReconnectingUntil: this.#hostReconnectingUntil(sessionId),
      recording: recordings.find((recording) => recording.id === active?.id) ?? null,
      recordings,
    };
  }

  /** Starts or stops the session's recording: the primary host, while live. */
  async record(caller: Identity, sessionId: string, action: 'start' | 'stop'): Promise<RecordingView> {
    const session = this.#sessions.get(sessionId);
    session.assertPrimary(caller, action === 'start' ? 'start recording' : 'stop recording');
    if (session.status !== 'live' || this.#broadcasts.statusOf(sessionId) !== 'live') {
      throw new AppError('CONFLICT', 'the session is not live: go live first');
    }
    return action === 'start' ? this.#broadcasts.startRecording(sessionId) : this.#broadcasts.stopRecording(sessionId);
  }

  /**
   * Counts an audience page as watching; answers with the stream's state. A
   * private session needs its key; a full one refuses a page it does not
   * count yet.
   */
  async watch(sessionId: string, watcherId: string, key?: string, caller?: Identity): Promise<StreamStats> {
    const stats = await this.stats(sessionId, key, caller); // NOT_FOUND, PRIVATE_SESSION before counting anyone
    // An ended session (or one ending) counts nobody: its audience is gone.
    const session = this.#sessions.find(sessionId);
    if (!session || stats.status === 'ending' || stats.status === 'archived') return stats;
    const capacity = session.watchAccess.maxViewers;
    const counted = this.#audience.isWatching(sessionId, watcherId);
    if (capacity !== null && !counted && this.#audience.viewers(sessionId) >= capacity) {
      throw new AppError(
        'AUDIENCE_FULL',
        `this show is full: it takes ${capacity} ${capacity === 1 ? 'viewer' : 'viewers'} at once; try again in a moment`,
      );
    }
    this.#audience.watch(sessionId, watcherId);
    const peakViewers = Math.max(stats.peakViewers, this.#audience.peakViewers(sessionId));
    return { ...stats, viewers: this.#audience.viewers(sessionId), peakViewers };
  }

  /** The key of a private session for its password (answered with NOT_ALLOWED when wrong, in words). */
  async unlock(sessionId: string, password: string): Promise<{ key: string }> {
    const audience = await this.#gate.audienceOf(sessionId);
    if (!audience) throw new AppError('NOT_FOUND', 'no such session');
    const { key, passwordHash } = audience.access;
    if (key === null) throw new AppError('CONFLICT', 'this show is public: it needs no password');
    if (passwordHash === null) {
      throw new AppError('NOT_ALLOWED', 'this show opens with its link only: ask the host for it');
    }
    if (!(await verifyPassword(password, passwordHash))) throw new AppError('NOT_ALLOWED', 'wrong password');
    return { key };
  }

  /** A session's recordings, to whoever may watch it. */
  async recordingsOf(sessionId: string, key?: string, caller?: Identity): Promise<RecordingView[]> {
    const { access } = await this.#gate.admit(sessionId, key, caller);
    return (await this.#recordings.listForSession(sessionId)).map((recording) => withKey(recording, access.key));
  }

  /** One recording, to whoever may watch its session. */
  async recording(recordingId: string, key?: string, caller?: Identity): Promise<RecordingView> {
    const recording = await this.#recordings.get(recordingId);
    if (!recording) throw new AppError('NOT_FOUND', 'no such recording');
    const { access } = await this.#gate.admit(recording.sessionId, key, caller);
    return withKey(recording, access.key);
  }

  /** What anyone may watch again: the newest archived recordings of public sessions (the home page). */
  recentRecordings(limit: number): Promise<RecordingView[]> {
    return this.#recordings.listRecentPublic(limit);
  }

  /** A host's recordings: those of private sessions only to the host themselves. */
  async recordingsOfHost(userId: string, caller?: Identity): Promise<RecordingView[]> {
    const [listed, known] = await Promise.all([
      this.#recordings.listForHost(userId),
      this.#recordings.isKnownHost(userId),
    ]);
    if (!known) throw new AppError('NOT_FOUND', 'no such host');
    return this.#visibleTo(listed, userId, caller);
  }

  /** A host's recordings anyone may see (a channel's page), newest first. */
  async publicRecordingsOfHost(userId: string, limit: number): Promise<RecordingView[]> {
    return this.#visibleTo(await this.#recordings.listForHost(userId, limit), userId, undefined);
  }

  /** Recordings of private sessions only to their host, with the key. */
  async #visibleTo(listed: RecordingView[], hostId: string, caller: Identity | undefined): Promise<RecordingView[]> {
    const shown: RecordingView[] = [];
    for (const recording of listed) {
      const audience = await this.#gate.audienceOf(recording.sessionId);
      const key = audience?.access.key ?? null;
      if (key === null) shown.push(recording);
      else if (caller?.userId === hostId) shown.push(withKey(recording, key));
    }
    return shown;
  }

  unwatch(sessionId: string, watcherId: string): void {
    this.#audience.unwatch(sessionId, watcherId);
  }

  /** A watcher disconnected. */
  leaveAll(watcherId: string): void {
    this.#audience.leaveAll(watcherId);
  }

  /** Stops counting, and waits for the writes already started (the database closes next). */
  async close(): Promise<void> {
    this.#audience.close();
    await Promise.all([...this.#pendingSaves, this.#awayPushes]);
  }

  /** The live playlist, once players can start on it (with a private session's key: only its audience hears it). */
  #hlsUrlOf(sessionId: string, status: StreamStatus): string | null {
    return status === 'live' && this.#broadcasts.isPlayable(sessionId)
      ? livePlaylistPath(sessionId, this.#liveKey(sessionId))
      : null;
  }

  /** The low-latency playlist, when offered and players can start on it. */
  #llHlsUrlOf(sessionId: string, status: StreamStatus): string | null {
    return this.#broadcasts.lowLatencyHls && this.#hlsUrlOf(sessionId, status) !== null
      ? lowLatencyPlaylistPath(sessionId, this.#liveKey(sessionId))
      : null;
  }

  /** A live session is running here: its key, if private. */
  #liveKey(sessionId: string): string | null {
    return this.#sessions.find(sessionId)?.watchAccess.key ?? null;
  }

  #hostAwayUntil(sessionId: string): Date | null {
    const until = this.#hostReconnectingUntil(sessionId);
    return until === null ? null : new Date(until);
  }

  /** While the session waits for its dropped primary host: until when (ISO); else null. */
  #hostReconnectingUntil(sessionId: string): string | null {
    const session = this.#sessions.find(sessionId);
    return session ? session.host(session.primaryHostId).awayUntil : null;
  }

  /** The stream's status again (the host away or back, the stream playable); the recording as it is. */
  async #pushStatus(pushes: StreamPushes, sessionId: string, until: Date | null): Promise<void> {
    const session = this.#sessions.find(sessionId);
    if (!session) return;
    const active = this.#broadcasts.recordingOf(sessionId);
    const recording = active ? ((await this.#recordings.get(active.id)) ?? null) : null;
    const status = this.#broadcasts.statusOf(sessionId) ?? (session.status === 'live' ? 'live' : 'offline');
    pushes.status({
      sessionId,
      status,
      recording,
      hostReconnectingUntil: until?.toISOString() ?? null,
      hlsUrl: this.#hlsUrlOf(sessionId, status),
      llHlsUrl: this.#llHlsUrlOf(sessionId, status),
    });
  }

  async #facts(sessionId: string): Promise<SessionFacts> {
    const session = this.#sessions.find(sessionId);
    if (session) {
      const state = session.toState();
      return {
        title: state.title,
        running: true,
        onAir: state.status === 'live',
        startedAt: state.startedAt,
        endedAt: state.endedAt,
        storedPeakViewers: 0,
        plan: state.plan,
      };
    }
    const row = await this.#sessions.store.find(sessionId);
    if (!row) throw new AppError('NOT_FOUND', 'no such session');
    return {
      title: row.title,
      running: false,
      onAir: false,
      startedAt: row.startedAt?.toISOString() ?? null,
      endedAt: row.endedAt?.toISOString() ?? null,
      storedPeakViewers: row.peakViewers,
      plan: planState(storedPlan(row, this.#logger)),
    };
  }

  #statusOf(sessionId: string, facts: SessionFacts): StreamStatus {
    const broadcasting = this.#broadcasts.statusOf(sessionId);
    if (broadcasting) return broadcasting;
    if (facts.onAir) return 'live';
    // Ended after being on air: whatever it recorded is final.
    if (!facts.running && facts.startedAt) return 'archived';
    return 'offline';
  }

  async #savePeak(sessionId: string): Promise<void> {
    try {
      await this.#sessions.store.savePeakViewers(sessionId, this.#audience.peakViewers(sessionId));
      this.#audience.forgetPeak(sessionId);
    } catch (error) {
      this.#logger.error({ err: error, sessionId }, 'saving the peak audience failed');
    }
  }
}

/** A private session's recording is played through a path with its key. */
function withKey(recording: RecordingView, key: string | null): RecordingView {
  return key === null
    ? recording
    : { ...recording, playlistUrl: recordingPlaylistPath(recording.id, key), watchKey: key };
}
