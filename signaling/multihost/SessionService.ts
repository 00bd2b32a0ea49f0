// The actions on co-host sessions, shared by the HTTP routes and the socket
// handlers (and, later, messages from other nodes): each checks permissions
// through Session, applies the change, persists it, and pushes it to the
// clients through SessionPushes. It takes plain values — an identity, a
// connection id — and holds no sockets. Also owns each session's media room
// (opened explicitly, by a host joining or the broadcast starting, on the
// least-loaded worker) and the hosts joined to it.
import crypto from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { types } from 'mediasoup';
import type { Logger } from 'pino';
import { MediaRoom } from '../../sfu/MediaRoom.ts';
import type { PeerProducer } from '../../sfu/MediaRoomTypes.ts';
import type { WorkerPool } from '../../sfu/WorkerPool.ts';
import type { Identity } from '../auth/identityToken.ts';
import type { Config } from '../config/config.ts';
import { AppError } from '../errors.ts';
import type { LayoutKind } from '../protocol/layoutGeometry.ts';
import type {
  HostPermissions,
  HostState,
  JoinRequestOutcome,
  JoinRequestState,
  JoinResult,
  LayoutState,
  OnScreenChange,
  OnScreenPicture,
  SessionPlan,
  OnScreenState,
  LeaveReason,
  SessionState,
  SessionType,
  StoppableSource,
  WatchLink,
} from '../protocol/index.ts';
import { hashPassword } from '../accounts/passwordHash.ts';
import { mintIceServers } from '../turn/turnCredentials.ts';
import { audioLevelsWorthPushing, type HostLevel, type LevelsPush } from './audioLevelPushes.ts';
import { HostConnection } from './HostConnection.ts';
import type { Invitation } from './invitationLinks.ts';
import { planState, Session, type SavedSession, type SettingsChange } from './Session.ts';
import type { PushTarget, SessionPushes } from './SessionPushes.ts';
import type { SessionStore } from './SessionStore.ts';

/**
 * Cluster mode: this node's claims on the sessions it holds, so that no other
 * node serves them (signaling/cluster/SessionOwnership.ts). A single node
 * needs none.
 */
export interface SessionClaims {
  /** False when another node holds the session. */
  claim(sessionId: string): Promise<boolean>;
  release(sessionId: string): Promise<void>;
}

export interface SessionServiceOptions {
  pool: WorkerPool;
  claims?: SessionClaims | undefined;
  store: SessionStore;
  pushes: SessionPushes;
  config: Pick<Config, 'turn' | 'primaryHostGraceMs' | 'pauseVideoOnCongestion' | 'joinRequestTtlMs' | 'mesh'>;
  logger: Logger;
}

/** A new session as asked for (createSessionBody), the password in clear: it is hashed here. */
export interface NewSessionInput {
  title: string;
  type: SessionType;
  layout: LayoutKind;
  backstage?: boolean;
  private?: boolean;
  password?: string | undefined;
  maxViewers?: number | null;
  /** ISO time the show is announced for; null: not announced. */
  scheduledFor?: string | null;
  description?: string;
  tags?: string[];
}

/** A settings change as asked for (settingsBody): the password in clear, null to remove it. */
export type SettingsInput = Omit<SettingsChange, 'passwordHash'> & { password?: string | null | undefined };

export type SessionServiceEvents = {
  /** A session went on air (start). */
  live: [session: Session];
  /** A user was invited to host the session (by the display name given). */
  invited: [session: Session, userId: string, invitedBy: string];
  /** A session ended (by its host, or its primary host left). */
  ended: [session: Session];
  /** The session waits for its dropped primary host until `until`; null: it is back (or the wait is over). */
  primaryAway: [session: Session, until: Date | null];
  /**
   * Cluster mode: the session now runs on another node (this one drained, or
   * lost its claim while cut off from Redis);
   * it has not ended. Its media room is closed and its hosts rejoin there.
   */
  movedAway: [session: Session];
  /** A host published a track in the session's media room (battles forward it to the opponent). */
  trackPublished: [session: Session, producer: PeerProducer];
};

