// Co-host sessions ("multihost" in the seed API): the state every client
// renders, and the payloads of its requests and pushes.
import type { types as client } from 'mediasoup-client';
import type { LayoutKind } from './layoutGeometry.ts';
import type { OnScreenState } from './onScreen.ts';

export const sessionTypes = ['collaboration', 'interview', 'panel', 'gaming', 'podcast', 'workshop'] as const;
export type SessionType = (typeof sessionTypes)[number];

/** scheduled: created, hosts may join and rehearse; live: on air; ended: final. */
export const sessionStatuses = ['scheduled', 'live', 'ended'] as const;
export type SessionStatus = (typeof sessionStatuses)[number];

export type HostRole = 'primary' | 'co-host';

/** At most this many hosts per session (the seed product's limit). */
export const MAX_HOSTS = 9;

export const trackSources = ['camera', 'microphone', 'screen', 'screen-audio'] as const;
export type TrackSource = (typeof trackSources)[number];

/** A camera or screen share is video; a microphone or screen audio is audio. */
export function kindOfSource(source: TrackSource): 'audio' | 'video' {
  return source === 'camera' || source === 'screen' ? 'video' : 'audio';
}

/**
 * How a session's media travels: `mesh`, peer to peer between its hosts (a
 * small room that is not live: the server carries no media), or `sfu`,
 * through the session's mediasoup router (docs/mesh.md).
 */
export type MediaMode = 'mesh' | 'sfu';

/** Sessions with at most this many hosts in the room run as a mesh while not live (MESH_MAX_HOSTS; 0: never). */
export const MESH_MAX_HOSTS_DEFAULT = 4;
/** A room that fits a mesh again goes back to it only after this long (MESH_RETURN_DELAY_MS): a reload does not flap. */
export const MESH_RETURN_DELAY_MS_DEFAULT = 5000;

/**
 * Longest session description relayed (characters). Chromium's offer for a
 * camera, a microphone and a screen share with audio is ~10 KB (every codec
 * it can receive, once per media section); a peer has nothing larger to say.
 */
export const MAX_SDP_LENGTH = 24_000;
/** Longest ICE candidate line relayed. */
export const MAX_ICE_CANDIDATE_LENGTH = 1024;
/** Most ICE candidates in one relayed message. */
export const MAX_ICE_CANDIDATES_PER_MESSAGE = 32;

export interface PublishedTrack {
  /**
   * The mediasoup producer's id when `via` is `sfu`; for a track sent only
   * peer to peer (`mesh`), `mesh:<userId>:<source>`, which names it and
   * cannot be consumed.
   */
  producerId: string;
  source: TrackSource;
  kind: 'audio' | 'video';
  /** Paused by its host (camera off / muted). */
  paused: boolean;
  /** Where the track can be received: from the session's router, or only from its host's peer connection. */
  via: MediaMode;
}

/** The id a host's track of `source` has while it is sent peer to peer only. */
export function meshTrackId(userId: string, source: TrackSource): string {
  return `mesh:${userId}:${source}`;
}

/**
 * What a co-host may do beyond their own media, given by the primary host
 * (who may do all of it). Chat moderation is the chat's own appointment
 * (`chat:appoint-moderator`), open to co-hosts and viewers alike.
 */
export interface HostPermissions {
  /** Change the layout and the pinned host. */
  layout: boolean;
  /** Put hosts on air and take them off, and stop another host's microphone or camera. */
  stage: boolean;
}

export const hostPermissionNames = ['layout', 'stage'] as const satisfies readonly (keyof HostPermissions)[];

/** The sources another host may stop (only their owner turns them back on). */
export const stoppableSources = ['microphone', 'camera'] as const;
export type StoppableSource = (typeof stoppableSources)[number];

export interface HostState {
  userId: string;
  displayName: string;
  role: HostRole;
  /**
   * In the composed output (HLS, recording, restream, battle side). A host
   * off air is backstage: the other hosts see and hear them, the audience
   * does not.
   */
  onAir: boolean;
  /** What this host may do to the session and the others (the primary host: everything). */
  permissions: HostPermissions;
  /** In the room with media right now (false: accepted but away, or reloading). */
  connected: boolean;
  /**
   * ISO time until which the session waits for this host to come back, while
   * it does (the primary host's connection dropped: at that time the session
   * ends); null otherwise.
   */
  awayUntil: string | null;
  tracks: PublishedTrack[];
}

export interface LayoutState {
  kind: LayoutKind;
  /** Host shown large in spotlight/sidebar/pip; null follows the active speaker. */
  pinnedUserId: string | null;
}

export interface SessionSettings {
  /** Audience members may ask to join as hosts. */
  allowJoinRequests: boolean;
  /** Co-hosts join backstage and go on air when put there; false: on air as they join. */
  backstage: boolean;
  /**
   * Only people with the session's watch link (its hosts hand it out) or its
   * password may watch, read its chat and its recordings; it is not listed.
   */
  private: boolean;
  /** A private session also opens with a password (never sent: only whether there is one). */
  passwordSet: boolean;
  /** Most audience pages watching at once; null: no limit. */
  maxViewers: number | null;
}

/** Longest and shortest password of a private session. */
export const WATCH_PASSWORD_MIN_LENGTH = 4;
export const WATCH_PASSWORD_MAX_LENGTH = 64;
/** Largest audience capacity a host may set. */
export const MAX_AUDIENCE_CAPACITY = 1_000_000;

