// The state of one co-host session and the rules for changing it: who may
// do what, the 9-host limit, invitations and join requests, layout, status.
// No I/O: SessionService applies a change, then persists and broadcasts it.
// Every method that needs a permission names it first. A `changed` event
// follows every change to what the audience sees (hosts, tracks, layout,
// speaker, status), so the recorder recomposes without polling. The media
// mode (mesh or SFU, meshRule.ts) follows the hosts in the room and the
// status: to the SFU at once, back to the mesh after a delay, with a
// `media-mode` event each time.
import { EventEmitter } from 'node:events';
import { AppError } from '../errors.ts';
import { fitsMesh, initialMediaMode, type MeshLimits } from './meshRule.ts';
import type { Identity } from '../auth/identityToken.ts';
import { WatchAccess, type StoredWatchAccess, type WatchAccessChange } from './WatchAccess.ts';
import type { LayoutKind } from '../protocol/layoutGeometry.ts';
import {
  JOIN_REQUEST_TTL_MS,
  MAX_HOSTS,
  type HostPermissions,
  type HostRole,
  type JoinRequestState,
  type HostState,
  type LayoutState,
  type MediaMode,
  copyOnScreen,
  EMPTY_ON_SCREEN,
  type OnScreenChange,
  type OnScreenPicture,
  type OnScreenState,
  meshTrackId,
  type PublishedTrack,
  type TrackSource,
  type SessionPlan,
  type SessionSettings,
  type SessionState,
  type SessionStatus,
  type SessionType,
} from '../protocol/index.ts';
import { COVER_PATH } from '../protocol/images.ts';

interface HostRecord {
  userId: string;
  displayName: string;
  role: HostRole;
  connected: boolean;
  /** In the composed output; off: backstage. */
  onAir: boolean;
  /** What a co-host may do besides their own media (the primary host may do everything). */
  permissions: HostPermissions;
  /** While the session waits for this host to come back (the primary host dropped): when it stops waiting. */
  awayUntil: Date | null;
  /** Tracks on the session's router, by producer id, kept in publish order. */
  tracks: Map<string, PublishedTrack>;
  /** Tracks the host sends peer to peer (mesh), by source: listed where the router has none of that source. */
  meshTracks: Map<TrackSource, PublishedTrack>;
}

/** A pending request to join as host, with the timer that expires it. */
interface JoinRequestRecord {
  displayName: string;
  requestedAt: Date;
  expiresAt: Date;
  expiryTimer: NodeJS.Timeout;
}

export interface NewSession {
  id: string;
  title: string;
  type: SessionType;
  layout: LayoutKind;
  creator: Identity;
  now: Date;
  /** Co-hosts join backstage. Default: true. */
  backstage?: boolean;
  /** Private, with a password, a capacity. Default: public, no limit. */
  watch?: WatchAccessChange;
  /** When it is planned to start and what it is about. Default: not announced. */
  plan?: StoredPlan;
  /** How long a join request waits for an answer. Default: JOIN_REQUEST_TTL_MS. */
  joinRequestTtlMs?: number;
  /** When the session runs peer to peer. Default: never (maxHosts 0). */
  mesh?: MeshLimits;
}

/**
 * What another node needs, besides the session's row, to take a session
 * over when the node that held it died: who the co-hosts are, the pinned
 * tile, the settings. Kept in the row (`failoverState`) as JSON.
 */
export interface FailoverState {
  coHosts: { userId: string; displayName: string; onAir?: boolean; permissions?: HostPermissions }[];
  /** Absent in rows written before backstage existed: on air. */
  primaryOnAir?: boolean;
  onScreen?: OnScreenState;
  pinnedUserId: string | null;
  settings: StoredSettings;
}

/** A session's announcement (the row's columns). */
export interface StoredPlan {
  scheduledFor: Date | null;
  description: string;
  tags: string[];
  /** The cover picture's stored name (coverRoutes.ts); null: none. */
  coverImage: string | null;
}