export class SessionService extends EventEmitter<SessionServiceEvents> {
  readonly #pool: WorkerPool;
  readonly #claims: SessionClaims | undefined;
  readonly #store: SessionStore;
  readonly #pushes: SessionPushes;
  readonly #config: SessionServiceOptions['config'];
  readonly #logger: Logger;
  /** Sessions that have not ended. Ended ones live on in the database only. */
  readonly #sessions = new Map<string, Session>();
  readonly #mediaRooms = new Map<string, Promise<MediaRoom>>();
  /** Hosts joined to a session's media room, by session id then user id. */
  readonly #connections = new Map<string, Map<string, HostConnection>>();
  /** The same hosts by the id of the connection they joined from. */
  readonly #connectionsById = new Map<string, HostConnection>();
  readonly #graceTimers = new Map<string, NodeJS.Timeout>();
  /** The last queued write of each session's row (#persist). */
  readonly #persisting = new Map<string, Promise<void>>();
  readonly #goLiveChecks: (() => void)[] = [];

  constructor(options: SessionServiceOptions) {
    super();
    this.#pool = options.pool;
    this.#claims = options.claims;
    this.#store = options.store;
    this.#pushes = options.pushes;
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

  async create(caller: Identity, input: NewSessionInput): Promise<Session> {
    const {
      private: isPrivate = false,
      password,
      maxViewers = null,
      scheduledFor = null,
      description = '',
      tags = [],
      ...rest
    } = input;
    const passwordHash = password === undefined ? undefined : await hashPassword(password);
    const session = new Session({
      id: newSessionId(),
      ...rest,
      watch: { private: isPrivate, passwordHash, maxViewers },
      plan: {
        scheduledFor: scheduledFor === null ? null : new Date(scheduledFor),
        description,
        tags,
        coverImage: null,
      },
      creator: caller,
      now: new Date(),
      joinRequestTtlMs: this.#config.joinRequestTtlMs,
      mesh: this.#config.mesh,
    });
    this.#watch(session);
    if (this.#claims && !(await this.#claims.claim(session.id))) {
      throw new AppError('CONFLICT', 'another node holds this session id; try again');
    }
    try {
      await this.#store.insert(session, caller.displayName);
    } catch (error) {
      await this.#claims?.release(session.id);
      throw error;
    }
    this.#sessions.set(session.id, session);
    this.#logger.info({ sessionId: session.id, userId: caller.userId }, 'session created');
    return session;
  }

  /**
   * Cluster failover, in two steps around taking the session's claim: reads
   * the session's row (undefined when it has ended), and returns the step
   * that puts it on this node — synchronous, so that no request can reach
   * this node between the claim and the session being here. Its hosts rejoin
   * here; until the primary host does, the session waits as after a dropped
   * connection; a live one goes on air again at once (the broadcast restarts
   * here).
   */
  async prepareAdoption(sessionId: string): Promise<(() => void) | undefined> {
    if (this.#sessions.has(sessionId)) return () => undefined;
    const saved = await this.#store.findSaved(sessionId);
    if (!saved) return undefined;
    return () => {
      if (this.#sessions.has(sessionId)) return;
      const session = this.#bringBack(saved);
      this.#logger.warn({ sessionId, status: session.status }, 'session taken over from another node');
      // A planned session waits for its time, not for its primary host.
      if (!session.isPlanned) this.#awaitPrimary(session);
      if (session.status === 'live') this.emit('live', session);
    };
  }

  /**
   * Cluster mode: lets go of a session another node has taken over (it holds
   * the claim: this node drained, or lost it while cut off from Redis). Its
   * media here closes and its hosts are told to rejoin (their requests now
   * reach the new owner). The row is the new owner's to write now (a drain
   * saved it before the hand-over: save()).
   */
  async handOver(sessionId: string): Promise<void> {
    const session = this.#sessions.get(sessionId);
    if (!session) return;
    this.#sessions.delete(sessionId);
    this.#clearGrace(sessionId);
    this.#pushes.session(sessionId).emit('multihost:rejoin', { sessionId });
    this.#disconnectAll(session);
    this.emit('movedAway', session);
    await this.#closeMediaRoom(sessionId);
    this.#logger.info({ sessionId }, 'session handed over to another node');
  }

  /** Writes a session's current state to its row now (before another node takes it over). */
  async save(sessionId: string): Promise<void> {
    const session = this.#sessions.get(sessionId);
    if (session) await this.#persist(session);
  }

  /** Sessions this node runs, by id. */
  get sessionIds(): string[] {
    return [...this.#sessions.keys()];
  }

  #watch(session: Session): void {
    session.on('media-mode', (mode) => {
      this.#logger.info({ sessionId: session.id, mode }, 'media mode changed');
      this.#pushes.session(session.id).emit('multihost:mode', { sessionId: session.id, mode });
    });
    session.on('join-request-expired', (request) => {
      this.#pushes.user(request.userId).emit('multihost:request-expired', { sessionId: session.id });
      this.#joinRequestClosed(session, request.userId, 'expired');
    });
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
    this.#pushes.session(session.id).emit('multihost:status', { sessionId, status: session.status });
    this.emit('live', session);
    return session;
  }

  async end(caller: Identity | undefined, sessionId: string, reason: 'ended-by-host' | 'primary-host-left') {
    const session = this.get(sessionId);
    const waiting = session.joinRequests;
    session.end(caller, new Date());
    this.#sessions.delete(sessionId);
    this.#clearGrace(sessionId);
    this.#pushes.session(sessionId).emit('multihost:ended', { sessionId, reason });
    // Those still waiting to be let in are not in the session's channel.
    for (const request of waiting) this.#pushes.user(request.userId).emit('multihost:ended', { sessionId, reason });
    this.#disconnectAll(session);
    this.emit('ended', session);
    await this.#closeMediaRoom(sessionId);
    await this.#persist(session);
    await this.#claims?.release(sessionId);
    this.#logger.info({ sessionId, reason }, 'session ended');
  }

  invite(caller: Identity, sessionId: string, userId: string): void {
    const session = this.get(sessionId);
    session.invite(caller, userId);
    this.#pushes
      .user(userId)
      .emit('multihost:invited', { sessionId, title: session.title, invitedBy: caller.displayName });
    this.emit('invited', session, userId, caller.displayName);
  }

  accept(caller: Identity, sessionId: string): SessionState {
    const session = this.get(sessionId);
    const host = session.accept(caller);
    void this.#persist(session);
    this.#pushes.session(sessionId).emit('multihost:host-updated', { sessionId, host });
    return session.toState();
  }

  requestToJoin(caller: Identity, sessionId: string): JoinRequestState {
    const session = this.get(sessionId);
    const request = session.requestToJoin(caller, new Date());
    this.#pushes.user(session.primaryHostId).emit('multihost:join-requested', { sessionId, ...request });
    return request;
  }

  approve(caller: Identity, sessionId: string, userId: string): SessionState {
    const session = this.get(sessionId);
    const host = session.approve(caller, userId);
    void this.#persist(session);
    this.#pushes.user(userId).emit('multihost:request-approved', { sessionId });
    this.#pushes.session(sessionId).emit('multihost:host-updated', { sessionId, host });
    this.#joinRequestClosed(session, userId, 'approved');
    return session.toState();
  }

  /** Whether `caller` may hand out invitation links for the session (the link is signed by the route). */
  assertMayInvite(caller: Identity, sessionId: string): void {
    const session = this.get(sessionId);
    session.assertPrimary(caller, 'invite hosts');
    if (session.status === 'ended') throw new AppError('CONFLICT', 'the session has ended');
  }

  /** The holder of a checked invitation link (invitationLinks.ts) becomes a co-host, without a request to approve. */
  admitInvited(caller: Identity, invitation: Invitation): SessionState {
    const { sessionId, invitedBy } = invitation;
    const session = this.get(sessionId);
    const wasHost = session.isHost(caller.userId);
    const hadRequest = session.joinRequestOf(caller.userId) !== undefined;
    const host = session.admitInvited(caller);
    if (!wasHost) {
      void this.#persist(session);
      this.#pushes.session(sessionId).emit('multihost:host-updated', { sessionId, host });
      if (hadRequest) this.#joinRequestClosed(session, caller.userId, 'approved');
      this.#logger.info({ sessionId, userId: caller.userId, invitedBy }, 'co-host joined by invitation');
    }
    return session.toState();
  }

  /** The primary host turns a request down, with a reason the requester sees (or none). */
  deny(caller: Identity, sessionId: string, userId: string, reason: string | null): void {
    const session = this.get(sessionId);
    session.deny(caller, userId);
    this.#pushes.user(userId).emit('multihost:request-denied', { sessionId, reason });
    this.#joinRequestClosed(session, userId, 'denied');
  }

  /** The requester withdraws their request. */
  cancelJoinRequest(caller: Identity, sessionId: string): void {
    const session = this.get(sessionId);
    session.cancelJoinRequest(caller);
    this.#pushes.user(caller.userId).emit('multihost:request-cancelled', { sessionId });
    this.#joinRequestClosed(session, caller.userId, 'cancelled');
  }

  /** The primary host's request list (every tab) drops the request. */
  #joinRequestClosed(session: Session, userId: string, outcome: JoinRequestOutcome): void {
    this.#pushes
      .user(session.primaryHostId)
      .emit('multihost:join-request-closed', { sessionId: session.id, userId, outcome });
  }

  removeHost(caller: Identity, sessionId: string, userId: string): void {
    const session = this.get(sessionId);
    session.removeHost(caller, userId);
    void this.#persist(session);
    const connection = this.#connections.get(sessionId)?.get(userId);
    if (connection) this.#disconnect(session, connection);
    this.#pushes.session(sessionId).emit('multihost:left', { sessionId, userId, reason: 'removed' });
    // The removed host has left the session channel; their own sockets hear it here.
    this.#pushes.user(userId).emit('multihost:left', { sessionId, userId, reason: 'removed' });
  }

  async changeLayout(caller: Identity, sessionId: string, layout: LayoutState): Promise<LayoutState> {
    const session = this.get(sessionId);
    session.changeLayout(caller, layout);
    await this.#persist(session);
    this.#pushes.session(sessionId).emit('multihost:layout-changed', { sessionId, layout: session.layout });
    return session.layout;
  }

  /** A host goes on air or backstage; every host's studio and the compositor follow. */
  async setOnAir(caller: Identity, sessionId: string, userId: string, onAir: boolean): Promise<HostState> {
    const session = this.get(sessionId);
    if (session.setOnAir(caller, userId, onAir)) {
      await this.#persist(session);
      this.#pushes.session(sessionId).emit('multihost:host-updated', { sessionId, host: session.host(userId) });
    }
    return session.host(userId);
  }

  /**
   * Stops another host's microphone or camera: paused on the router at once
   * (the other hosts and the output lose it even if that host's page never
   * hears of it), and that host's studio turns it off and says who did it.
   * Only its owner can turn it on again (`webrtc:toggle-track`).
   */
  async stopHostMedia(caller: Identity, sessionId: string, userId: string, source: StoppableSource): Promise<void> {
    const session = this.get(sessionId);
    session.assertMayStop(caller, userId);
    const connection = this.#connections.get(sessionId)?.get(userId);
    if (!connection) throw new AppError('CONFLICT', 'that host is not in the room');
    if (session.host(userId).tracks.some((track) => track.source === source && !track.paused)) {
      await connection.toggle(source, false);
    }
    const by = { userId: caller.userId, displayName: session.host(caller.userId).displayName };
    this.#pushes.session(sessionId).emit('multihost:media-stopped', { sessionId, userId, source, by });
  }

  /** The words and colours over the composed picture; every studio's preview follows. */
  async setOnScreen(caller: Identity, sessionId: string, change: OnScreenChange): Promise<OnScreenState> {
    const session = this.get(sessionId);
    if (session.setOnScreen(caller, change)) await this.#onScreenChanged(session);
    return session.onScreen;
  }

  /**
   * A logo or backdrop for the picture (its address; null removes it). Every
   * studio's preview and the compositor follow; answers the new state and
   * the address it replaced (whose stored file the caller removes).
   */
  async setOnScreenPicture(
    caller: Identity,
    sessionId: string,
    picture: OnScreenPicture,
    url: string | null,
  ): Promise<{ onScreen: OnScreenState; replaced: string | null }> {
    const session = this.get(sessionId);
    const { replaced, changed } = session.setOnScreenPicture(caller, picture, url);
    if (changed) await this.#onScreenChanged(session);
    return { onScreen: session.onScreen, replaced };
  }

  /** Kept, and heard by every studio of the session (their previews follow). */
  async #onScreenChanged(session: Session): Promise<void> {
    await this.#persist(session);
    this.#pushes.session(session.id).emit('multihost:on-screen', { sessionId: session.id, onScreen: session.onScreen });
  }

  /** The primary host says what a co-host may do; every studio shows it (and the co-host's controls follow). */
  async setPermissions(
    caller: Identity,
    sessionId: string,
    userId: string,
    permissions: HostPermissions,
  ): Promise<HostState> {
    const session = this.get(sessionId);
    const host = session.setPermissions(caller, userId, permissions);
    await this.#persist(session);
    this.#pushes.session(sessionId).emit('multihost:host-updated', { sessionId, host });
    return host;
  }

  async updateSettings(caller: Identity, sessionId: string, input: SettingsInput) {
    const { password, ...rest } = input;
    this.get(sessionId).assertPrimary(caller, 'change the settings');
    const change: SettingsChange = {
      ...rest,
      ...(password === undefined ? {} : { passwordHash: password === null ? null : await hashPassword(password) }),
    };
    const session = this.get(sessionId); // again: it may have ended while the password was hashed
    session.updateSettings(caller, change);
    await this.#persist(session);
    this.#pushSettings(session);
    return session.toState();
  }

  /**
   * The primary host's cover picture (a name `covers` stored; null removes
   * it). Answers the plan and the replaced picture's name (for the caller to
   * delete once the change is kept); every studio hears the new plan.
   */
  async setCover(
    caller: Identity,
    sessionId: string,
    coverImage: string | null,
  ): Promise<{ plan: SessionPlan; replaced: string | null }> {
    const session = this.get(sessionId);
    const replaced = session.setCover(caller, coverImage);
    await this.#persist(session);
    return { plan: this.#pushSettings(session), replaced };
  }

  /** Every studio of the session hears its title, settings and plan; answers the plan. */
  #pushSettings(session: Session): SessionPlan {
    const plan = planState(session.plan);
    this.#pushes.session(session.id).emit('multihost:settings', {
      sessionId: session.id,
      title: session.title,
      settings: session.settings,
      plan,
    });
    return plan;
  }

  /** A private session's watch link, for its hosts to hand out. */
  watchLink(caller: Identity, sessionId: string): WatchLink {
    const session = this.get(sessionId);
    session.assertHost(caller);
    const key = session.watchAccess.key;
    if (key === null) throw new AppError('CONFLICT', 'the session is public: its link needs no key');
    return { key, path: `/watch/${encodeURIComponent(sessionId)}?key=${encodeURIComponent(key)}` };
  }

  // --- media room ------------------------------------------------------------

  /**
   * The router's capabilities, for the client's mediasoup Device (hosts
   * only). Every router of the pool has the same, so this is a read: the
   * media room is opened by `join`, not here.
   */
  routerCapabilities(caller: Identity, sessionId: string): types.RtpCapabilities {
    this.get(sessionId).assertHost(caller);
    return this.#pool.routerRtpCapabilities;
  }

  /** A host joins the session's media room from one connection (a socket id). */
  async join(caller: Identity, connectionId: string, sessionId: string, rtpCapabilities: types.RtpCapabilities) {
    const session = this.get(sessionId);
    session.assertHost(caller);
    const alreadyJoined = () => {
      if (this.#connectionsById.has(connectionId)) {
        throw new AppError('CONFLICT', 'this connection has already joined a session');
      }
    };
    alreadyJoined();
    const room = await this.openMediaRoom(session);
    alreadyJoined(); // a second join from the same connection may have finished meanwhile
    // The same user from another tab or a reload replaces the old connection.
    const previous = this.#connections.get(sessionId)?.get(caller.userId);
    if (previous) this.#disconnect(session, previous, 'disconnected');
    if (!session.isHost(caller.userId) || session.status === 'ended') {
      throw new AppError('NOT_ALLOWED', 'you are no longer a host of this session');
    }

    const media = room.addPeer(caller.userId, rtpCapabilities);
    const logger = this.#logger.child({ sessionId, userId: caller.userId });
    const connection = new HostConnection(
      session,
      connectionId,
      media,
      this.#pushes,
      logger,
      { pauseWhenNothingFits: this.#config.pauseVideoOnCongestion },
      (producer) => this.emit('trackPublished', session, producer),
    );
    let hosts = this.#connections.get(sessionId);
    if (!hosts) this.#connections.set(sessionId, (hosts = new Map()));
    hosts.set(caller.userId, connection);
    this.#connectionsById.set(connectionId, connection);
    const wasAway = session.host(caller.userId).awayUntil !== null;
    session.setConnected(caller.userId, true);
    if (caller.userId === session.primaryHostId) this.#clearGrace(sessionId);
    if (wasAway) this.emit('primaryAway', session, null);

    // Told to the others before the joiner hears the session: it has the state in its result.
    this.#pushes.session(sessionId).emit('multihost:joined', { sessionId, host: session.host(caller.userId) });
    this.#pushes.attach(connectionId, sessionId);
    const result: JoinResult = {
      session: session.toState(),
      you: { userId: caller.userId, role: session.roleOf(caller.userId) ?? 'co-host' },
      iceServers: mintIceServers(this.#config.turn, caller.userId, Date.now()),
      primaryHostGraceS: this.#config.primaryHostGraceMs / 1000,
    };
    return result;
  }

  /** The joined host behind a connection; throws when the connection has not joined. */
  connectionOf(connectionId: string): { session: Session; connection: HostConnection } {
    const connection = this.#connectionsById.get(connectionId);
    if (!connection) throw new AppError('CONFLICT', 'join a session first');
    return { session: this.get(connection.sessionId), connection };
  }

  /**
   * Where a mesh negotiation message (offer, answer, ICE candidate) from a
   * joined host to another host goes: that host's connection, if it is
   * joined to the same session — in either media mode, since a mesh keeps
   * negotiating while the room switches — and who it is from.
   */
  relayTarget(
    connectionId: string,
    toUserId: string,
  ): { target: PushTarget; from: { sessionId: string; fromUserId: string } } {
    const { session, connection } = this.connectionOf(connectionId);
    if (toUserId === connection.userId) throw new AppError('INVALID_INPUT', 'a host does not negotiate with itself');
    const target = this.#connections.get(session.id)?.get(toUserId);
    if (!target) throw new AppError('NOT_FOUND', 'that user is not a host in this session right now');
    return {
      target: this.#pushes.connection(target.connectionId),
      from: { sessionId: session.id, fromUserId: connection.userId },
    };
  }

  /**
   * A host leaves (request or disconnect). The primary host leaving ends the
   * session — unless it is planned for a time and not started: a host who
   * rehearsed and closed the studio comes back at the announced time.
   */
  async leave(connectionId: string, reason: LeaveReason): Promise<void> {
    const connection = this.#connectionsById.get(connectionId);
    const session = connection && this.#sessions.get(connection.sessionId);
    if (!connection || !session) return;
    this.#disconnect(session, connection, reason);
    if (connection.userId !== session.primaryHostId || session.isPlanned) return;
    if (reason === 'left') {
      await this.end(undefined, session.id, 'primary-host-left');
      return;
    }
    // A dropped primary host may be reloading: wait before ending for everyone,
    // and tell the hosts and the audience how long.
    this.#awaitPrimary(session);
  }

  /** The session waits PRIMARY_HOST_GRACE_S for its primary host, then ends; the hosts and the audience are told. */
  #awaitPrimary(session: Session): void {
    this.#clearGrace(session.id);
    const until = new Date(Date.now() + this.#config.primaryHostGraceMs);
    session.setAway(session.primaryHostId, until);
    this.#pushes
      .session(session.id)
      .emit('multihost:host-updated', { sessionId: session.id, host: session.host(session.primaryHostId) });
    this.emit('primaryAway', session, until);
    const timer = setTimeout(() => {
      this.#graceTimers.delete(session.id);
      if (this.#sessions.get(session.id) !== session) return;
      this.end(undefined, session.id, 'primary-host-left').catch((error: unknown) =>
        this.#logger.error({ err: error, sessionId: session.id }, 'ending the session failed'),
      );
    }, this.#config.primaryHostGraceMs);
    this.#graceTimers.set(session.id, timer);
  }

  /**
   * Sessions planned for a time and not started, as the database has them
   * (a single node's start: they outlived the process that held them).
   */
  async restorePlanned(): Promise<number> {
    let restored = 0;
    for (const sessionId of await this.#store.plannedIds(new Date())) {
      const saved = await this.#store.findSaved(sessionId);
      if (!saved || this.#sessions.has(sessionId)) continue;
      this.#bringBack(saved);
      restored++;
    }
    if (restored > 0) this.#logger.info({ restored }, 'planned sessions brought back');
    return restored;
  }

  /** A session from its row, held here (a failover, or a planned session after a restart). */
  #bringBack(saved: SavedSession): Session {
    const session = Session.restore({
      ...saved,
      joinRequestTtlMs: this.#config.joinRequestTtlMs,
      mesh: this.#config.mesh,
    });
    this.#watch(session);
    this.#sessions.set(session.id, session);
    return session;
  }

  /** Ends every session (server shutdown), except those planned for later: they come back on the next start. */
  async closeAll(): Promise<void> {
    for (const sessionId of [...this.#sessions.keys()]) {
      if (this.#sessions.get(sessionId)?.isPlanned) continue;
      await this.end(undefined, sessionId, 'primary-host-left').catch((error: unknown) =>
        this.#logger.warn({ err: error, sessionId }, 'ending a session at shutdown failed'),
      );
    }
  }

  #disconnect(session: Session, connection: HostConnection, reason?: LeaveReason): void {
    const hosts = this.#connections.get(session.id);
    if (hosts?.get(connection.userId) === connection) hosts.delete(connection.userId);
    this.#connectionsById.delete(connection.connectionId);
    this.#pushes.detach(connection.connectionId, session.id);
    connection.close();
    session.setConnected(connection.userId, false);
    if (reason)
      this.#pushes
        .session(session.id)
        .emit('multihost:left', { sessionId: session.id, userId: connection.userId, reason });
  }

  #disconnectAll(session: Session): void {
    for (const connection of [...(this.#connections.get(session.id)?.values() ?? [])]) {
      this.#disconnect(session, connection);
    }
    this.#connections.delete(session.id);
  }

  /** Opens the session's media room on the least-loaded worker, or gives the one it has. */
  openMediaRoom(session: Session): Promise<MediaRoom> {
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
    // MediaError('UNAVAILABLE') when no worker is alive: the client is told to try again.
    const room = await MediaRoom.create(this.#pool.leastLoaded(), { roomId: session.id }, this.#logger);
    room.on('activespeaker', (userId) => {
      if (session.setActiveSpeaker(userId)) {
        this.#pushes.session(session.id).emit('webrtc:active-speaker', { sessionId: session.id, userId });
      }
    });
    // Changes only (and a refresh): every 400 ms to every socket would cost the most of any push in a steady room.
    let lastLevels: LevelsPush | undefined;
    const pushLevels = (levels: HostLevel[]) => {
      const nowMs = Date.now();
      if (!audioLevelsWorthPushing(lastLevels, levels, nowMs)) return;
      lastLevels = { levels, atMs: nowMs };
      this.#pushes.session(session.id).emit('webrtc:audio-levels', { sessionId: session.id, levels });
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
    this.#pushes.session(session.id).emit('multihost:rejoin', { sessionId: session.id });
    this.#disconnectAll(session);
  }

  async #closeMediaRoom(sessionId: string): Promise<void> {
    const room = this.#mediaRooms.get(sessionId);
    this.#mediaRooms.delete(sessionId);
    // A room that failed to open has nothing to close (its creator saw the error).
    (await room?.catch(() => undefined))?.close();
  }

  #clearGrace(sessionId: string): void {
    clearTimeout(this.#graceTimers.get(sessionId));
    this.#graceTimers.delete(sessionId);
  }

  /**
   * Writes the session's current state. Writes of one session run one after
   * another, each reading the state when it runs, so the row never ends up
   * older than the last change (some callers do not wait for it).
   */
  #persist(session: Session): Promise<void> {
    const previous = this.#persisting.get(session.id) ?? Promise.resolve();
    const next = previous.then(async () => {
      try {
        await this.#store.update(session);
      } catch (error) {
        // The live state stays authoritative; the record catches up on the next change.
        this.#logger.error({ err: error, sessionId: session.id }, 'persisting the session failed');
      }
    });
    this.#persisting.set(session.id, next);
    void next.then(() => {
      if (this.#persisting.get(session.id) === next) this.#persisting.delete(session.id);
    });
    return next;
  }
}

function newSessionId(): string {
  return crypto.randomBytes(9).toString('base64url');
}