/** Longest description of a session (characters). */
export const DESCRIPTION_MAX_LENGTH = 1000;
/** Most tags on a session, and the longest tag. */
export const MAX_TAGS = 5;
export const TAG_MAX_LENGTH = 24;
/** How far ahead a session may be planned (days). */
export const MAX_SCHEDULE_AHEAD_DAYS = 90;

/** What a session announces before it starts: when, about what. */
export interface SessionPlan {
  /** ISO time the host plans to go live; null: not announced. */
  scheduledFor: string | null;
  description: string;
  /** Lower-case words (letters, digits, `-`), at most MAX_TAGS. */
  tags: string[];
  /** The cover picture its primary host uploaded (`PUT /api/multihost/:id/cover`); null: none. */
  coverUrl: string | null;
}

/** A public session announced and not started (`GET /api/multihost/upcoming`). */
export interface UpcomingSession extends SessionPlan {
  id: string;
  title: string;
  type: string;
  primaryHostId: string;
  primaryHostName: string;
}

/** A private session's watch link, for its hosts to share. */
export interface WatchLink {
  /** The audience page's path with the key (`/watch/<id>?key=…`). */
  path: string;
  key: string;
}

export interface SessionState {
  id: string;
  title: string;
  type: SessionType;
  status: SessionStatus;
  primaryHostId: string;
  hosts: HostState[];
  layout: LayoutState;
  settings: SessionSettings;
  activeSpeakerId: string | null;
  /** How the hosts' media travels now; `multihost:mode` announces a change. */
  mediaMode: MediaMode;
  /** The producer's banner and ticker over the composed picture. */
  onScreen: OnScreenState;
  /** When it is planned to start, and what it is about. */
  plan: SessionPlan;
  createdAt: string;
  startedAt: string | null;
  endedAt: string | null;
}

/** A pending request to join as host expires after this long without an answer (10 minutes; JOIN_REQUEST_TTL_S). */
export const JOIN_REQUEST_TTL_MS = 10 * 60_000;
/** Longest reason a primary host may give when denying a request. */
export const DENY_REASON_MAX_LENGTH = 200;

/** A pending request to join a session as host. */
export interface JoinRequestState {
  userId: string;
  displayName: string;
  requestedAt: string;
  expiresAt: string;
}

/** How a join request left the pending list. */
export type JoinRequestOutcome = 'approved' | 'denied' | 'cancelled' | 'expired';

export interface IceServer {
  urls: string[];
  username: string;
  credential: string;
}

export interface JoinResult {
  session: SessionState;
  you: { userId: string; role: HostRole };
  iceServers: IceServer[];
  /**
   * How long the session waits for its primary host after their connection
   * drops before it ends (s): a primary host who cannot hear the server
   * meanwhile still knows how long they have.
   */
  primaryHostGraceS: number;
}

export interface TransportOptions {
  id: string;
  iceParameters: client.IceParameters;
  iceCandidates: client.IceCandidate[];
  dtlsParameters: client.DtlsParameters;
}

export interface ConsumerOptions {
  id: string;
  producerId: string;
  userId: string;
  source: TrackSource;
  kind: 'audio' | 'video';
  rtpParameters: client.RtpParameters;
  producerPaused: boolean;
}

export type QualityTier = 'excellent' | 'good' | 'fair' | 'poor';

/** How a host's connection is, in the words the studio shows (ConnectionHealth on the server). */
export type HealthLevel = 'good' | 'unstable' | 'poor';

/** A host's connection as the server measures it (`webrtc:stats-update`, to that host, every few seconds). */
export interface ConnectionFigures {
  sessionId: string;
  /** What the server receives from the host (their uplink), kbit/s. */
  sendKbps: number;
  /** What the server sends the host (their downlink), kbit/s. */
  receiveKbps: number;
  /** The worse of the two directions' packet loss, percent. */
  lossPct: number;
  /** Round trip between the server and the host, ms (0: not measured yet). */
  rttMs: number;
  /** The spec's tier for this host's link (bandwidth estimate, RTT, loss on its own hops); null before a sample. */
  tier: QualityTier | null;
  /** The worst of the host's published streams' scores as the server receives them (0–10); null: none. */
  uplinkScore: number | null;
  level: HealthLevel;
}

/** `webrtc:connection-warning`: a host's connection level changed (and held), to every host of the session. */
export interface ConnectionWarning {
  sessionId: string;
  userId: string;
  level: HealthLevel;
}

export interface QualityAdapted {
  consumerId: string;
  tier: QualityTier;
  /** Simulcast layer now forwarded (0 lowest); null when paused. */
  spatialLayer: number | null;
  /** No video is forwarded: the tile is hidden, or the viewer's link has no room for it (show a placeholder). */
  paused: boolean;
}

export type LeaveReason = 'left' | 'removed' | 'disconnected';
export type EndReason = 'ended-by-host' | 'primary-host-left';

/** How long an invitation link (POST /api/multihost/:id/invitations) may stay valid: an hour, a day, a week. */
export const invitationLifetimesS = [3600, 86_400, 604_800] as const;

/** A signed invitation link's token and when it expires (ISO). */
export interface InvitationGrant {
  invitation: string;
  expiresAt: string;
}
