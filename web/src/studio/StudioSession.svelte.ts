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
  HostState,
  JoinRequestState,
  QualityAdapted,
  QualityTier,
  SessionState,
  TrackSource,
} from '../../../signaling/protocol/index.ts';
import { BattleWatch } from '../battle/BattleWatch.svelte.ts';
import { GiftFeed } from '../gifts/GiftFeed.svelte.ts';
import { ApiError, callApi } from '../lib/httpApi.ts';
import type { StoredIdentity } from '../lib/identity.ts';
import { connectSignaling, request, RequestFailed, type SignalingSocket } from '../lib/signaling.ts';
import { warn } from '../lib/warn.ts';
import { captureWithFallback, stopStream } from './localMedia.ts';
import { MediaConnection, type RemoteTrack } from './MediaConnection.ts';
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
import { StudioAudience } from './StudioAudience.svelte.ts';
import type { ReceiveStats, SendStats, StudioPhase, StudioTimings } from '../../../signaling/protocol/index.ts';

/** Whether this page load is a reload of the tab (not a link, history, a new or duplicated tab). */
const isReload = (): boolean =>
  (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined)?.type === 'reload';

const FINAL_PHASES: ReadonlySet<StudioPhase> = new Set(['left', 'removed', 'ended', 'not-found', 'signed-out']);
/** Phases in which this host has (or is getting) media in the room. */
const MEDIA_PHASES: ReadonlySet<StudioPhase> = new Set(['joining', 'joined', 'reconnecting']);