const noPlan: StoredPlan = { scheduledFor: null, description: '', tags: [], coverImage: null };

/** The settings kept as they are; privacy is the row's watch key (WatchAccess). */
export type StoredSettings = Pick<SessionSettings, 'allowJoinRequests' | 'backstage'> & {
  maxViewers?: number | null;
};

/** A session as another node finds it in the database after its node died. */
export interface SavedSession {
  id: string;
  title: string;
  type: SessionType;
  layout: LayoutKind;
  status: 'scheduled' | 'live';
  primaryHost: Identity;
  createdAt: Date;
  startedAt: Date | null;
  failover: FailoverState;
  /** The row's watch key and password hash. */
  watchKey: string | null;
  watchPasswordHash: string | null;
  plan: StoredPlan;
  joinRequestTtlMs?: number;
  mesh?: MeshLimits;
}

export type SessionEvents = {
  changed: [];
  /** A join request went unanswered for the whole TTL and is gone. */
  'join-request-expired': [request: JoinRequestState];
  /** The media moved between peer to peer and the server. */
  'media-mode': [mode: MediaMode];
};

export class Session extends EventEmitter<SessionEvents> {
  readonly id: string;
  readonly type: SessionType;
  readonly primaryHostId: string;
  readonly createdAt: Date;
  #title: string;
  #status: SessionStatus = 'scheduled';
  #startedAt: Date | null = null;
  #endedAt: Date | null = null;
  #layout: LayoutState;
  #settings: Pick<SessionSettings, 'allowJoinRequests' | 'backstage'>;
  #watch: WatchAccess;
  #plan: StoredPlan;
  #activeSpeakerId: string | null = null;
  #onScreen: OnScreenState = { ...EMPTY_ON_SCREEN };
  readonly #hosts = new Map<string, HostRecord>();
  /** Invited users, with the display name of nobody yet: they give theirs on accept. */
  readonly #invitedUserIds = new Set<string>();
  /**
   * Pending requests to join as host, by user id. Each owns its expiry
   * timer; every way out of the map (approve, deny, cancel, expiry, becoming
   * a host otherwise, the end) goes through #closeJoinRequest, which clears it.
   */
  readonly #joinRequests = new Map<string, JoinRequestRecord>();
  readonly #joinRequestTtlMs: number;
  readonly #mesh: MeshLimits;
  #mediaMode: MediaMode;
  /** Set while the room fits a mesh again and waits out MESH_RETURN_DELAY_MS. */
  #meshReturnTimer: NodeJS.Timeout | undefined;

  constructor({
    id,
    title,
    type,
    layout,
    creator,
    now,
    backstage = true,
    watch = {},
    plan = noPlan,
    joinRequestTtlMs = JOIN_REQUEST_TTL_MS,
    mesh = { maxHosts: 0, returnDelayMs: 0 },
  }: NewSession) {
    super();
    this.id = id;
    this.#joinRequestTtlMs = joinRequestTtlMs;
    this.#mesh = mesh;
    this.#mediaMode = initialMediaMode(mesh);
    this.#title = title;
    this.type = type;
    this.primaryHostId = creator.userId;
    this.createdAt = now;
    this.#layout = { kind: layout, pinnedUserId: null };
    this.#settings = { allowJoinRequests: true, backstage };
    this.#watch = new WatchAccess();
    this.#watch.change(watch, false);
    this.#plan = { ...plan, tags: [...plan.tags] };
    this.#addHost(creator, 'primary');
  }

