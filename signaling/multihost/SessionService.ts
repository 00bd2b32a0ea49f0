// The actions on co-host sessions, shared by the HTTP routes and the socket
// handlers: each checks permissions through Session, applies the change,
// persists it, and pushes it to the clients. Also owns each session's media
// room (created on first use, on the least-loaded worker) and the hosts
// joined to it.
import crypto from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { types } from 'mediasoup';
import type { Logger } from 'pino';
import { MediaRoom } from '../../sfu/MediaRoom.ts';
import type { WorkerPool } from '../../sfu/WorkerPool.ts';
import type { Identity } from '../auth/identityToken.ts';
import type { Config } from '../config/config.ts';
import { AppError } from '../errors.ts';
import type { LayoutKind } from '../protocol/layoutGeometry.ts';
import type { JoinResult, LayoutState, LeaveReason, SessionState, SessionType } from '../protocol/index.ts';
import { mintIceServers } from '../turn/turnCredentials.ts';
import { audioLevelsWorthPushing, type HostLevel, type LevelsPush } from './audioLevelPushes.ts';
import { HostConnection, type HostSocket } from './HostConnection.ts';
import { Session } from './Session.ts';
import { sessionChannel, type SessionNotifier } from './SessionNotifier.ts';
import type { SessionStore } from './SessionStore.ts';

export interface SessionServiceOptions {
  pool: WorkerPool;
  store: SessionStore;
  notifier: SessionNotifier;
  config: Pick<Config, 'turn' | 'primaryHostGraceMs' | 'pauseVideoOnCongestion'>;
  logger: Logger;
}

export type SessionServiceEvents = {
  /** A session went on air (start). */
  live: [session: Session];
  /** A session ended (by its host, or its primary host left). */
  ended: [session: Session];
};

export class SessionService extends EventEmitter<SessionServiceEvents> {
  readonly #pool: WorkerPool;
  readonly #store: SessionStore;
  readonly #notifier: SessionNotifier;
  readonly #config: SessionServiceOptions['config'];
  readonly #logger: Logger;
  /** Sessions that have not ended. Ended ones live on in the database only. */
  readonly #sessions = new Map<string, Session>();
  readonly #mediaRooms = new Map<string, Promise<MediaRoom>>();
  /** Hosts joined to a session's media room, by session id then user id. */
  readonly #connections = new Map<string, Map<string, HostConnection>>();
  readonly #graceTimers = new Map<string, NodeJS.Timeout>();
  readonly #goLiveChecks: (() => void)[] = [];

  constructor(options: SessionServiceOptions) {
    super();
    this.#pool = options.pool;
    this.#store = options.store;
    this.#notifier = options.notifier;
    this.#config = options.config;
    this.#logger = options.logger.child({ component: 'sessions' });
  }

  // --- lookup ----------------------------------------------------------------

  /** The session, unless it has ended (or never existed). */
  find(sessionId: string): Session | undefined {
    return this.#sessions.get(sessionId);
  }

  get(sessionId: string): Session {
    const session = this.#sessions.get(sessionId);
    if (!session) throw new AppError('NOT_FOUND', 'no such session (it may have ended)');
    return session;
  }

