// A host's studio for one session: the signalling socket, the session state
// the server pushes, this host's media (through MediaConnection) and the
// actions of the studio's buttons. Components render its $state fields and
// call its methods; no mediasoup-client object leaves this file and
// MediaConnection.
//
// Phases: loading → not-host → requested → pre-join → joining → joined;
// loading → joining when this page is a reload of a tab that was in the room
// moments before (the devices chosen then are used again, no device check); joined ⇄
// reconnecting (socket dropped, transport failed, media worker died); any →
// left | removed | ended | not-found | signed-out, which are final for this
// instance (the page makes a new one to join again).
import type { LayoutKind } from '../../../signaling/protocol/layoutGeometry.ts';
import type {
  HostPermissions,
  HostState,
  IceServer,
  InvitationGrant,
  JoinRequestState,
  MediaMode,
  OnScreenPicture,
  OnScreenRequest,
  OnScreenState,
  QualityAdapted,
  QualityTier,
  ConnectionFigures,
  HealthLevel,
  SessionPlan,
  SessionState,
  SettingsRequest,
  StoppableSource,
  TrackSource,
} from '../../../signaling/protocol/index.ts';
import { kindOfSource, meshTrackId, trackSources } from '../../../signaling/protocol/index.ts';
import { BattleWatch } from '../battle/BattleWatch.svelte.ts';
import { SellerCatalogue } from '../shop/SellerCatalogue.svelte.ts';
import { ShopShelf } from '../shop/ShopShelf.svelte.ts';
import { GiftFeed } from '../gifts/GiftFeed.svelte.ts';
import { ApiError, callApi, type ApiCall } from '../lib/httpApi.ts';
import type { StoredIdentity } from '../lib/identity.ts';
import { connectSignaling, request, RequestFailed, type SignalingSocket } from '../lib/signaling.ts';
import { warn } from '../lib/warn.ts';
import { tileShows } from './shownTileTracks.ts';
import { captureWithFallback, stopStream } from './localMedia.ts';
import { MediaConnection } from './MediaConnection.ts';
import {
  meshLinkTier,
  producersToConsume,
  receivesAllVia,
  shownTracks,
  speakingLevels,
  SWITCH_GIVE_UP_MS,
  SWITCH_TIMEOUT_MS,
  SwitchProgress,
  type ReceivedTrack,
} from './mediaSwitch.ts';
import { MeshNetwork } from './MeshNetwork.ts';
import type { LocalTracks, PeerMessage } from './MeshPeer.ts';
import { iceTransportPolicy } from './networkOptions.ts';
import { cameraCodecOptions, cameraEncodings, microphoneCodecOptions, screenEncodings } from './publishSettings.ts';
import {
  devicesOf,
  forgetDevices,
  loadRememberedDevices,
  rememberDevices,
  replacementNotice,
  type RememberedDevices,
} from './rememberedDevices.ts';
import * as update from './sessionUpdates.ts';
import { roomDifferences, withServerHosts } from './roomView.ts';
import { StudioAudience } from './StudioAudience.svelte.ts';
import { loadEffectChoice, saveEffectChoice } from './effects/effectsApi.ts';
import { StudioEffects } from './effects/StudioEffects.svelte.ts';
import { EFFECTS_OFF, type EffectChoice } from '../../../signaling/protocol/index.ts';
import type { ReceiveStats, SendStats, StudioPhase, StudioTimings } from '../../../signaling/protocol/index.ts';

/** Whether this page load is a reload of the tab (not a link, history, a new or duplicated tab). */
const isReload = (): boolean =>
  (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined)?.type === 'reload';

const FINAL_PHASES: ReadonlySet<StudioPhase> = new Set(['left', 'removed', 'ended', 'not-found', 'signed-out']);
/** Phases in which this host has (or is getting) media in the room. */
const MEDIA_PHASES: ReadonlySet<StudioPhase> = new Set(['joining', 'joined', 'reconnecting']);

/** Wait before another join attempt after a failed one, doubling up to the maximum. */
const RETRY_DELAY_MS = 1000;
/** How long a change of effects settles before it is kept for next time (a slider sends many). */
const EFFECTS_SAVE_DELAY_MS = 600;
const MAX_RETRY_DELAY_MS = 15_000;
/** Tile reports are coalesced: a resize or layout switch sends one. */
const VIEWPORT_DEBOUNCE_MS = 300;
/**
 * How often tracks that have not shown media yet are checked while a mesh
 * runs (only a switch between paths needs to know): quickly after a track
 * arrives, slowly once none has for a while (a camera that is off shows no
 * frames for as long as it is off, and getStats is not free on a busy page).
 */
const READY_POLL_MS = 50;
const READY_POLL_SLOW_MS = 500;
const READY_FAST_POLLS = 60;
/**
 * Decoded frames that make a video ready to replace the other path's: a few,
 * not one, since a stream that has just started can stall after its first
 * key frame on a busy page (a third of a second at 15 fps).
 */
const READY_FRAMES = 5;
/** Mesh only (the SFU measures for itself): how often speaking and link quality are read from the peers. */
const MESH_LEVELS_MS = 300;
const MESH_QUALITY_MS = 2000;
/** While a switch is under way: how often its progress is checked. */
const SWITCH_CHECK_MS = 250;
/**
 * How often a joined studio compares the tracks it knows of with the server's
 * (GET /api/multihost/:id): a push lost or overtaken by an older snapshot
 * would otherwise leave a host's camera unconsumed for the rest of the show.
 */
const ROOM_CHECK_MS = 10_000;
/**
 * The first look comes sooner: a change pushed while a rejoin was under way
 * (a node of a cluster died, the room moved) can be missed, and a missed
 * track is a missing picture until the next look.
 */
const FIRST_ROOM_CHECK_MS = 1000;
/** The second look that confirms a difference (#checkRoomView). */
const ROOM_RECHECK_MS = 1000;
/** A consume that failed is tried again this much later (unless a push brings a sync sooner). */
const CONSUME_RETRY_MS = 2000;
/** A join starts with no peer-to-peer tracks listed. */
const NOTHING_ANNOUNCED = '[]';

export interface JoinRequestEntry {
  userId: string;
  displayName: string;
}

/** Where one video is shown on this host's stage (for simulcast layer choice). */
export interface TileViewport {
  userId: string;
  source: TrackSource;
  /** CSS pixels × devicePixelRatio. */
  height: number;
  visible: boolean;
  main: boolean;
}

type SessionWithRequests = SessionState & { joinRequests?: JoinRequestEntry[]; yourRequest?: JoinRequestState };

/** How this user's last request to join was answered, when not by letting them in. */
export type RequestAnswer = { outcome: 'denied'; reason: string | null } | { outcome: 'expired' };

export class StudioSession {
  readonly sessionId: string;
  readonly identity: StoredIdentity;

