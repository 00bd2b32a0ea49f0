// Co-host sessions ("multihost" in the seed API): the state every client
// renders, and the payloads of its requests and pushes.
import type { types as client } from 'mediasoup-client';
import type { LayoutKind } from './layoutGeometry.ts';

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

export interface PublishedTrack {
  producerId: string;
  source: TrackSource;
  kind: 'audio' | 'video';
  /** Paused by its host (camera off / muted). */
  paused: boolean;
}

export interface HostState {
  userId: string;
  displayName: string;
  role: HostRole;
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

export interface QualityAdapted {
  consumerId: string;
  tier: QualityTier;
  /** Simulcast layer now forwarded (0 lowest); null when paused. */
  spatialLayer: number | null;
  paused: boolean;
}

export type LeaveReason = 'left' | 'removed' | 'disconnected';
export type EndReason = 'ended-by-host' | 'primary-host-left';