  listLive(): SessionState[] {
    return [...this.#sessions.values()].filter((session) => session.status === 'live').map((s) => s.toState());
  }

  /** Active sessions where the user is a host (primary or co-host). */
  listActiveForUser(userId: string): SessionState[] {
    return [...this.#sessions.values()].filter((session) => session.isHost(userId)).map((s) => s.toState());
  }

  get store(): SessionStore {
    return this.#store;
  }

  /** Hosts joined with media, for metrics. */
  get connectedHostCount(): number {
    let count = 0;
    for (const hosts of this.#connections.values()) count += hosts.size;
    return count;
  }

  get activeSessionCount(): number {
    return this.#sessions.size;
  }

  // --- lifecycle -------------------------------------------------------------

  async create(caller: Identity, input: { title: string; type: SessionType; layout: LayoutKind }): Promise<Session> {
    const session = new Session({ id: newSessionId(), ...input, creator: caller, now: new Date() });
    await this.#store.insert(session, caller.displayName);
    this.#sessions.set(session.id, session);
    this.#logger.info({ sessionId: session.id, userId: caller.userId }, 'session created');
    return session;
  }

  /** Checks that must pass before a session may go live (the broadcast's FFmpeg and disk). */
  beforeGoingLive(check: () => void): void {
    this.#goLiveChecks.push(check);
  }

  async start(caller: Identity, sessionId: string): Promise<Session> {
    const session = this.get(sessionId);
    session.assertPrimary(caller, 'go live');
    // Refuse up front, with the reason, rather than go live with no stream.
    for (const check of this.#goLiveChecks) check();
    session.start(caller, new Date());
    await this.#persist(session);
    this.#notifier.session(session.id).emit('multihost:status', { sessionId, status: session.status });
    this.emit('live', session);
    return session;
  }

  async end(caller: Identity | undefined, sessionId: string, reason: 'ended-by-host' | 'primary-host-left') {
    const session = this.get(sessionId);
    session.end(caller, new Date());
    this.#sessions.delete(sessionId);
    this.#clearGrace(sessionId);
    this.#notifier.session(sessionId).emit('multihost:ended', { sessionId, reason });
    this.#disconnectAll(session);
    this.emit('ended', session);
    await this.#closeMediaRoom(sessionId);
    await this.#persist(session);
    this.#logger.info({ sessionId, reason }, 'session ended');
  }

  invite(caller: Identity, sessionId: string, userId: string): void {
    const session = this.get(sessionId);
    session.invite(caller, userId);
    this.#notifier
      .user(userId)
      .emit('multihost:invited', { sessionId, title: session.title, invitedBy: caller.displayName });
  }

  accept(caller: Identity, sessionId: string): SessionState {
    const session = this.get(sessionId);
    const host = session.accept(caller);
    this.#notifier.session(sessionId).emit('multihost:host-updated', { sessionId, host });
    return session.toState();
  }

  requestToJoin(caller: Identity, sessionId: string): void {
    const session = this.get(sessionId);
    session.requestToJoin(caller);
    this.#notifier.user(session.primaryHostId).emit('multihost:join-requested', {
      sessionId,
      userId: caller.userId,
      displayName: caller.displayName,
    });
  }

  approve(caller: Identity, sessionId: string, userId: string): SessionState {
    const session = this.get(sessionId);
    const host = session.approve(caller, userId);
    this.#notifier.user(userId).emit('multihost:request-approved', { sessionId });
    this.#notifier.session(sessionId).emit('multihost:host-updated', { sessionId, host });
    return session.toState();
  }

  removeHost(caller: Identity, sessionId: string, userId: string): void {
    const session = this.get(sessionId);
    session.removeHost(caller, userId);
    const connection = this.#connections.get(sessionId)?.get(userId);
    if (connection) this.#disconnect(session, connection);
    this.#notifier.session(sessionId).emit('multihost:left', { sessionId, userId, reason: 'removed' });
    // The removed host has left the session channel; their own sockets hear it here.
    this.#notifier.user(userId).emit('multihost:left', { sessionId, userId, reason: 'removed' });
  }

  async changeLayout(caller: Identity, sessionId: string, layout: LayoutState): Promise<LayoutState> {
    const session = this.get(sessionId);
    session.changeLayout(caller, layout);
    await this.#persist(session);
    this.#notifier.session(sessionId).emit('multihost:layout-changed', { sessionId, layout: session.layout });
    return session.layout;
  }

  async updateSettings(caller: Identity, sessionId: string, change: { title?: string; allowJoinRequests?: boolean }) {
    const session = this.get(sessionId);
    session.updateSettings(caller, change);
    await this.#persist(session);
    this.#notifier
      .session(sessionId)
      .emit('multihost:settings', { sessionId, title: session.title, settings: session.settings });
    return session.toState();
  }

  // --- media room ------------------------------------------------------------

  /** The router's capabilities, for the client's mediasoup Device (hosts only). */
  async routerCapabilities(caller: Identity, sessionId: string): Promise<types.RtpCapabilities> {
    const session = this.get(sessionId);
    session.assertHost(caller);
    return (await this.#mediaRoom(session)).rtpCapabilities;
  }

  async join(caller: Identity, socket: HostSocket, sessionId: string, rtpCapabilities: types.RtpCapabilities) {
    const session = this.get(sessionId);
    session.assertHost(caller);
    if (socket.data.sessionId) throw new AppError('CONFLICT', 'this connection has already joined a session');
    const room = await this.#mediaRoom(session);
    // The same user from another tab or a reload replaces the old connection.
    const previous = this.#connections.get(sessionId)?.get(caller.userId);
    if (previous) this.#disconnect(session, previous, 'disconnected');
    if (!session.isHost(caller.userId) || session.status === 'ended') {
      throw new AppError('NOT_ALLOWED', 'you are no longer a host of this session');
    }

    const media = room.addPeer(caller.userId, rtpCapabilities);
    const logger = this.#logger.child({ sessionId, userId: caller.userId });
    const connection = new HostConnection(session, socket, media, this.#notifier, logger, {
      pauseWhenNothingFits: this.#config.pauseVideoOnCongestion,
    });
    let hosts = this.#connections.get(sessionId);
    if (!hosts) this.#connections.set(sessionId, (hosts = new Map()));
    hosts.set(caller.userId, connection);
    session.setConnected(caller.userId, true);
    socket.data.sessionId = sessionId;
    if (caller.userId === session.primaryHostId) this.#clearGrace(sessionId);

    this.#notifier.session(sessionId).emit('multihost:joined', { sessionId, host: session.host(caller.userId) });
    await socket.join(sessionChannel(sessionId));
    const result: JoinResult = {
      session: session.toState(),
      you: { userId: caller.userId, role: session.roleOf(caller.userId) ?? 'co-host' },
      iceServers: mintIceServers(this.#config.turn, caller.userId, Date.now()),
    };
    return result;
  }

  /** The joined host behind a socket; throws when the socket has not joined. */
  connectionOf(socket: HostSocket): { session: Session; connection: HostConnection } {
    const sessionId = socket.data.sessionId;
    const connection = sessionId
      ? this.#connections.get(sessionId)?.get(socket.data.identity?.userId ?? '')
      : undefined;
    if (!sessionId || !connection || connection.socket !== socket) {
      throw new AppError('CONFLICT', 'join a session first');
    }
    return { session: this.get(sessionId), connection };
  }

  /** A host leaves (request or socket disconnect). The primary host leaving ends the session. */
  async leave(socket: HostSocket, reason: LeaveReason): Promise<void> {
    const sessionId = socket.data.sessionId;
    const session = sessionId ? this.#sessions.get(sessionId) : undefined;
    const connection = session?.id
      ? this.#connections.get(session.id)?.get(socket.data.identity?.userId ?? '')
      : undefined;
    socket.data.sessionId = undefined;
    if (!session || !connection || connection.socket !== socket) return;
    this.#disconnect(session, connection, reason);
    if (connection.userId !== session.primaryHostId) return;
    if (reason === 'left') {
      await this.end(undefined, session.id, 'primary-host-left');
      return;
    }
    // A dropped primary host may be reloading: wait before ending for everyone.
    this.#clearGrace(session.id);
    const timer = setTimeout(() => {
      this.#graceTimers.delete(session.id);
      if (this.#sessions.get(session.id) !== session) return;
      this.end(undefined, session.id, 'primary-host-left').catch((error: unknown) =>
        this.#logger.error({ err: error, sessionId: session.id }, 'ending the session failed'),
      );
    }, this.#config.primaryHostGraceMs);
    this.#graceTimers.set(session.id, timer);
  }

  /** Ends every session (server shutdown). */
  async closeAll(): Promise<void> {
    for (const sessionId of [...this.#sessions.keys()]) {
      await this.end(undefined, sessionId, 'primary-host-left').catch(() => undefined);
    }
  }

  #disconnect(session: Session, connection: HostConnection, reason?: LeaveReason): void {
    const hosts = this.#connections.get(session.id);
    if (hosts?.get(connection.userId) === connection) hosts.delete(connection.userId);
    connection.socket.leave(sessionChannel(session.id));
    connection.socket.data.sessionId = undefined;
    connection.close();
    session.setConnected(connection.userId, false);
    if (reason)
      this.#notifier
        .session(session.id)
        .emit('multihost:left', { sessionId: session.id, userId: connection.userId, reason });
  }

  #disconnectAll(session: Session): void {
    for (const connection of [...(this.#connections.get(session.id)?.values() ?? [])]) {
      this.#disconnect(session, connection);
    }
    this.#connections.delete(session.id);
  }

  /** The session's media room, created on the least-loaded worker if it has none. */
  mediaRoomFor(session: Session): Promise<MediaRoom> {
    return this.#mediaRoom(session);
  }

  #mediaRoom(session: Session): Promise<MediaRoom> {
    let room = this.#mediaRooms.get(session.id);
    if (!room) {
      room = this.#createMediaRoom(session);
      this.#mediaRooms.set(session.id, room);
      // A failed creation is not cached: the next join tries again.
      room.catch(() => this.#mediaRooms.delete(session.id));
    }
    return room;
  }

  async #createMediaRoom(session: Session): Promise<MediaRoom> {
    let worker;
    try {
      worker = this.#pool.leastLoaded();
    } catch {
      throw new AppError('UNAVAILABLE', 'no media server is available; try again shortly');
    }
    const room = await MediaRoom.create(worker, { roomId: session.id }, this.#logger);
    room.on('activespeaker', (userId) => {
      if (session.setActiveSpeaker(userId)) {
        this.#notifier.session(session.id).emit('webrtc:active-speaker', { sessionId: session.id, userId });
      }
    });
    // Changes only (and a refresh): every 400 ms to every socket would cost the most of any push in a steady room.
    let lastLevels: LevelsPush | undefined;
    const pushLevels = (levels: HostLevel[]) => {
      const nowMs = Date.now();
      if (!audioLevelsWorthPushing(lastLevels, levels, nowMs)) return;
      lastLevels = { levels, atMs: nowMs };
      this.#notifier.session(session.id).emit('webrtc:audio-levels', { sessionId: session.id, levels });
    };
    room.on('audiolevels', (levels) => pushLevels(levels.map(({ peerId, volume }) => ({ userId: peerId, volume }))));
    room.on('silence', () => pushLevels([]));
    room.once('close', (reason) => {
      if (reason !== 'worker-died') return;
      this.#onMediaRoomLost(session);
    });
    return room;
  }

  /** The worker under a session died: drop its hosts' media and ask them to join again. */
  #onMediaRoomLost(session: Session): void {
    this.#logger.warn({ sessionId: session.id }, 'media room lost with its worker; hosts will rejoin');
    this.#mediaRooms.delete(session.id);
    this.#notifier.session(session.id).emit('multihost:rejoin', { sessionId: session.id });
    this.#disconnectAll(session);
  }

  async #closeMediaRoom(sessionId: string): Promise<void> {
    const room = this.#mediaRooms.get(sessionId);
    this.#mediaRooms.delete(sessionId);
    (await room?.catch(() => undefined))?.close();
  }

  #clearGrace(sessionId: string): void {
    clearTimeout(this.#graceTimers.get(sessionId));
    this.#graceTimers.delete(sessionId);
  }

  async #persist(session: Session): Promise<void> {
    try {
      await this.#store.update(session);
    } catch (error) {
      // The live state stays authoritative; the record catches up on the next change.
      this.#logger.error({ err: error, sessionId: session.id }, 'persisting the session failed');
    }
  }
}

function newSessionId(): string {
  return crypto.randomBytes(9).toString('base64url');
}