  phase = $state<StudioPhase>('loading');
  /** What went wrong last (shown to the host); cleared on success. */
  problem = $state<string | undefined>();
  /** Something the host should know that is not a failure (a device replaced on rejoining). */
  notice = $state<string | undefined>();
  session = $state.raw<SessionState | undefined>();
  joinRequests = $state.raw<JoinRequestEntry[]>([]);
  /** From the join: how long the session waits for a primary host whose connection dropped. */
  #primaryHostGraceS: number | undefined;
  /** This user's own pending request (phase 'requested'), and the answer to the last one. */
  myRequest = $state.raw<JoinRequestState | undefined>();
  requestAnswer = $state.raw<RequestAnswer | undefined>();
  /**
   * How the room's media travels now (the server decides: `multihost:mode`).
   * While it switches, both paths may deliver a host's track for a moment.
   */
  mediaMode = $state<MediaMode>('sfu');
  /** Every track received from the other hosts, through the SFU and peer to peer. */
  #received = $state.raw<ReceivedTrack[]>([]);
  /** What the stage plays: one track per host and source (mediaSwitch.ts: shownTracks). */
  readonly remoteTracks = $derived(shownTracks(this.#received, this.mediaMode));
  /** dBov by user id, of the hosts speaking right now. */
  audioLevels = $state.raw<Record<string, number>>({});
  /** By consumer id: the layer the server forwards to this host. */
  receiveQuality = $state.raw<Record<string, QualityAdapted>>({});
  /** By user id: each host's network tier as the server sees it. */
  peerQuality = $state.raw<Record<string, QualityTier>>({});
  /** This host's connection as the server measures it (every few seconds, while on the SFU). */
  myConnection = $state.raw<ConnectionFigures | undefined>();
  /** By user id: the hosts whose connection the server finds unstable or poor (held, not a blip). */
  connectionWarnings = $state.raw<Record<string, HealthLevel>>({});
  micOn = $state(true);
  cameraOn = $state(true);
  /** This host's camera, for its own tile. */
  localCamera = $state.raw<MediaStream | undefined>();
  /** This host's screen share, while sharing. */
  localScreen = $state.raw<MediaStream | undefined>();

  readonly timings: StudioTimings = {
    joinStartedAt: undefined,
    joinedAfterMs: undefined,
    firstFrameAfterMs: {},
    firstFrameAfterConsumeMs: {},
  };
  /** performance.now() when each remote camera was consumed. */
  readonly #cameraConsumedAt: Record<string, number> = {};

  /** Viewer count and recording state of the stream. */
  readonly audience: StudioAudience;
  /** The battle this session is in (pushes, clock, the primary host's requests). */
  readonly battle: BattleWatch;
  /** Gift streaks to this session (and in a battle, to both sides). */
  readonly gifts: GiftFeed;
  /** The session's shop: what is pinned, the flash sale, orders and figures (hosts' pushes). */
  readonly shop: ShopShelf;
  /** The host's own products and vouchers (shown to the primary host). */
  readonly catalogue: SellerCatalogue;
  /** The host's camera and voice effects; what they change is sent instead of the raw tracks. */
  readonly effects = new StudioEffects(() => this.#sentTracksChanged());
  #effectsSaveTimer: ReturnType<typeof setTimeout> | undefined;
  /**
   * In a battle: the opponent session's hosts and their tracks, piped into
   * this session's router (`pk-battle:opponent-hosts`); consumed like the
   * co-hosts' tracks. Empty outside a battle's media.
   */
  opponentHosts = $state.raw<HostState[]>([]);
  readonly #socket: SignalingSocket;
  #media: MediaConnection | undefined;
  #localStream: MediaStream | undefined;
  #screenStream: MediaStream | undefined;
  /** Bumped by every join attempt and teardown: a stale attempt notices and stops. */
  #attempt = 0;
  /** The server holds a joined connection for this socket (a retry must reset the socket first). */
  #joinedOnServer = false;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  /** Failed join attempts in a row (for the back-off). */
  #failedAttempts = 0;
  #viewportTimer: ReturnType<typeof setTimeout> | undefined;
  #tiles: TileViewport[] = [];
  #lastViewport = '';
  /** This host's peer-to-peer links while the room is (or is leaving) a mesh. */
  #mesh: MeshNetwork | undefined;
  #iceServers: IceServer[] = [];
  /** performance.now() of the last mode change: how long a switch has taken (SWITCH_TIMEOUT_MS, SWITCH_GIVE_UP_MS). */
  #modeChangedAt = 0;
  /** What each end of each link said it receives the other through. */
  readonly #switch = new SwitchProgress();
  /** The mesh tracks last announced to the server (webrtc:mesh-tracks). */
  #announcedMeshTracks = NOTHING_ANNOUNCED;
  #publishing: Promise<void> | undefined;
  /** The session's pushes while a join awaits its answer (replayed over the answer's state). */
  #changesDuringJoin: ((session: SessionState) => SessionState)[] | undefined;
  #readyTimer: ReturnType<typeof setTimeout> | undefined;
  #consumeRetryTimer: ReturnType<typeof setTimeout> | undefined;
  #roomCheckTimer: ReturnType<typeof setTimeout> | undefined;
  /** A difference between this studio's tracks and the server's, seen once and awaiting a second look. */
  #roomDifference: string | undefined;
  /** Times the room check found this studio's view of the tracks out of date (the debug hook reads it). */
  roomViewRefreshes = 0;
  /** Links closed on the way to the SFU, by why (the debug hook reads it). */
  readonly meshLinksClosed = { switched: 0, timedOut: 0 };
  /** Readiness checks since a track last arrived or turned ready (the poll slows down after a while). */
  #readyPolls = 0;
  #checkingReadiness = false;
  #switchTimer: ReturnType<typeof setInterval> | undefined;
  #meshStatsTimers: ReturnType<typeof setInterval>[] = [];

  /**
   * The primary host's signed invitation from the link this studio was
   * opened with (?invite=): used once, on the first load, to come in as a
   * co-host without a request.
   */
  #invitation: string | undefined;
  /** Why the invitation link did not let this user in (expired, not valid), in words. */
  invitationProblem = $state<string | undefined>();

  constructor(sessionId: string, identity: StoredIdentity, { invitation }: { invitation?: string } = {}) {
    this.sessionId = sessionId;
    this.identity = identity;
    this.#invitation = invitation;
    this.#socket = connectSignaling({ token: identity.token });
    this.audience = new StudioAudience(this.#socket, sessionId, identity.token);
    this.battle = new BattleWatch(this.#socket, sessionId);
    this.gifts = new GiftFeed(this.#socket, sessionId);
    this.shop = new ShopShelf(this.#socket, sessionId);
    this.catalogue = new SellerCatalogue(this.#socket, identity.token);
    this.#listen();
    window.addEventListener('pagehide', this.#onPageHide);
  }

  get userId(): string {
    return this.identity.user.userId;
  }

  get isPrimary(): boolean {
    return this.session?.primaryHostId === this.userId;
  }

  /** This host as the session lists it. */
  get #self(): HostState | undefined {
    return this.session?.hosts.find((host) => host.userId === this.userId);
  }

  /** In the audience's picture (false: backstage, seen only by the hosts). */
  get onAir(): boolean {
    return this.#self?.onAir ?? false;
  }

  /** May put hosts on air and stop their microphone or camera (the primary host, or a co-host allowed to). */
  get mayManageStage(): boolean {
    return this.#self?.permissions.stage ?? false;
  }

  get mayChangeLayout(): boolean {
    return this.#self?.permissions.layout ?? false;
  }

  get inRoom(): boolean {
    return MEDIA_PHASES.has(this.phase);
  }

  get screenSharing(): boolean {
    return this.localScreen !== undefined;
  }

  /** Loads the session and finds out whether this user is a host of it. */
  async load(): Promise<void> {
    try {
      const state = await this.#api<SessionWithRequests>(`/api/multihost/${encodeURIComponent(this.sessionId)}`);
      if (this.#isFinal()) return;
      const { joinRequests, ...session } = state;
      this.session = session;
      this.joinRequests = joinRequests ?? [];
      if (session.status === 'ended') return this.#finish('ended');
      if (this.inRoom) return;
      let isHost = session.hosts.some((host) => host.userId === this.userId);
      if (!isHost && this.#invitation) isHost = await this.#acceptInvitation(this.#invitation);
      if (this.#isFinal()) return;
      // The server knows whether a request is still pending (a reload, or one that expired meanwhile).
      this.myRequest = state.yourRequest;
      const remembered = loadRememberedDevices(sessionStorage, this.sessionId, {
        reload: isReload(),
        now: Date.now(),
      });
      if (remembered && isHost) return void this.#rejoin(remembered);
      this.phase = isHost ? 'pre-join' : state.yourRequest ? 'requested' : 'not-host';
    } catch (error) {
      this.#fail(error);
    }
  }

  /** Comes in through the invitation link; false (with the reason shown) when it does not let this user in. */
  async #acceptInvitation(invitation: string): Promise<boolean> {
    this.#invitation = undefined;
    try {
      this.session = await this.#api<SessionState>(
        `/api/multihost/${encodeURIComponent(this.sessionId)}/join-by-invitation`,
        { method: 'POST', body: { invitation } },
      );
      this.invitationProblem = undefined;
      return true;
    } catch (error) {
      if (!(error instanceof ApiError) || error.code === 'UNAVAILABLE' || error.code === 'INTERNAL') throw error;
      this.invitationProblem =
        error.code === 'ROOM_FULL'
          ? 'The studio already has nine hosts: the invitation cannot let you in now.'
          : `${error.message.charAt(0).toUpperCase()}${error.message.slice(1)}.`;
      return false;
    }
  }

  /** A signed link that lets its holder in as a co-host (the primary host's), valid for `ttlS`. */
  async createInvitationLink(ttlS: number): Promise<{ url: string; expiresAt: string }> {
    const grant = await this.#api<InvitationGrant>(`/api/multihost/${encodeURIComponent(this.sessionId)}/invitations`, {
      method: 'POST',
      body: { ttlS },
    });
    const url = `${location.origin}/studio/${encodeURIComponent(this.sessionId)}?invite=${encodeURIComponent(grant.invitation)}`;
    return { url, expiresAt: grant.expiresAt };
  }

  async requestToJoin(): Promise<void> {
    try {
      this.myRequest = await this.#api<JoinRequestState>(
        `/api/multihost/${encodeURIComponent(this.sessionId)}/request`,
        { method: 'POST' },
      );
      this.phase = 'requested';
      this.requestAnswer = undefined;
      this.problem = undefined;
    } catch (error) {
      // Approved meanwhile, or already a host from another tab.
      if (error instanceof ApiError && error.code === 'CONFLICT') return this.load();
      this.#fail(error);
    }
  }

  async cancelRequest(): Promise<void> {
    try {
      await this.#api(`/api/multihost/${encodeURIComponent(this.sessionId)}/request`, { method: 'DELETE' });
      this.#requestClosed(undefined);
      this.problem = undefined;
    } catch (error) {
      // Answered meanwhile (approved, denied or expired): the server's state says which.
      if (error instanceof ApiError && error.code === 'NOT_FOUND') return this.load();
      this.#fail(error);
    }
  }

  /** Joins the room with the camera and microphone chosen before (the studio owns the stream from now). */
  join(stream: MediaStream): void {
    if (this.phase !== 'pre-join') {
      stopStream(stream);
      return;
    }
    this.#enterRoom(stream);
  }

  /**
   * This tab was in the room (a reload): join again at once with the devices
   * used then, on or off as they were; a device that is gone is replaced by
   * the default one, and the host is told. Only a capture that fails
   * altogether (permission withdrawn) falls back to the device check.
   */
  async #rejoin(remembered: RememberedDevices): Promise<void> {
    this.phase = 'joining';
    let captured: Awaited<ReturnType<typeof captureWithFallback>>;
    try {
      captured = await captureWithFallback({ cameraId: remembered.cameraId, microphoneId: remembered.microphoneId });
    } catch (error) {
      if (this.phase !== 'joining') return;
      this.phase = 'pre-join';
      this.problem = `Cannot use the camera or microphone you chose before: ${(error as Error).message}`;
      return;
    }
    const { stream, replaced } = captured;
    if (this.phase !== 'joining') return stopStream(stream);
    this.notice = replacementNotice(remembered, replaced, stream);
    stream.getVideoTracks().forEach((track) => (track.enabled = remembered.cameraOn));
    stream.getAudioTracks().forEach((track) => (track.enabled = remembered.micOn));
    this.#enterRoom(stream);
  }

  #enterRoom(stream: MediaStream): void {
    this.#localStream = stream;
    this.localCamera = stream.getVideoTracks().length ? new MediaStream(stream.getVideoTracks()) : undefined;
    void this.#restoreEffects(stream);
    this.micOn = stream.getAudioTracks().some((track) => track.enabled);
    this.cameraOn = stream.getVideoTracks().some((track) => track.enabled);
    this.#rememberDevices();
    this.timings.joinStartedAt = performance.now();
    this.phase = 'joining';
    // A socket still connecting starts the join from its `connect` handler.
    if (this.#socket.connected) void this.#connect();
  }

  async setMicrophone(on: boolean): Promise<void> {
    this.micOn = on;
    this.#rememberDevices();
    await this.#setSourceEnabled('microphone', on);
  }

  async setCamera(on: boolean): Promise<void> {
    this.cameraOn = on;
    this.#rememberDevices();
    await this.#setSourceEnabled('camera', on);
  }

  /** For a reload of this tab: rejoin with the same devices, as they are now. */
  #rememberDevices(): void {
    const stream = this.#localStream;
    if (!stream) return;
    rememberDevices(sessionStorage, this.sessionId, devicesOf(stream, { cameraOn: this.cameraOn, micOn: this.micOn }), {
      savedAt: Date.now(),
      graceS: this.#primaryHostGraceS,
    });
  }

  /** The page is going away (a reload, maybe): the devices are remembered as of now. */
  readonly #onPageHide = (): void => {
    if (this.inRoom) this.#rememberDevices();
  };

  dismissNotice(): void {
    this.notice = undefined;
  }

  async startScreenShare(): Promise<void> {
    if (this.#screenStream || this.phase !== 'joined') return;
    let stream: MediaStream;
    try {
      stream = await navigator.mediaDevices.getDisplayMedia({ video: { frameRate: 15 }, audio: true });
    } catch (error) {
      // The host cancelled the picker: not a problem worth showing.
      if ((error as Error).name !== 'NotAllowedError') this.problem = (error as Error).message;
      return;
    }
    const [video] = stream.getVideoTracks();
    if (!video) return stopStream(stream);
    video.contentHint = 'detail';
    // The browser's own "Stop sharing" bar ends the track.
    video.addEventListener('ended', () => void this.stopScreenShare());
    this.#screenStream = stream;
    this.localScreen = new MediaStream([video]);
    this.#updateMeshTracks();
    const media = this.#media;
    if (media && (this.mediaMode === 'sfu' || media.producer('camera'))) {
      await this.#publishScreen(media).catch((error: unknown) => this.#report(error));
    }
  }

  async stopScreenShare(): Promise<void> {
    const stream = this.#screenStream;
    if (!stream) return;
    this.#screenStream = undefined;
    this.localScreen = undefined;
    stopStream(stream);
    this.#updateMeshTracks();
    const media = this.#media;
    if (!media) return;
    await Promise.all([media.unpublish('screen'), media.unpublish('screen-audio')]).catch((error: unknown) =>
      this.#report(error),
    );
  }

  async changeLayout(kind: LayoutKind, pinnedUserId: string | null): Promise<void> {
    try {
      const layout = await request(this.#socket, 'multihost:change-layout', { layout: kind, pinnedUserId });
      if (this.session) this.session = update.layoutChanged(this.session, layout);
    } catch (error) {
      this.#report(error);
    }
  }

  async approve(userId: string): Promise<void> {
    try {
      await this.#api(`/api/multihost/${encodeURIComponent(this.sessionId)}/approve`, {
        method: 'POST',
        body: { userId },
      });
      this.joinRequests = this.joinRequests.filter((entry) => entry.userId !== userId);
    } catch (error) {
      this.#report(error);
    }
  }

  /** Turns a request down; `reason` (may be blank) is shown to the requester. */
  async deny(userId: string, reason: string): Promise<void> {
    try {
      await this.#api(`/api/multihost/${encodeURIComponent(this.sessionId)}/deny`, {
        method: 'POST',
        body: { userId, reason },
      });
      this.joinRequests = this.joinRequests.filter((entry) => entry.userId !== userId);
    } catch (error) {
      this.#report(error);
    }
  }

  async setOnAir(userId: string, onAir: boolean): Promise<void> {
    try {
      this.#hostUpdated(await request(this.#socket, 'multihost:set-on-air', { userId, onAir }));
    } catch (error) {
      this.#report(error);
    }
  }

  /**
   * Shows, changes or hides (null) the banner or the ticker. Throws what the
   * server refused, in words, for the panel to show next to its field.
   */
  async setOnScreen(change: OnScreenRequest): Promise<void> {
    const onScreen = await request(this.#socket, 'multihost:set-on-screen', change);
    if (this.session) this.session = update.onScreenChanged(this.session, onScreen);
  }

  /** Puts a logo or backdrop on screen (a file) or takes it off (null); a refusal is thrown, in words. */
  async setOnScreenPicture(picture: OnScreenPicture, file: File | null): Promise<void> {
    const path = `/api/multihost/${encodeURIComponent(this.sessionId)}/on-screen/${picture}`;
    const onScreen = await this.#api<OnScreenState>(
      path,
      file ? { method: 'PUT', rawBody: file, contentType: file.type } : { method: 'DELETE' },
    );
    if (this.session) this.session = update.onScreenChanged(this.session, onScreen);
  }

  /** Whether co-hosts who join from now on wait backstage. */
  async setBackstage(backstage: boolean): Promise<void> {
    try {
      await this.changeSettings({ backstage });
    } catch (error) {
      this.#report(error);
    }
  }

  /** Changes the session's settings (the primary host); a refusal is thrown, for the form to say in words. */
  async changeSettings(change: SettingsRequest): Promise<void> {
    const state = await this.#api<SessionState>(`/api/multihost/${encodeURIComponent(this.sessionId)}/settings`, {
      method: 'PUT',
      body: change,
    });
    if (this.session) this.session = update.settingsChanged(this.session, state.title, state.settings, state.plan);
  }

  /** A picture file as the show's cover (PNG, JPEG or WebP; the server checks the bytes); null removes it. */
  async setCover(file: File | null): Promise<void> {
    const path = `/api/multihost/${encodeURIComponent(this.sessionId)}/cover`;
    const plan = await this.#api<SessionPlan>(
      path,
      file ? { method: 'PUT', rawBody: file, contentType: file.type } : { method: 'DELETE' },
    );
    if (this.session) {
      this.session = update.settingsChanged(this.session, this.session.title, this.session.settings, plan);
    }
  }

  /** A private session's watch link, whole, for a host to share. */
  async watchLink(): Promise<string> {
    const link = await request(this.#socket, 'multihost:watch-link', {});
    return `${location.origin}${link.path}`;
  }

  /** Stops another host's microphone or camera; only they can turn it on again. */
  async stopHostMedia(userId: string, source: StoppableSource): Promise<void> {
    try {
      await request(this.#socket, 'multihost:stop-host-media', { userId, source });
    } catch (error) {
      this.#report(error);
    }
  }

  async setPermissions(userId: string, permissions: HostPermissions): Promise<void> {
    try {
      this.#hostUpdated(await request(this.#socket, 'multihost:set-permissions', { userId, permissions }));
    } catch (error) {
      this.#report(error);
    }
  }

  /** Another host turned this host's microphone or camera off: off here too, and say who. */
  #mediaStopped(source: StoppableSource, by: { displayName: string }): void {
    const what = source === 'microphone' ? 'microphone' : 'camera';
    this.notice = `${by.displayName} turned off your ${what}. Turn it on again when you are ready.`;
    if (source === 'microphone') void this.setMicrophone(false);
    else void this.setCamera(false);
  }

  async removeHost(userId: string): Promise<void> {
    try {
      await this.#api(`/api/multihost/${encodeURIComponent(this.sessionId)}/hosts/${encodeURIComponent(userId)}`, {
        method: 'DELETE',
      });
    } catch (error) {
      this.#report(error);
    }
  }

  async goLive(): Promise<void> {
    try {
      const state = await this.#api<SessionState>(`/api/multihost/${encodeURIComponent(this.sessionId)}/start`, {
        method: 'POST',
      });
      if (this.session) this.session = update.statusChanged(this.session, state.status);
    } catch (error) {
      this.#report(error);
    }
  }

  async setRecording(on: boolean): Promise<void> {
    try {
      await this.audience.setRecording(on);
    } catch (error) {
      this.#report(error);
    }
  }

  async endSession(): Promise<void> {
    try {
      await this.#api(`/api/multihost/${encodeURIComponent(this.sessionId)}/end`, { method: 'POST' });
      this.#finish('ended');
    } catch (error) {
      this.#report(error);
    }
  }

  /** Leaves the room (the primary host leaving ends the session for everyone: the show has ended). */
  async leave(): Promise<void> {
    const endsTheShow = this.isPrimary;
    let told = false;
    if (this.#joinedOnServer) {
      // Leaving goes ahead regardless: the server also drops this host when the socket closes.
      told = await request(this.#socket, 'multihost:leave', {}, 3000).then(
        () => true,
        (error: unknown) => (warn('telling the server this host left failed', error), false),
      );
    }
    if (endsTheShow && !told) {
      // Not in the room right now (reconnecting), or the leave went unanswered: the server would
      // only see a dropped connection and wait for this host; end the show as asked.
      try {
        await this.#api(`/api/multihost/${encodeURIComponent(this.sessionId)}/end`, { method: 'POST' });
      } catch (error) {
        // Gone already: the leave did end it after all.
        if (error instanceof ApiError && error.code === 'NOT_FOUND') return this.#finish('ended');
        // Still in the room (or reconnecting): the host sees why and can try again.
        this.problem = `The show could not be ended: ${error instanceof Error ? error.message : String(error)}`;
        return;
      }
    }
    this.#finish(endsTheShow ? 'ended' : 'left');
  }

  /** The stage's tiles changed (layout, resize, hosts): tell the server what each video needs. */
  reportTiles(tiles: TileViewport[]): void {
    this.#tiles = tiles;
    this.#scheduleViewport();
  }

  /** A remote camera showed its first frame (measured for the join-to-picture time). */
  noteFirstFrame(userId: string): void {
    const { joinStartedAt, firstFrameAfterMs, firstFrameAfterConsumeMs } = this.timings;
    if (joinStartedAt === undefined || userId in firstFrameAfterMs) return;
    const now = performance.now();
    firstFrameAfterMs[userId] = Math.round(now - joinStartedAt);
    const consumedAt = this.#cameraConsumedAt[userId];
    if (consumedAt !== undefined) firstFrameAfterConsumeMs[userId] = Math.round(now - consumedAt);
  }

  async candidateTypes(): Promise<{ send: string | undefined; recv: string | undefined }> {
    return this.#media ? this.#media.candidateTypes() : { send: undefined, recv: undefined };
  }

  async stats(): Promise<{ remote: ReceiveStats[]; local: SendStats[] }> {
    const media = this.#media;
    const mesh = this.#mesh;
    if (!media) return { remote: [], local: [] };
    const [sfuRemote, sfuLocal, meshRemote, meshLocal] = await Promise.all([
      media.receiveStats(),
      media.sendStats(),
      mesh?.receiveStats() ?? [],
      mesh?.sendStats() ?? [],
    ]);
    const shownIds = this.remoteTracks.map((track) => track.consumerId);
    const remote = [...sfuRemote, ...meshRemote].map((entry) => {
      const adapted = this.receiveQuality[entry.consumerId];
      const quality = adapted && {
        tier: adapted.tier,
        spatialLayer: adapted.spatialLayer,
        paused: adapted.paused,
      };
      return { ...entry, shown: shownIds.includes(entry.consumerId), ...(quality && { quality }) };
    });
    // What the stage plays first: a reader looking for "the" track of a host finds that one.
    remote.sort((a, b) => Number(b.shown) - Number(a.shown));
    return { remote, local: [...sfuLocal, ...meshLocal] };
  }

  async meshCandidateTypes(): Promise<Record<string, string | undefined>> {
    const peers = this.#mesh?.peers ?? [];
    const types = await Promise.all(peers.map((peer) => peer.candidateType()));
    return Object.fromEntries(peers.map((peer, index) => [peer.remoteUserId, types[index]]));
  }

  /** Closes everything: the page is going away. */
  destroy(): void {
    window.removeEventListener('pagehide', this.#onPageHide);
    this.#teardown();
    // Leaving the studio in the app (a link, history): coming back later starts with the device check.
    forgetDevices(sessionStorage, this.sessionId);
    this.battle.destroy();
    this.gifts.destroy();
    this.shop.destroy();
    this.catalogue.destroy();
    this.#socket.removeAllListeners();
    this.#socket.disconnect();
  }

  // --- joining and rejoining ---------------------------------------------------

  async #connect(): Promise<void> {
    const attempt = ++this.#attempt;
    this.#closeMedia();
    const stale = () => attempt !== this.#attempt;
    let joinSent = false;
    try {
      const media = await MediaConnection.load(this.#socket, this.sessionId, {
        onTransportFailed: () => this.#reconnect('the media connection failed'),
      });
      if (stale()) return media.close();
      this.#media = media;
      // Listening for the others' offers before the join is answered (MeshNetwork).
      this.#mesh = this.#createMesh();
      joinSent = true;
      this.#changesDuringJoin = [];
      const joined = await request(this.#socket, 'multihost:join', {
        sessionId: this.sessionId,
        rtpCapabilities: media.rtpCapabilities,
      });
      if (stale()) return;
      this.#joinedOnServer = true;
      this.#primaryHostGraceS = joined.primaryHostGraceS;
      // Pushes can overtake the join's answer (another host's join finishing meanwhile): each sets an
      // absolute value, so replaying them over the answer's snapshot gives the newest state.
      const overtaken = this.#changesDuringJoin ?? [];
      this.#changesDuringJoin = undefined;
      this.session = overtaken.reduce((session, change) => change(session), joined.session);
      // Requests made while this primary host was away were pushed to no one: ask for them.
      if (joined.session.primaryHostId === this.userId) void this.#refreshJoinRequests();
      void this.audience.refresh();
      this.#iceServers = joined.iceServers;
      this.#setMediaMode(joined.session.mediaMode);
      await media.openTransports(joined.iceServers);
      if (stale()) return;
      // Receiving first: the others' pictures appear while ours is still being set up.
      this.#syncConsumers();
      // On the SFU, publish; in a mesh the links carry this host's tracks (#syncMesh).
      if (this.mediaMode === 'sfu') await this.#ensurePublished(media);
      if (stale()) return;
      this.phase = 'joined';
      this.#failedAttempts = 0;
      this.problem = undefined;
      const { joinStartedAt } = this.timings;
      if (joinStartedAt !== undefined && this.timings.joinedAfterMs === undefined) {
        this.timings.joinedAfterMs = Math.round(performance.now() - joinStartedAt);
      }
      this.#lastViewport = '';
      this.#scheduleViewport();
      this.#scheduleRoomCheck(FIRST_ROOM_CHECK_MS);
    } catch (error) {
      if (stale()) return;
      if (error instanceof RequestFailed && error.code === 'NOT_ALLOWED') return this.#finish('removed');
      if (error instanceof RequestFailed && error.code === 'NOT_FOUND') return this.#finish('ended');
      // A join that timed out may have succeeded, and CONFLICT says this socket is still joined:
      // either way only a fresh socket starts clean.
      const joinRefused = error instanceof RequestFailed && error.code !== 'CONFLICT';
      if (joinSent && !joinRefused) this.#joinedOnServer = true;
      this.#reconnect(error instanceof Error ? error.message : String(error));
    }
  }

  /**
   * The next look at the room on the server, then one every ROOM_CHECK_MS
   * while joined (sooner while a difference waits to be confirmed).
   */
  #scheduleRoomCheck(delayMs: number): void {
    clearTimeout(this.#roomCheckTimer);
    this.#roomCheckTimer = setTimeout(() => {
      void this.#checkRoomView()
        .catch(() => false)
        .then((confirming) => {
          if (this.phase === 'joined') this.#scheduleRoomCheck(confirming ? ROOM_RECHECK_MS : ROOM_CHECK_MS);
        });
    }, delayMs);
  }

  /**
   * Takes from the server the co-hosts whose presence or tracks differ from
   * what this studio knows (then consumes what is missing). Returns true
   * while a difference waits for confirmation: the answer can be older than
   * a push that already arrived (it went by another path: HTTP, and in a
   * cluster through another node), so a difference is acted on only when
   * the next look, ROOM_RECHECK_MS later, shows the same one, and only for
   * the hosts it names (roomView.ts).
   */
  async #checkRoomView(): Promise<boolean> {
    let state: SessionWithRequests;
    try {
      state = await this.#api<SessionWithRequests>(`/api/multihost/${encodeURIComponent(this.sessionId)}`);
    } catch (error) {
      warn('checking the room against the server failed (checked again shortly)', error);
      return false;
    }
    const session = this.session;
    if (!session || this.phase !== 'joined') return false;
    const differences = roomDifferences(session.hosts, state.hosts, this.userId);
    if (differences.length === 0) {
      this.#roomDifference = undefined;
      return false;
    }
    const difference = JSON.stringify(differences);
    if (this.#roomDifference !== difference) {
      this.#roomDifference = difference;
      return true;
    }
    this.#roomDifference = undefined;
    this.roomViewRefreshes++;
    warn('this studio had missed a change of the room; taken from the server', difference);
    const userIds = differences.map((entry) => entry.userId);
    this.session = { ...session, hosts: withServerHosts(session.hosts, state.hosts, userIds) };
    this.#syncConsumers();
    return false;
  }

  async #refreshJoinRequests(): Promise<void> {
    try {
      const state = await this.#api<SessionWithRequests>(`/api/multihost/${encodeURIComponent(this.sessionId)}`);
      if (!this.#isFinal() && state.joinRequests) this.joinRequests = state.joinRequests;
    } catch (error) {
      warn('reading the pending join requests failed (new ones still arrive)', error);
    }
  }

  /**
   * A primary host whose connection dropped cannot hear the server say how
   * long the session waits: count it here from the grace the join gave
   * (the server's own deadline replaces it on rejoining).
   */
  #noteOwnAbsence(): void {
    const session = this.session;
    if (!session || session.primaryHostId !== this.userId || this.#primaryHostGraceS === undefined) return;
    // A timestamp, not a held Date: nothing mutates it.
    const awayUntil = new Date(Date.now() + this.#primaryHostGraceS * 1000).toISOString(); // eslint-disable-line svelte/prefer-svelte-reactivity
    this.session = update.hostAway(session, this.userId, awayUntil);
  }

  /**
   * Starts over: drops this join's media and joins again. If the server still
   * holds this socket's join, the socket reconnects first (the server drops
   * a disconnected host's media; the primary host has a grace period).
   */
  #reconnect(reason: string): void {
    if (!this.inRoom) return;
    this.phase = 'reconnecting';
    this.problem = reason;
    this.#attempt++;
    this.#closeMedia();
    clearTimeout(this.#retryTimer);
    const delay = Math.min(MAX_RETRY_DELAY_MS, RETRY_DELAY_MS * 2 ** this.#failedAttempts++);
    if (this.#joinedOnServer && this.#socket.connected) {
      this.#joinedOnServer = false;
      this.#socket.disconnect();
      this.#retryTimer = setTimeout(() => this.#socket.connect(), delay);
      return;
    }
    this.#retryTimer = setTimeout(() => {
      if (this.phase === 'reconnecting' && this.#socket.connected) void this.#connect();
    }, delay);
  }

  /** Publishes this host's tracks on the SFU, once (a second call waits for the first). */
  #ensurePublished(media: MediaConnection): Promise<void> {
    if (!this.#publishing) {
      const publishing = this.#publishLocal(media);
      this.#publishing = publishing;
      // A failed publish may be tried again (a rejoin, the next switch).
      publishing.catch(() => {
        if (this.#publishing === publishing) this.#publishing = undefined;
      });
    }
    return this.#publishing;
  }

  /** Closes this host's producers: the room is a mesh again and every other host receives it peer to peer. */
  async #unpublishAll(media: MediaConnection): Promise<void> {
    this.#publishing = undefined;
    const sources = ['microphone', 'camera', 'screen', 'screen-audio'] as const;
    await Promise.all(sources.map((source) => media.unpublish(source))).catch((error: unknown) =>
      warn('closing the producers after moving to the mesh failed', error),
    );
  }

  async #publishLocal(media: MediaConnection): Promise<void> {
    const stream = this.#localStream;
    const microphone = media.producer('microphone') ? undefined : this.effects.microphone(stream?.getAudioTracks()[0]);
    const rawCamera = stream?.getVideoTracks()[0];
    const camera = media.producer('camera') ? undefined : this.effects.camera(rawCamera);
    // The camera's own size: a processed track does not report one.
    const size = rawCamera?.getSettings();
    await Promise.all([
      microphone &&
        media.publish('microphone', microphone, { codecOptions: microphoneCodecOptions }).then(async (producer) => {
          if (!this.micOn) await this.#pause(producer, 'microphone');
        }),
      camera &&
        media
          .publish('camera', camera, {
            encodings: cameraEncodings(size?.width ?? 1280, size?.height ?? 720),
            codecOptions: cameraCodecOptions,
          })
          .then(async (producer) => {
            if (!this.cameraOn) await this.#pause(producer, 'camera');
          }),
      this.#screenStream && this.#publishScreen(media),
    ]);
    this.#syncProducerTracks();
  }

  async #publishScreen(media: MediaConnection): Promise<void> {
    const stream = this.#screenStream;
    const video = media.producer('screen') ? undefined : stream?.getVideoTracks()[0];
    const audio = media.producer('screen-audio') ? undefined : stream?.getAudioTracks()[0];
    await Promise.all([
      video && media.publish('screen', video, { encodings: screenEncodings }),
      audio && media.publish('screen-audio', audio, { codecOptions: microphoneCodecOptions }),
    ]);
  }

  async #pause(producer: { pause(): void }, source: TrackSource): Promise<void> {
    producer.pause();
    await request(this.#socket, 'webrtc:toggle-track', { source, enabled: false });
  }

  async #setSourceEnabled(source: 'camera' | 'microphone', enabled: boolean): Promise<void> {
    const producer = this.#media?.producer(source);
    // The track itself too: a producer published later (a switch to the SFU) starts as it is.
    const stream = this.#localStream;
    const tracks = source === 'camera' ? stream?.getVideoTracks() : stream?.getAudioTracks();
    tracks?.forEach((track) => (track.enabled = enabled));
    const sent = source === 'camera' ? this.effects.camera(tracks?.[0]) : this.effects.microphone(tracks?.[0]);
    if (sent) sent.enabled = enabled;
    this.#updateMeshTracks();
    // Not publishing yet: the track's state is picked up when it is.
    if (!producer && !this.#mesh) return;
    // Locally first (nothing more leaves this browser), then the server pauses
    // the producer (if any) and tells everyone.
    if (enabled) producer?.resume();
    else producer?.pause();
    try {
      await request(this.#socket, 'webrtc:toggle-track', { source, enabled });
    } catch (error) {
      this.#report(error);
    }
  }

  /** After a failed consume (a busy server or page timing out): syncs again, once, a moment later. */
  #retryConsumersSoon(): void {
    if (this.#consumeRetryTimer) return;
    this.#consumeRetryTimer = setTimeout(() => {
      this.#consumeRetryTimer = undefined;
      this.#syncConsumers();
    }, CONSUME_RETRY_MS);
  }

  /** Consumes every track of the other hosts (and a battle opponent's) not consumed yet; closes consumers of tracks gone. */
  #syncConsumers(): void {
    const media = this.#media;
    const session = this.session;
    if (!media?.canConsume || !session) return;
    const wanted = producersToConsume(
      update.wantedProducerIds(session, this.opponentHosts, this.userId),
      session.hosts,
      this.userId,
      this.mediaMode,
      (host) => this.#showsAllVia(host, 'mesh'),
    );
    for (const producerId of wanted) {
      if (!media.isConsuming(producerId)) void this.#consume(media, producerId);
    }
    for (const producerId of media.consumedProducerIds()) {
      if (wanted.has(producerId)) continue;
      const consumerId = media.closeConsumerOf(producerId);
      if (consumerId) this.#forgetRemote(consumerId);
    }
    this.#syncMesh();
  }

  async #consume(media: MediaConnection, producerId: string): Promise<void> {
    const startedAt = performance.now();
    try {
      const remote = await media.consume(producerId);
      if (!remote || media !== this.#media) return;
      this.#received = [
        ...this.#received.filter((known) => known.producerId !== producerId),
        { ...remote, via: 'sfu', ready: false },
      ];
      this.#watchReadiness();
      if (remote.source === 'camera') this.#cameraConsumedAt[remote.userId] ??= startedAt;
      if (remote.kind === 'video') this.#scheduleViewport();
    } catch (error) {
      // A producer that closed meanwhile is not a problem: its close push follows.
      if (error instanceof RequestFailed && error.code === 'NOT_FOUND') return;
      if (media !== this.#media) return;
      // Tried again shortly (consumers are otherwise synced on pushes only, and a quiet room sends none);
      // the tile waits meanwhile, which is all a host would see.
      warn('receiving a track failed; trying again', error);
      this.#retryConsumersSoon();
    }
  }

  #forgetRemote(consumerId: string): void {
    this.#received = this.#received.filter((remote) => remote.consumerId !== consumerId);
    if (consumerId in this.receiveQuality) {
      const { [consumerId]: _gone, ...rest } = this.receiveQuality;
      this.receiveQuality = rest;
    }
  }

  #scheduleViewport(): void {
    clearTimeout(this.#viewportTimer);
    this.#viewportTimer = setTimeout(() => this.#sendViewport(), VIEWPORT_DEBOUNCE_MS);
  }

  #sendViewport(): void {
    if (this.phase !== 'joined' && this.phase !== 'joining') return;
    this.#sendMeshViewports();
    const consumers = this.#tiles.flatMap((tile) => {
      const remote = this.#received.find(
        (track) =>
          track.via === 'sfu' && track.kind === 'video' && track.userId === tile.userId && track.source === tile.source,
      );
      if (!remote) return [];
      const height = Math.max(0, Math.min(4320, Math.round(tile.height)));
      return [{ consumerId: remote.consumerId, visible: tile.visible, height, main: tile.main }];
    });
    const payload = JSON.stringify(consumers);
    if (consumers.length === 0 || payload === this.#lastViewport) return;
    this.#lastViewport = payload;
    // Advisory: the server may not adapt layers (or not yet); media flows either way.
    request(this.#socket, 'webrtc:adapt-quality', { consumers }, 5000).catch((error: unknown) => {
      warn('sending the video sizes for quality adaptation failed (sent again on the next change)', error);
      if (this.#lastViewport === payload) this.#lastViewport = '';
    });
  }

  // --- mesh and switching (docs/mesh.md) ---------------------------------------------

  #setMediaMode(mode: MediaMode): void {
    if (this.mediaMode === mode) return;
    this.mediaMode = mode;
    this.#modeChangedAt = performance.now();
    this.#switch.forgetTold();
    // Until the old path is closed, check the switch's progress (and its timeout) a few times a second.
    clearInterval(this.#switchTimer);
    // Consumers too: moving back to the mesh drops the server's copy once a tile shows the link's track.
    this.#switchTimer = setInterval(() => this.#syncConsumers(), SWITCH_CHECK_MS);
  }

  /** Since the mode changed: `waited` past SWITCH_TIMEOUT_MS, `gaveUp` past SWITCH_GIVE_UP_MS. */
  #switchAge(): { waited: boolean; gaveUp: boolean } {
    const age = performance.now() - this.#modeChangedAt;
    return { waited: age > SWITCH_TIMEOUT_MS, gaveUp: age > SWITCH_GIVE_UP_MS };
  }

  /**
   * Brings the links and this host's producers in line with the mode: in a
   * mesh, a link to every other host in the room, and the producers closed
   * once every host receives this one peer to peer; on the SFU, everything
   * published, and each link closed once both its ends receive each other
   * through the server. A timeout closes a stuck old path anyway.
   */
  #syncMesh(): void {
    const media = this.#media;
    const session = this.session;
    // Not before the transports exist (the join's answer is still being set up).
    if (!media?.canConsume || !session || !this.#joinedOnServer) return;
    const others = session.hosts.filter((host) => host.userId !== this.userId && host.connected);
    const via = this.mediaMode;

    if (via === 'mesh') {
      const mesh = (this.#mesh ??= this.#createMesh());
      // Known before opening: the offers that arrived early are handled by `open`.
      mesh.setKnownHosts(session.hosts.map((host) => host.userId));
      if (!mesh.opened) this.#openMesh(mesh);
      mesh.connectTo(others.map((host) => host.userId));
    } else {
      void this.#ensurePublished(media).catch((error: unknown) => this.#report(error));
    }

    const mesh = this.#mesh;
    if (mesh) {
      if (via === 'sfu') mesh.setKnownHosts([]);
      for (const peer of mesh.peers) {
        const host = others.find((other) => other.userId === peer.remoteUserId);
        if (!host) {
          mesh.drop(peer.remoteUserId);
          continue;
        }
        // Tell the other end once this end has everything through the room's path.
        if (this.#switch.told(host.userId) !== via && this.#showsAllVia(host, via)) {
          if (peer.send({ type: 'receiving', via })) this.#switch.noteTold(host.userId, via);
        }
        const done = this.#switch.linkDone(host.userId, performance.now());
        // Not done: closed once this end shows the other through the server and the other end is late,
        // or when the switch gives up altogether.
        const age = this.#switchAge();
        const timedOut = (age.waited && this.#showsAllVia(host, 'sfu')) || age.gaveUp;
        if (via === 'sfu' && (done || timedOut)) {
          this.meshLinksClosed[done ? 'switched' : 'timedOut']++;
          mesh.drop(host.userId);
        }
      }
      if (via === 'sfu' && (mesh.peers.length === 0 || !mesh.opened)) this.#closeMesh();
    }

    if (via === 'mesh' && mesh && media.hasProducers) {
      const everyoneMoved = others.every((host) => this.#switch.heard(host.userId) === 'mesh');
      // The others say when they receive this host peer to peer; the server's copy goes then (or when
      // the switch gives up: an end that never answers must not keep the SFU busy).
      if (everyoneMoved || this.#switchAge().gaveUp) void this.#unpublishAll(media);
    }
    const settled = via === 'sfu' ? !this.#mesh : !media.hasProducers;
    if (settled) {
      clearInterval(this.#switchTimer);
      this.#switchTimer = undefined;
    }
  }

  /** Everything `host` publishes arrives through `via`, and every tile of theirs on screen shows it. */
  #showsAllVia(host: HostState, via: MediaMode): boolean {
    if (!receivesAllVia(this.#received, host, via)) return false;
    return this.#received.every((track) => {
      if (track.userId !== host.userId || track.via !== via || track.kind !== 'video') return true;
      const showing = tileShows(`${track.userId}:${track.source}`);
      return showing === undefined || showing === track.track.id;
    });
  }

  #createMesh(): MeshNetwork {
    return new MeshNetwork(this.#socket, this.sessionId, this.userId, {
      track: (userId, source, track) => {
        const kind = track.kind === 'audio' ? 'audio' : 'video';
        const id = meshTrackId(userId, source);
        this.#received = [
          ...this.#received.filter((known) => known.consumerId !== id),
          { consumerId: id, producerId: id, userId, source, kind, track, via: 'mesh', ready: false },
        ];
        if (source === 'camera') this.#cameraConsumedAt[userId] ??= performance.now();
        this.#watchReadiness();
      },
      trackGone: (userId, source) => {
        const id = meshTrackId(userId, source);
        this.#received = this.#received.filter((known) => known.consumerId !== id);
      },
      message: (userId, message) => this.#onPeerMessage(userId, message),
      // Not from inside the network's own calls (a drop reports its link's end).
      linkChanged: () => queueMicrotask(() => this.#syncMesh()),
    });
  }

  #openMesh(mesh: MeshNetwork): void {
    mesh.open({
      iceServers: this.#iceServers.map(({ urls, username, credential }) => ({ urls, username, credential })),
      iceTransportPolicy: iceTransportPolicy(),
    });
    mesh.setLocalTracks(this.#meshLocalTracks());
    this.#announceMeshTracks();
    // The SFU's tracks, if any, need to be known ready before the links may replace them.
    this.#watchReadiness();
    this.#meshStatsTimers = [
      setInterval(() => this.#readMeshLevels(), MESH_LEVELS_MS),
      setInterval(() => void this.#readMeshQuality(), MESH_QUALITY_MS),
    ];
  }

  #closeMesh(): void {
    const mesh = this.#mesh;
    if (!mesh) return;
    this.#mesh = undefined;
    mesh.close();
    this.#meshStatsTimers.forEach(clearInterval);
    this.#meshStatsTimers = [];
    this.#switch.clear();
    this.#received = this.#received.filter((track) => track.via !== 'mesh');
    if (this.#joinedOnServer && this.mediaMode === 'sfu') this.#announceMeshTracks();
  }

  #onPeerMessage(userId: string, message: PeerMessage): void {
    if (message.type !== 'receiving') return;
    this.#switch.noteHeard(userId, message.via);
    this.#syncMesh();
  }

  /** What this host sends to its links: each source's track, null while it is off. */
  #meshLocalTracks(): LocalTracks {
    const stream = this.#localStream;
    const camera = this.effects.camera(stream?.getVideoTracks()[0]);
    const microphone = this.effects.microphone(stream?.getAudioTracks()[0]);
    const screen = this.#screenStream?.getVideoTracks()[0];
    const screenAudio = this.#screenStream?.getAudioTracks()[0];
    return {
      ...(camera && { camera: this.cameraOn ? camera : null }),
      ...(microphone && { microphone: this.micOn ? microphone : null }),
      ...(screen && { screen }),
      ...(screenAudio && { 'screen-audio': screenAudio }),
    };
  }

  /** The local tracks changed (toggle, screen share): the links send them, the session lists them. */
  #updateMeshTracks(): void {
    if (!this.#mesh?.opened) return;
    this.#mesh.setLocalTracks(this.#meshLocalTracks());
    this.#announceMeshTracks();
  }

  /** Tells the server what this host sends peer to peer (nothing once the mesh is closed). */
  #announceMeshTracks(): void {
    const local = this.#mesh?.opened ? this.#meshLocalTracks() : {};
    const tracks = trackSources.flatMap((source) => {
      const track = local[source];
      return track === undefined ? [] : [{ source, kind: kindOfSource(source), paused: track === null }];
    });
    const payload = JSON.stringify(tracks);
    if (payload === this.#announcedMeshTracks) return;
    this.#announcedMeshTracks = payload;
    request(this.#socket, 'webrtc:mesh-tracks', { tracks }).catch((error: unknown) => {
      if (this.#announcedMeshTracks === payload) this.#announcedMeshTracks = '';
      warn('listing the peer-to-peer tracks failed (listed again on the next change)', error);
    });
  }

  /** Each link is told how large this host shows the other's videos (the sender encodes for it). */
  #sendMeshViewports(): void {
    for (const peer of this.#mesh?.peers ?? []) {
      const heights: Partial<Record<'camera' | 'screen', number>> = {};
      for (const tile of this.#tiles) {
        if (tile.userId !== peer.remoteUserId || (tile.source !== 'camera' && tile.source !== 'screen')) continue;
        heights[tile.source] = tile.visible ? Math.round(tile.height) : 0;
      }
      peer.sendViewport(heights);
    }
  }

  /**
   * Polls the tracks that have shown no media yet, while a mesh is open: a switch swaps a tile on its new
   * path's first frame and closes the old path once everything shows on the new one. A room that only
   * ever uses the SFU has one path per track and nothing to poll for.
   */
  #watchReadiness(news = true): void {
    if (news) this.#readyPolls = 0;
    // One check at a time: the next is scheduled when this one is done.
    if (this.#readyTimer || this.#checkingReadiness || !this.#mesh?.opened) return;
    const delay = this.#readyPolls < READY_FAST_POLLS ? READY_POLL_MS : READY_POLL_SLOW_MS;
    this.#readyTimer = setTimeout(() => {
      this.#readyTimer = undefined;
      this.#readyPolls++;
      this.#checkingReadiness = true;
      void this.#checkReadiness().finally(() => {
        this.#checkingReadiness = false;
        if (this.#received.some((track) => !track.ready)) this.#watchReadiness(false);
      });
    }, delay);
  }

  async #checkReadiness(): Promise<void> {
    const waiting = this.#received.filter((track) => !track.ready);
    if (waiting.length === 0) return;
    const sfuStats = waiting.some((track) => track.via === 'sfu') ? await this.#media?.receiveStats() : [];
    const arrived: string[] = [];
    for (const track of waiting) {
      const stats =
        track.via === 'sfu'
          ? sfuStats?.find((entry) => entry.consumerId === track.consumerId)
          : await this.#mesh?.peer(track.userId)?.receiverStats(track.source);
      const frames = Number(stats?.framesDecoded ?? 0);
      const packets = Number(stats?.packetsReceived ?? 0);
      // A video the SFU holds back (congestion, a hidden tile) will show no frame: waiting for one would only
      // keep the old path open until the switch's timeout.
      const heldBack = track.via === 'sfu' && this.receiveQuality[track.consumerId]?.paused === true;
      if (track.kind === 'video' ? frames >= READY_FRAMES || heldBack : packets > 0) arrived.push(track.consumerId);
    }
    if (arrived.length > 0) {
      this.#readyPolls = 0;
      this.#received = this.#received.map((track) =>
        arrived.includes(track.consumerId) ? { ...track, ready: true } : track,
      );
      this.#syncConsumers();
    }
  }

  /** Speaking rings and the active speaker from the links' receivers (no SFU observer in a mesh). */
  #readMeshLevels(): void {
    const mesh = this.#mesh;
    const session = this.session;
    if (!mesh || !session || this.mediaMode !== 'mesh') return;
    const levels = speakingLevels(
      mesh.peers.map((peer) => ({ userId: peer.remoteUserId, level: peer.microphoneLevel() })),
    );
    this.audioLevels = levels;
    const loudest = Object.entries(levels).sort(([, a], [, b]) => b - a)[0]?.[0];
    if (loudest && loudest !== session.activeSpeakerId) this.session = update.activeSpeakerChanged(session, loudest);
  }

  /** Quality badges from each link's round trip and loss (the server rates SFU peers itself). */
  async #readMeshQuality(): Promise<void> {
    const mesh = this.#mesh;
    if (!mesh || this.mediaMode !== 'mesh') return;
    const tiers: Record<string, QualityTier> = {};
    for (const peer of mesh.peers) {
      let roundTripMs: number | undefined;
      let lost = 0;
      let received = 0;
      (await peer.getStats()).forEach((entry: Record<string, unknown>) => {
        if (entry.type === 'candidate-pair' && entry.nominated && typeof entry.currentRoundTripTime === 'number') {
          roundTripMs = entry.currentRoundTripTime * 1000;
        }
        if (entry.type === 'inbound-rtp') {
          lost += Number(entry.packetsLost ?? 0);
          received += Number(entry.packetsReceived ?? 0);
        }
      });
      tiers[peer.remoteUserId] = meshLinkTier(roundTripMs, received + lost > 0 ? lost / (received + lost) : 0);
    }
    this.peerQuality = { ...this.peerQuality, ...tiers };
  }

  // --- pushes --------------------------------------------------------------------

  #listen(): void {
    const socket = this.#socket;
    const mine = (event: { sessionId: string }) => event.sessionId === this.sessionId;
    const apply = (change: (session: SessionState) => SessionState) => {
      this.#changesDuringJoin?.push(change);
      if (this.session) this.session = change(this.session);
      this.#syncConsumers();
    };

    socket.on('connect', () => {
      // A rejoin still capturing its devices connects once it has them.
      if (MEDIA_PHASES.has(this.phase) && this.#localStream) void this.#connect();
      else if (this.phase === 'requested' || this.phase === 'not-host') void this.load();
    });
    socket.on('disconnect', (reason) => {
      this.#joinedOnServer = false;
      if (this.inRoom) {
        this.#noteOwnAbsence();
        this.phase = 'reconnecting';
        this.#attempt++;
        this.#closeMedia();
      }
      // The server (not the network) closed it: Socket.io does not reconnect by itself.
      if (reason === 'io server disconnect' && !this.#isFinal()) this.#socket.connect();
    });

    socket.on('multihost:joined', (event) => mine(event) && apply((s) => update.upsertHost(s, event.host)));
    socket.on('multihost:host-updated', (event) => mine(event) && this.#hostUpdated(event.host));
    socket.on('multihost:media-stopped', (event) => {
      if (mine(event) && event.userId === this.userId) this.#mediaStopped(event.source, event.by);
    });
    socket.on('multihost:left', (event) => {
      if (!mine(event)) return;
      if (event.userId === this.userId && event.reason === 'removed') return this.#finish('removed');
      apply((s) => update.hostLeft(s, event.userId, event.reason));
    });
    socket.on(
      'multihost:layout-changed',
      (event) => mine(event) && apply((s) => update.layoutChanged(s, event.layout)),
    );
    socket.on(
      'multihost:settings',
      (event) => mine(event) && apply((s) => update.settingsChanged(s, event.title, event.settings, event.plan)),
    );
    socket.on('multihost:status', (event) => mine(event) && apply((s) => update.statusChanged(s, event.status)));
    socket.on('multihost:on-screen', (event) => mine(event) && apply((s) => update.onScreenChanged(s, event.onScreen)));
    socket.on('multihost:mode', (event) => {
      if (!mine(event)) return;
      this.#setMediaMode(event.mode);
      apply((s) => ({ ...s, mediaMode: event.mode }));
    });
    socket.on('multihost:ended', (event) => mine(event) && this.#finish('ended'));
    socket.on('multihost:join-requested', (event) => {
      if (!mine(event) || this.joinRequests.some((entry) => entry.userId === event.userId)) return;
      this.joinRequests = [...this.joinRequests, { userId: event.userId, displayName: event.displayName }];
    });
    socket.on('multihost:request-approved', (event) => {
      if (mine(event) && (this.phase === 'requested' || this.phase === 'not-host')) void this.load();
    });
    socket.on('multihost:join-request-closed', (event) => {
      if (mine(event)) this.joinRequests = this.joinRequests.filter((entry) => entry.userId !== event.userId);
    });
    socket.on('multihost:request-denied', (event) => {
      if (mine(event)) this.#requestClosed({ outcome: 'denied', reason: event.reason });
    });
    socket.on('multihost:request-expired', (event) => mine(event) && this.#requestClosed({ outcome: 'expired' }));
    socket.on('multihost:request-cancelled', (event) => mine(event) && this.#requestClosed(undefined));
    socket.on('multihost:rejoin', (event) => {
      if (!mine(event) || !this.inRoom) return;
      // The server has already dropped this host's media: join at once.
      this.#joinedOnServer = false;
      this.phase = 'reconnecting';
      void this.#connect();
    });

    socket.on('webrtc:new-producer', (event) => {
      if (mine(event)) apply((s) => update.trackPublished(s, event.userId, event.track));
    });
    socket.on('webrtc:producer-closed', (event) => {
      if (mine(event)) apply((s) => update.trackClosed(s, event.userId, event.producerId));
    });
    socket.on('webrtc:consumer-closed', ({ consumerId }) => {
      this.#media?.closeConsumer(consumerId);
      this.#forgetRemote(consumerId);
      // Its producer may live on (the server closed only the consumer): consume it afresh.
      this.#syncConsumers();
    });
    socket.on('webrtc:track-toggled', (event) => {
      if (mine(event)) apply((s) => update.trackToggled(s, event.userId, event.source, event.enabled));
    });
    socket.on('webrtc:active-speaker', (event) => {
      if (mine(event)) apply((s) => update.activeSpeakerChanged(s, event.userId));
    });
    socket.on('webrtc:audio-levels', (event) => {
      if (mine(event)) this.audioLevels = Object.fromEntries(event.levels.map((l) => [l.userId, l.volume]));
    });
    socket.on('webrtc:quality-adapted', (event) => {
      this.receiveQuality = { ...this.receiveQuality, [event.consumerId]: event };
    });
    socket.on('webrtc:peer-quality-changed', (event) => {
      if (mine(event)) this.peerQuality = { ...this.peerQuality, [event.userId]: event.tier };
    });
    socket.on('webrtc:stats-update', (event) => {
      if (mine(event)) this.myConnection = event;
    });
    socket.on('webrtc:connection-warning', (event) => {
      if (!mine(event)) return;
      const { [event.userId]: _previous, ...others } = this.connectionWarnings;
      this.connectionWarnings = event.level === 'good' ? others : { ...others, [event.userId]: event.level };
    });

    // The opponent's hosts in a battle: their tracks are consumed (and closed when gone) like co-hosts'.
    socket.on('pk-battle:opponent-hosts', (event) => {
      // Sent only to this session's hosts, for the battle it is in (possibly before its phase push arrives).
      this.opponentHosts = event.hosts;
      this.#syncConsumers();
    });
    socket.on('pk-battle:ended', ({ battle }) => {
      if (this.battle.battle?.id !== battle.id || this.opponentHosts.length === 0) return;
      this.opponentHosts = [];
      this.#syncConsumers();
    });
  }

  /** This user's request is no longer pending: back to asking, with the answer if there was one. */
  #requestClosed(answer: RequestAnswer | undefined): void {
    if (this.phase !== 'requested' && this.phase !== 'not-host') return;
    this.phase = 'not-host';
    this.myRequest = undefined;
    this.requestAnswer = answer;
  }

  #hostUpdated(host: HostState): void {
    const change = (session: SessionState) => update.upsertHost(session, host);
    this.#changesDuringJoin?.push(change);
    if (this.session) this.session = change(this.session);
    this.#syncConsumers();
  }

  // --- endings -------------------------------------------------------------------

  #finish(phase: 'left' | 'removed' | 'ended'): void {
    this.#teardown();
    // Out of the room for good: a reload of this tab starts with the device check again.
    forgetDevices(sessionStorage, this.sessionId);
    this.notice = undefined;
    this.phase = phase;
  }

  #teardown(): void {
    this.#attempt++;
    this.#joinedOnServer = false;
    clearTimeout(this.#retryTimer);
    clearTimeout(this.#viewportTimer);
    this.#closeMedia();
    this.effects.stop();
    clearTimeout(this.#effectsSaveTimer);
    stopStream(this.#localStream);
    stopStream(this.#screenStream);
    this.#localStream = undefined;
    this.#screenStream = undefined;
    this.localCamera = undefined;
    this.localScreen = undefined;
  }

  #closeMedia(): void {
    this.#closeMesh();
    clearInterval(this.#switchTimer);
    this.#switchTimer = undefined;
    clearTimeout(this.#readyTimer);
    this.#readyTimer = undefined;
    clearTimeout(this.#consumeRetryTimer);
    this.#consumeRetryTimer = undefined;
    clearTimeout(this.#roomCheckTimer);
    this.#roomCheckTimer = undefined;
    this.#roomDifference = undefined;
    this.#publishing = undefined;
    this.#changesDuringJoin = undefined;
    this.#announcedMeshTracks = NOTHING_ANNOUNCED;
    this.#media?.close();
    this.#media = undefined;
    this.#received = [];
    this.receiveQuality = {};
    this.#lastViewport = '';
  }

  #isFinal(): boolean {
    return FINAL_PHASES.has(this.phase);
  }

  #fail(error: unknown): void {
    if (error instanceof ApiError && error.code === 'NOT_FOUND') return void (this.phase = 'not-found');
    if (error instanceof ApiError && error.code === 'UNAUTHENTICATED') return void (this.phase = 'signed-out');
    this.#report(error);
  }

  /**
   * Turns effects on or off: at once on this device, and kept for next time
   * (a moment later, so a slider's every step is not a request). The server
   * refuses a locked premium effect: then the choice before comes back.
   */
  async setEffects(choice: EffectChoice): Promise<void> {
    const before = this.effects.choice;
    await this.#applyEffects(choice);
    clearTimeout(this.#effectsSaveTimer);
    this.#effectsSaveTimer = setTimeout(() => {
      saveEffectChoice(this.identity, choice).catch(async (error: unknown) => {
        if (!(error instanceof ApiError && error.code === 'EFFECT_LOCKED')) {
          warn('keeping the effects for next time failed', error);
          return;
        }
        // Locked: undone, unless the host has chosen something else meanwhile.
        if (this.effects.choice !== choice) return;
        this.effects.note = `${error.message.charAt(0).toUpperCase()}${error.message.slice(1)}.`;
        await this.#applyEffects(before);
      });
    }, EFFECTS_SAVE_DELAY_MS);
  }

  async #restoreEffects(stream: MediaStream): Promise<void> {
    let choice: EffectChoice;
    try {
      choice = await loadEffectChoice(this.identity);
    } catch (error) {
      warn('loading the effects kept from last time failed', error);
      return;
    }
    // Left already, or the host chose something else meanwhile.
    if (this.#localStream !== stream || this.effects.choice !== EFFECTS_OFF) return;
    await this.#applyEffects(choice);
  }

  #applyEffects(choice: EffectChoice): Promise<void> {
    const stream = this.#localStream;
    return this.effects.apply(choice, {
      camera: stream?.getVideoTracks()[0],
      microphone: stream?.getAudioTracks()[0],
    });
  }

  /** Effects started or stopped: the preview, the producers and the mesh links take the track to send now. */
  #sentTracksChanged(): void {
    const stream = this.#localStream;
    if (!stream) return;
    const rawCamera = stream.getVideoTracks()[0];
    const rawMicrophone = stream.getAudioTracks()[0];
    const camera = this.effects.camera(rawCamera);
    const microphone = this.effects.microphone(rawMicrophone);
    if (camera && rawCamera) camera.enabled = rawCamera.enabled;
    if (microphone && rawMicrophone) microphone.enabled = rawMicrophone.enabled;
    this.localCamera = camera ? new MediaStream([camera]) : undefined;
    this.#syncProducerTracks();
    this.#updateMeshTracks();
  }

  /** Each producer sends the track to send now (one published just as the effects changed may not). */
  #syncProducerTracks(): void {
    const stream = this.#localStream;
    const sent = {
      camera: this.effects.camera(stream?.getVideoTracks()[0]),
      microphone: this.effects.microphone(stream?.getAudioTracks()[0]),
    };
    for (const source of ['camera', 'microphone'] as const) {
      const producer = this.#media?.producer(source);
      const track = sent[source];
      if (producer && track && producer.track !== track) {
        producer.replaceTrack({ track }).catch((error: unknown) => warn(`switching the ${source} sent failed`, error));
      }
    }
  }

  #report(error: unknown): void {
    this.problem = error instanceof Error ? error.message : String(error);
  }

  #api<T>(path: string, call: Omit<ApiCall, 'token'> = {}): Promise<T> {
    return callApi<T>(path, { ...call, token: this.identity.token });
  }
}