  /**
   * The session as it was on the node that died: same id, status, hosts
   * (none connected yet: they rejoin), layout and settings. Invitations and
   * join requests in flight are not kept; they are asked again.
   */
  static restore(saved: SavedSession): Session {
    const session = new Session({
      id: saved.id,
      title: saved.title,
      type: saved.type,
      layout: saved.layout,
      creator: saved.primaryHost,
      now: saved.createdAt,
      plan: saved.plan,
      ...(saved.joinRequestTtlMs === undefined ? {} : { joinRequestTtlMs: saved.joinRequestTtlMs }),
      ...(saved.mesh === undefined ? {} : { mesh: saved.mesh }),
    });
    const { maxViewers = null, ...settings } = saved.failover.settings;
    session.#settings = settings;
    session.#watch = new WatchAccess({ key: saved.watchKey, passwordHash: saved.watchPasswordHash, maxViewers });
    session.#hosts.get(saved.primaryHost.userId)!.onAir = saved.failover.primaryOnAir ?? true;
    for (const coHost of saved.failover.coHosts.slice(0, MAX_HOSTS - 1)) {
      session.#addHost(coHost, 'co-host');
      const record = session.#hosts.get(coHost.userId)!;
      record.onAir = coHost.onAir ?? !session.#settings.backstage;
      record.permissions = { ...(coHost.permissions ?? noPermissions) };
    }
    const pinned = saved.failover.pinnedUserId;
    session.#layout = { kind: saved.layout, pinnedUserId: pinned !== null && session.isHost(pinned) ? pinned : null };
    session.#status = saved.status;
    session.#onScreen = { ...EMPTY_ON_SCREEN, ...saved.failover.onScreen };
    session.#startedAt = saved.startedAt;
    session.#reconsiderMediaMode();
    return session;
  }

  get status(): SessionStatus {
    return this.#status;
  }

  get title(): string {
    return this.#title;
  }

  get layout(): LayoutState {
    return this.#layout;
  }