/** Wait before another join attempt after a failed one, doubling up to the maximum. */
const RETRY_DELAY_MS = 1000;
const MAX_RETRY_DELAY_MS = 15_000;
/** Tile reports are coalesced: a resize or layout switch sends one. */
const VIEWPORT_DEBOUNCE_MS = 300;

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
  remoteTracks = $state.raw<RemoteTrack[]>([]);
  /** dBov by user id, of the hosts speaking right now. */
  audioLevels = $state.raw<Record<string, number>>({});
  /** By consumer id: the layer the server forwards to this host. */
  receiveQuality = $state.raw<Record<string, QualityAdapted>>({});
  /** By user id: each host's network tier as the server sees it. */
  peerQuality = $state.raw<Record<string, QualityTier>>({});
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

  constructor(sessionId: string, identity: StoredIdentity) {
    this.sessionId = sessionId;
    this.identity = identity;
    this.#socket = connectSignaling({ token: identity.token });
    this.audience = new StudioAudience(this.#socket, sessionId, identity.token);
    this.battle = new BattleWatch(this.#socket, sessionId);
    this.gifts = new GiftFeed(this.#socket, sessionId);
    this.#listen();
    window.addEventListener('pagehide', this.#onPageHide);
  }

  get userId(): string {
    return this.identity.user.userId;
  }

  get isPrimary(): boolean {
    return this.session?.primaryHostId === this.userId;
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
      const isHost = session.hosts.some((host) => host.userId === this.userId);
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
    if (this.#media) await this.#publishScreen(this.#media).catch((error: unknown) => this.#report(error));
  }

  async stopScreenShare(): Promise<void> {
    const stream = this.#screenStream;
    if (!stream) return;
    this.#screenStream = undefined;
    this.localScreen = undefined;
    stopStream(stream);
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
    if (!media) return { remote: [], local: [] };
    const [remote, local] = await Promise.all([media.receiveStats(), media.sendStats()]);
    return {
      remote: remote.map((entry) => {
        const adapted = this.receiveQuality[entry.consumerId];
        if (!adapted) return entry;
        const { tier, spatialLayer, paused } = adapted;
        return { ...entry, quality: { tier, spatialLayer, paused } };
      }),
      local,
    };
  }

  /** Closes everything: the page is going away. */
  destroy(): void {
    window.removeEventListener('pagehide', this.#onPageHide);
    this.#teardown();
    // Leaving the studio in the app (a link, history): coming back later starts with the device check.
    forgetDevices(sessionStorage, this.sessionId);
    this.battle.destroy();
    this.gifts.destroy();
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
      joinSent = true;
      const joined = await request(this.#socket, 'multihost:join', {
        sessionId: this.sessionId,
        rtpCapabilities: media.rtpCapabilities,
      });
      if (stale()) return;
      this.#joinedOnServer = true;
      this.#primaryHostGraceS = joined.primaryHostGraceS;
      this.session = joined.session;
      // Requests made while this primary host was away were pushed to no one: ask for them.
      if (joined.session.primaryHostId === this.userId) void this.#refreshJoinRequests();
      void this.audience.refresh();
      await media.openTransports(joined.iceServers);
      if (stale()) return;
      // Receiving first: the others' pictures appear while ours is still being set up.
      this.#syncConsumers();
      await this.#publishLocal(media);
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

  async #publishLocal(media: MediaConnection): Promise<void> {
    const stream = this.#localStream;
    const microphone = stream?.getAudioTracks()[0];
    const camera = stream?.getVideoTracks()[0];
    await Promise.all([
      microphone &&
        media.publish('microphone', microphone, { codecOptions: microphoneCodecOptions }).then(async (producer) => {
          if (!this.micOn) await this.#pause(producer, 'microphone');
        }),
      camera &&
        media
          .publish('camera', camera, {
            encodings: cameraEncodings(camera.getSettings().width ?? 1280, camera.getSettings().height ?? 720),
            codecOptions: cameraCodecOptions,
          })
          .then(async (producer) => {
            if (!this.cameraOn) await this.#pause(producer, 'camera');
          }),
      this.#screenStream && this.#publishScreen(media),
    ]);
  }

  async #publishScreen(media: MediaConnection): Promise<void> {
    const stream = this.#screenStream;
    const video = stream?.getVideoTracks()[0];
    const audio = stream?.getAudioTracks()[0];
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
    if (!producer) {
      // Not publishing yet: the track's state is picked up when it is.
      const stream = this.#localStream;
      const tracks = source === 'camera' ? stream?.getVideoTracks() : stream?.getAudioTracks();
      tracks?.forEach((track) => (track.enabled = enabled));
      return;
    }
    // Locally first (nothing more leaves this browser), then the server pauses
    // the producer and tells everyone.
    if (enabled) producer.resume();
    else producer.pause();
    try {
      await request(this.#socket, 'webrtc:toggle-track', { source, enabled });
    } catch (error) {
      this.#report(error);
    }
  }

  /** Consumes every track of the other hosts (and a battle opponent's) not consumed yet; closes consumers of tracks gone. */
  #syncConsumers(): void {
    const media = this.#media;
    const session = this.session;
    if (!media?.canConsume || !session) return;
    const wanted = update.wantedProducerIds(session, this.opponentHosts, this.userId);
    for (const producerId of wanted) {
      if (!media.isConsuming(producerId)) void this.#consume(media, producerId);
    }
    for (const producerId of media.consumedProducerIds()) {
      if (wanted.has(producerId)) continue;
      const consumerId = media.closeConsumerOf(producerId);
      if (consumerId) this.#forgetRemote(consumerId);
    }
  }

  async #consume(media: MediaConnection, producerId: string): Promise<void> {
    const startedAt = performance.now();
    try {
      const remote = await media.consume(producerId);
      if (!remote || media !== this.#media) return;
      this.remoteTracks = [...this.remoteTracks.filter((known) => known.producerId !== producerId), remote];
      if (remote.source === 'camera') this.#cameraConsumedAt[remote.userId] ??= startedAt;
      if (remote.kind === 'video') this.#scheduleViewport();
    } catch (error) {
      // A producer that closed meanwhile is not a problem: its close push follows.
      if (error instanceof RequestFailed && error.code === 'NOT_FOUND') return;
      if (media === this.#media) this.#report(error);
    }
  }

  #forgetRemote(consumerId: string): void {
    this.remoteTracks = this.remoteTracks.filter((remote) => remote.consumerId !== consumerId);
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
    const consumers = this.#tiles.flatMap((tile) => {
      const remote = this.remoteTracks.find(
        (track) => track.kind === 'video' && track.userId === tile.userId && track.source === tile.source,
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

  // --- pushes --------------------------------------------------------------------

  #listen(): void {
    const socket = this.#socket;
    const mine = (event: { sessionId: string }) => event.sessionId === this.sessionId;
    const apply = (change: (session: SessionState) => SessionState) => {
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
      (event) => mine(event) && apply((s) => update.settingsChanged(s, event.title, event.settings)),
    );
    socket.on('multihost:status', (event) => mine(event) && apply((s) => update.statusChanged(s, event.status)));
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
    if (this.session) this.session = update.upsertHost(this.session, host);
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
    stopStream(this.#localStream);
    stopStream(this.#screenStream);
    this.#localStream = undefined;
    this.#screenStream = undefined;
    this.localCamera = undefined;
    this.localScreen = undefined;
  }

  #closeMedia(): void {
    this.#media?.close();
    this.#media = undefined;
    this.remoteTracks = [];
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

  #report(error: unknown): void {
    this.problem = error instanceof Error ? error.message : String(error);
  }

  #api<T>(path: string, call: { method?: 'POST' | 'DELETE'; body?: unknown } = {}): Promise<T> {
    return callApi<T>(path, { ...call, token: this.identity.token });
  }
}