  get settings(): SessionSettings {
    return { ...this.#settings, ...this.#watch.settings() };
  }

  /** When it is planned to start, and what it is about. */
  get plan(): StoredPlan {
    return { ...this.#plan, tags: [...this.#plan.tags] };
  }

  /**
   * Announced for a time and not started: it waits for that time across
   * restarts, and its primary host leaving the studio does not end it.
   */
  get isPlanned(): boolean {
    return this.#status === 'scheduled' && this.#plan.scheduledFor !== null;
  }

  /** Who may watch, and how many at once. */
  get watchAccess(): WatchAccess {
    return this.#watch;
  }

  /** The row's columns of who may watch. */
  storedWatchAccess(): StoredWatchAccess {
    return this.#watch.stored();
  }

  get mediaMode(): MediaMode {
    return this.#mediaMode;
  }

  get hostCount(): number {
    return this.#hosts.size;
  }

  get joinRequests(): JoinRequestState[] {
    return [...this.#joinRequests].map(([userId, record]) => toJoinRequestState(userId, record));
  }

  /** The user's pending request to join, if any. */
  joinRequestOf(userId: string): JoinRequestState | undefined {
    const record = this.#joinRequests.get(userId);
    return record && toJoinRequestState(userId, record);
  }

  isHost(userId: string): boolean {
    return this.#hosts.has(userId);
  }

  isInvited(userId: string): boolean {
    return this.#invitedUserIds.has(userId);
  }

  roleOf(userId: string): HostRole | undefined {
    return this.#hosts.get(userId)?.role;
  }

  host(userId: string): HostState {
    const record = this.#hosts.get(userId);
    if (!record) throw new AppError('NOT_FOUND', `${userId} is not a host of this session`);
    return toHostState(record);
  }

  // --- permissions ---------------------------------------------------------

  assertPrimary(caller: Identity, action: string): void {
    if (caller.userId !== this.primaryHostId) {
      throw new AppError('NOT_ALLOWED', `only the primary host can ${action}`);
    }
  }

  /** The primary host, or a co-host given `permission`. */
  assertMay(caller: Identity, permission: keyof HostPermissions, action: string): void {
    const host = this.#hosts.get(caller.userId);
    if (host?.role === 'primary' || host?.permissions[permission]) return;
    throw new AppError('NOT_ALLOWED', `only the primary host, or a co-host they allow, can ${action}`);
  }

  assertHost(caller: Identity): void {
    if (!this.#hosts.has(caller.userId)) throw new AppError('NOT_ALLOWED', 'you are not a host of this session');
  }

  #assertNotEnded(): void {
    if (this.#status === 'ended') throw new AppError('CONFLICT', 'the session has ended');
  }

  #assertRoomForAnotherHost(): void {
    if (this.#hosts.size >= MAX_HOSTS) throw new AppError('ROOM_FULL', `the session already has ${MAX_HOSTS} hosts`);
  }

  // --- transitions ---------------------------------------------------------

  start(caller: Identity, now: Date): void {
    this.assertPrimary(caller, 'go live');
    this.#assertNotEnded();
    if (this.#status === 'live') throw new AppError('CONFLICT', 'the session is already live');
    this.#status = 'live';
    this.#startedAt = now;
    this.emit('changed');
    this.#reconsiderMediaMode();
  }

  /** Ends the session; `caller` undefined means the server ends it (primary host gone). */
  end(caller: Identity | undefined, now: Date): void {
    if (caller) this.assertPrimary(caller, 'end the session');
    this.#assertNotEnded();
    this.#status = 'ended';
    this.#endedAt = now;
    for (const userId of [...this.#joinRequests.keys()]) this.#closeJoinRequest(userId);
    for (const host of this.#hosts.values()) {
      host.connected = false;
      host.awayUntil = null;
    }
    clearTimeout(this.#meshReturnTimer);
    this.#meshReturnTimer = undefined;
    this.emit('changed');
  }

  invite(caller: Identity, userId: string): void {
    this.assertPrimary(caller, 'invite hosts');
    this.#assertNotEnded();
    if (this.#hosts.has(userId)) throw new AppError('CONFLICT', 'that user is already a host');
    this.#assertRoomForAnotherHost();
    this.#invitedUserIds.add(userId);
  }

  accept(caller: Identity): HostState {
    this.#assertNotEnded();
    if (this.#hosts.has(caller.userId)) throw new AppError('CONFLICT', 'you are already a host');
    if (!this.#invitedUserIds.has(caller.userId)) throw new AppError('NOT_ALLOWED', 'you have not been invited');
    this.#assertRoomForAnotherHost();
    this.#invitedUserIds.delete(caller.userId);
    return this.#addHost(caller, 'co-host');
  }

  /**
   * Someone holding the primary host's invitation link becomes a co-host
   * (the link was checked by the caller). Already a host: nothing changes
   * (a second click, a reload); a pending request to join is closed.
   */
  admitInvited(caller: Identity): HostState {
    this.#assertNotEnded();
    const known = this.#hosts.get(caller.userId);
    if (known) return toHostState(known);
    this.#assertRoomForAnotherHost();
    this.#invitedUserIds.delete(caller.userId);
    return this.#addHost(caller, 'co-host');
  }

  /**
   * Asks to join as host. Asking again while a request is pending changes
   * nothing (the same request, the same expiry); after a denial or expiry
   * the user may ask afresh.
   */
  requestToJoin(caller: Identity, now: Date): JoinRequestState {
    this.#assertNotEnded();
    if (this.#hosts.has(caller.userId)) throw new AppError('CONFLICT', 'you are already a host');
    if (!this.#settings.allowJoinRequests) throw new AppError('NOT_ALLOWED', 'this session does not take requests');
    this.#assertRoomForAnotherHost();
    const pending = this.joinRequestOf(caller.userId);
    if (pending) return pending;
    const record: JoinRequestRecord = {
      displayName: caller.displayName,
      requestedAt: now,
      expiresAt: new Date(now.getTime() + this.#joinRequestTtlMs),
      expiryTimer: setTimeout(() => {
        if (this.#joinRequests.get(caller.userId) !== record) return;
        this.#closeJoinRequest(caller.userId);
        this.emit('join-request-expired', toJoinRequestState(caller.userId, record));
      }, this.#joinRequestTtlMs),
    };
    // A pending request must not keep a stopping server alive.
    record.expiryTimer.unref();
    this.#joinRequests.set(caller.userId, record);
    return toJoinRequestState(caller.userId, record);
  }

  approve(caller: Identity, userId: string): HostState {
    this.assertPrimary(caller, 'approve requests');
    this.#assertNotEnded();
    const record = this.#pendingRequest(userId);
    this.#assertRoomForAnotherHost();
    return this.#addHost({ userId, displayName: record.displayName }, 'co-host');
  }

  /** The primary host says no; the requester may ask again. */
  deny(caller: Identity, userId: string): JoinRequestState {
    this.assertPrimary(caller, 'deny requests');
    this.#assertNotEnded();
    const request = toJoinRequestState(userId, this.#pendingRequest(userId));
    this.#closeJoinRequest(userId);
    return request;
  }

  /** The requester withdraws their own request. */
  cancelJoinRequest(caller: Identity): JoinRequestState {
    this.#assertNotEnded();
    const request = toJoinRequestState(caller.userId, this.#pendingRequest(caller.userId));
    this.#closeJoinRequest(caller.userId);
    return request;
  }

  #pendingRequest(userId: string): JoinRequestRecord {
    const record = this.#joinRequests.get(userId);
    if (!record) throw new AppError('NOT_FOUND', 'no pending request to join (answered, withdrawn or expired)');
    return record;
  }

  #closeJoinRequest(userId: string): void {
    clearTimeout(this.#joinRequests.get(userId)?.expiryTimer);
    this.#joinRequests.delete(userId);
  }

  removeHost(caller: Identity, userId: string): void {
    this.assertPrimary(caller, 'remove hosts');
    this.#assertNotEnded();
    if (userId === this.primaryHostId) throw new AppError('INVALID_INPUT', 'the primary host cannot be removed');
    if (!this.#hosts.delete(userId)) throw new AppError('NOT_FOUND', `${userId} is not a host of this session`);
    if (this.#layout.pinnedUserId === userId) this.#layout = { ...this.#layout, pinnedUserId: null };
    if (this.#activeSpeakerId === userId) this.#activeSpeakerId = null;
    this.emit('changed');
    this.#reconsiderMediaMode();
  }

  changeLayout(caller: Identity, layout: LayoutState): void {
    this.assertMay(caller, 'layout', 'change the layout');
    this.#assertNotEnded();
    if (layout.pinnedUserId !== null && !this.#hosts.has(layout.pinnedUserId)) {
      throw new AppError('INVALID_INPUT', 'the pinned user is not a host');
    }
    this.#layout = { ...layout };
    this.emit('changed');
  }

  updateSettings(caller: Identity, change: SettingsChange): void {
    this.assertPrimary(caller, 'change the settings');
    this.#assertNotEnded();
    // First: the changes that can be refused, so a refusal changes nothing.
    const replans = change.scheduledFor !== undefined || change.description !== undefined || change.tags !== undefined;
    if (replans && this.#status !== 'scheduled') {
      throw new AppError('CONFLICT', 'the show has started: when it was planned for is history');
    }
    this.#watch.change(change, this.#status === 'live');
    if (change.scheduledFor !== undefined) {
      this.#plan.scheduledFor = change.scheduledFor === null ? null : new Date(change.scheduledFor);
    }
    if (change.description !== undefined) this.#plan.description = change.description;
    if (change.tags !== undefined) this.#plan.tags = [...change.tags];
    if (change.title !== undefined) this.#title = change.title;
    if (change.allowJoinRequests !== undefined) {
      this.#settings = { ...this.#settings, allowJoinRequests: change.allowJoinRequests };
    }
    // Hosts already in the session stay where they are: the setting is for those who join.
    if (change.backstage !== undefined) this.#settings = { ...this.#settings, backstage: change.backstage };
  }

  /** The primary host's cover picture (a stored name; null removes it). Returns the one it replaces. */
  setCover(caller: Identity, coverImage: string | null): string | null {
    this.assertPrimary(caller, 'change the cover picture');
    this.#assertNotEnded();
    const replaced = this.#plan.coverImage;
    this.#plan.coverImage = coverImage;
    return replaced;
  }

  /** A host goes on air or backstage. Returns whether anything changed. */
  setOnAir(caller: Identity, userId: string, onAir: boolean): boolean {
    this.assertMay(caller, 'stage', onAir ? 'put hosts on air' : 'take hosts off air');
    this.#assertNotEnded();
    const host = this.#hosts.get(userId);
    if (!host) throw new AppError('NOT_FOUND', `${userId} is not a host of this session`);
    this.#assertNotThePrimaryOf(caller, host, 'place');
    if (host.onAir === onAir) return false;
    host.onAir = onAir;
    this.emit('changed');
    return true;
  }

  /** The words and colours over the picture (texts as the protocol kept them). Returns whether they changed. */
  setOnScreen(caller: Identity, change: OnScreenChange): boolean {
    this.assertMay(caller, 'stage', 'put words on screen');
    this.#assertNotEnded();
    const next: OnScreenState = {
      banner: change.banner === undefined ? this.#onScreen.banner : change.banner,
      ticker: change.ticker === undefined ? this.#onScreen.ticker : change.ticker,
      comment: change.comment === undefined ? this.#onScreen.comment : change.comment,
      theme: { ...this.#onScreen.theme, ...change.theme },
      pictures: this.#onScreen.pictures,
    };
    if (JSON.stringify(next) === JSON.stringify(this.#onScreen)) return false;
    this.#onScreen = next;
    this.emit('changed');
    return true;
  }

  /**
   * A logo or backdrop for the picture (its address), or none. Returns the
   * address it replaces (its stored file is the caller's to remove), and
   * whether anything changed.
   */
  setOnScreenPicture(
    caller: Identity,
    picture: OnScreenPicture,
    url: string | null,
  ): { replaced: string | null; changed: boolean } {
    this.assertMay(caller, 'stage', 'change the pictures on screen');
    this.#assertNotEnded();
    const replaced = this.#onScreen.pictures[picture];
    if (replaced === url) return { replaced: null, changed: false };
    this.#onScreen = { ...this.#onScreen, pictures: { ...this.#onScreen.pictures, [picture]: url } };
    this.emit('changed');
    return { replaced, changed: true };
  }

  get onScreen(): OnScreenState {
    return copyOnScreen(this.#onScreen);
  }

  /** Another host's microphone or camera may be stopped by `caller`: checks who may, and that it is on. */
  assertMayStop(caller: Identity, userId: string): void {
    this.assertMay(caller, 'stage', "stop another host's microphone or camera");
    this.#assertNotEnded();
    if (userId === caller.userId) throw new AppError('INVALID_INPUT', 'turn your own off with your own controls');
    const host = this.#hosts.get(userId);
    if (!host) throw new AppError('NOT_FOUND', `${userId} is not a host of this session`);
    this.#assertNotThePrimaryOf(caller, host, 'microphone and camera');
    if (!host.connected) throw new AppError('CONFLICT', `${host.displayName} is not in the room`);
  }

  /** A co-host given the stage manages the other co-hosts: the primary host's place and media are theirs alone. */
  #assertNotThePrimaryOf(caller: Identity, host: HostRecord, what: string): void {
    if (host.role === 'primary' && caller.userId !== host.userId) {
      throw new AppError('NOT_ALLOWED', `only the primary host changes their own ${what}`);
    }
  }

  /** The primary host says what a co-host may do. */
  setPermissions(caller: Identity, userId: string, permissions: HostPermissions): HostState {
    this.assertPrimary(caller, "change a co-host's permissions");
    this.#assertNotEnded();
    const host = this.#hosts.get(userId);
    if (!host) throw new AppError('NOT_FOUND', `${userId} is not a host of this session`);
    if (host.role === 'primary') throw new AppError('INVALID_INPUT', 'the primary host may do everything already');
    host.permissions = { ...permissions };
    return toHostState(host);
  }

  // --- media presence (driven by the socket layer) --------------------------

  setConnected(userId: string, connected: boolean): void {
    const host = this.#hosts.get(userId);
    if (!host) return;
    host.connected = connected;
    if (connected) host.awayUntil = null;
    else {
      host.tracks.clear();
      host.meshTracks.clear();
    }
    this.emit('changed');
    this.#reconsiderMediaMode();
  }

  /**
   * The session waits for a dropped host until `until` (null: no longer).
   * Not a change to what the audience sees: no `changed`.
   */
  setAway(userId: string, until: Date | null): void {
    const host = this.#hosts.get(userId);
    if (host) host.awayUntil = until;
  }

  addTrack(userId: string, track: PublishedTrack): void {
    this.#hosts.get(userId)?.tracks.set(track.producerId, { ...track });
    this.emit('changed');
  }

  removeTrack(userId: string, producerId: string): void {
    if (this.#hosts.get(userId)?.tracks.delete(producerId)) this.emit('changed');
  }

  /** Camera or microphone off and on, whichever way the track travels. */
  setSourcePaused(userId: string, source: TrackSource, paused: boolean): void {
    const host = this.#hosts.get(userId);
    if (!host) return;
    const tracks = [...host.tracks.values(), ...host.meshTracks.values()].filter((track) => track.source === source);
    if (tracks.every((track) => track.paused === paused)) return;
    for (const track of tracks) track.paused = paused;
    this.emit('changed');
  }

  /**
   * What a host sends peer to peer now (the full list). Returns whether the
   * host's listed tracks changed.
   */
  setMeshTracks(userId: string, tracks: { source: TrackSource; kind: 'audio' | 'video'; paused: boolean }[]): boolean {
    const host = this.#hosts.get(userId);
    if (!host) return false;
    const before = JSON.stringify(toHostState(host).tracks);
    host.meshTracks = new Map(
      tracks.map(({ source, kind, paused }) => [
        source,
        { producerId: meshTrackId(userId, source), source, kind, paused, via: 'mesh' as const },
      ]),
    );
    const changed = JSON.stringify(toHostState(host).tracks) !== before;
    if (changed) this.emit('changed');
    return changed;
  }

  setActiveSpeaker(userId: string | null): boolean {
    if (userId !== null && !this.#hosts.has(userId)) return false;
    if (this.#activeSpeakerId === userId) return false;
    this.#activeSpeakerId = userId;
    this.emit('changed');
    return true;
  }

  failoverState(): FailoverState {
    return {
      coHosts: [...this.#hosts.values()]
        .filter((host) => host.role === 'co-host')
        .map((host) => ({
          userId: host.userId,
          displayName: host.displayName,
          onAir: host.onAir,
          permissions: { ...host.permissions },
        })),
      primaryOnAir: this.#hosts.get(this.primaryHostId)?.onAir ?? true,
      onScreen: this.onScreen,
      pinnedUserId: this.#layout.pinnedUserId,
      settings: { ...this.#settings, maxViewers: this.#watch.maxViewers },
    };
  }

  toState(): SessionState {
    return {
      id: this.id,
      title: this.#title,
      type: this.type,
      status: this.#status,
      primaryHostId: this.primaryHostId,
      hosts: [...this.#hosts.values()].map(toHostState),
      layout: { ...this.#layout },
      settings: this.settings,
      activeSpeakerId: this.#activeSpeakerId,
      mediaMode: this.#mediaMode,
      onScreen: this.onScreen,
      plan: planState(this.#plan),
      createdAt: this.createdAt.toISOString(),
      startedAt: this.#startedAt?.toISOString() ?? null,
      endedAt: this.#endedAt?.toISOString() ?? null,
    };
  }

  /**
   * To the SFU as soon as the room no longer fits a mesh; back only once it
   * has fitted for the whole return delay (checked again when the delay ends).
   */
  #reconsiderMediaMode(): void {
    const fits = fitsMesh(this.#mesh, this.#status, this.#hostsInRoom());
    if (!fits) {
      clearTimeout(this.#meshReturnTimer);
      this.#meshReturnTimer = undefined;
      if (this.#mediaMode === 'mesh') this.#setMediaMode('sfu');
      return;
    }
    if (this.#mediaMode === 'mesh' || this.#meshReturnTimer) return;
    this.#meshReturnTimer = setTimeout(() => {
      this.#meshReturnTimer = undefined;
      if (fitsMesh(this.#mesh, this.#status, this.#hostsInRoom())) this.#setMediaMode('mesh');
    }, this.#mesh.returnDelayMs);
    // A pending return must not keep a stopping server alive.
    this.#meshReturnTimer.unref();
  }

  #setMediaMode(mode: MediaMode): void {
    this.#mediaMode = mode;
    this.emit('media-mode', mode);
  }

  #hostsInRoom(): number {
    let count = 0;
    for (const host of this.#hosts.values()) if (host.connected) count++;
    return count;
  }

  #addHost(identity: Identity, role: HostRole): HostState {
    const record: HostRecord = {
      userId: identity.userId,
      displayName: identity.displayName,
      role,
      connected: false,
      // The primary host is on air from the start; co-hosts as the session's setting says.
      onAir: role === 'primary' || !this.#settings.backstage,
      permissions: { ...noPermissions },
      awayUntil: null,
      tracks: new Map(),
      meshTracks: new Map(),
    };
    this.#hosts.set(identity.userId, record);
    this.#closeJoinRequest(identity.userId);
    return toHostState(record);
  }
}

const noPermissions: HostPermissions = { layout: false, stage: false };
const allPermissions: HostPermissions = { layout: true, stage: true };

export interface SettingsChange extends WatchAccessChange {
  title?: string | undefined;
  /** ISO time; null: no longer announced. */
  scheduledFor?: string | null | undefined;
  description?: string | undefined;
  tags?: string[] | undefined;
  allowJoinRequests?: boolean | undefined;
  backstage?: boolean | undefined;
}

function toJoinRequestState(userId: string, record: JoinRequestRecord): JoinRequestState {
  return {
    userId,
    displayName: record.displayName,
    requestedAt: record.requestedAt.toISOString(),
    expiresAt: record.expiresAt.toISOString(),
  };
}

function toHostState(record: HostRecord): HostState {
  return {
    userId: record.userId,
    displayName: record.displayName,
    role: record.role,
    connected: record.connected,
    onAir: record.onAir,
    permissions: record.role === 'primary' ? { ...allPermissions } : { ...record.permissions },
    awayUntil: record.awayUntil?.toISOString() ?? null,
    tracks: listedTracks(record),
  };
}

/** The router's tracks, then the peer-to-peer ones of sources the router does not have. */
function listedTracks(record: HostRecord): PublishedTrack[] {
  const onRouter = [...record.tracks.values()];
  const meshOnly = [...record.meshTracks.values()].filter(
    (track) => !onRouter.some((routed) => routed.source === track.source),
  );
  return [...onRouter, ...meshOnly].map((track) => ({ ...track }));
}

export function planState(plan: StoredPlan): SessionPlan {
  return {
    scheduledFor: plan.scheduledFor?.toISOString() ?? null,
    description: plan.description,
    tags: [...plan.tags],
    coverUrl: plan.coverImage === null ? null : `${COVER_PATH}${plan.coverImage}`,
  };
}
