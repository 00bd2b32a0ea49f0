// A live session as its audience sees it: the HLS stream's lifecycle, the
// viewer count, and the VOD recordings it leaves behind. Request payloads
// are validated on the server by signaling/broadcast/streamRequests.ts.
import type { LayoutKind } from './layoutGeometry.ts';
import type { SessionPlan } from './multihost.ts';

/**
 * offline: not on air (scheduled, or never went live); live: the HLS stream
 * is being made; ending: the session ended and the recorder is closing its
 * files; archived: over, and its recordings are final.
 */
export type StreamStatus = 'offline' | 'live' | 'ending' | 'archived';

/** recording: still growing; archived: closed and playable to the end; interrupted: the server stopped mid-way (closed on restart). */
export const recordingStatuses = ['recording', 'archived', 'interrupted'] as const;
export type RecordingStatus = (typeof recordingStatuses)[number];

export interface RecordingLayoutChange {
  /** ISO time the layout took effect (the first is the recording's start). */
  at: string;
  kind: LayoutKind;
  pinnedUserId: string | null;
}

export interface RecordingView {
  id: string;
  sessionId: string;
  sessionTitle: string;
  status: RecordingStatus;
  startedAt: string;
  endedAt: string | null;
  durationS: number;
  sizeBytes: number;
  segments: number;
  /** Everyone who was on the stage during the recording. */
  hosts: { userId: string; displayName: string }[];
  layoutChanges: RecordingLayoutChange[];
  /** HLS playlist (type EVENT while recording, VOD once archived). */
  playlistUrl: string;
  /** The key its paths carry (a private session's, given to who may watch it); null for a public one. */
  watchKey: string | null;
}

export interface StreamStats {
  sessionId: string;
  title: string;
  /** When the show is planned to start (a countdown before it), what it is about. */
  plan: SessionPlan;
  status: StreamStatus;
  startedAt: string | null;
  endedAt: string | null;
  /** Seconds on air so far (or in total, once ended). */
  durationS: number;
  /** Audience members watching now (open audience pages). */
  viewers: number;
  peakViewers: number;
  /**
   * Master playlist of the live stream once it can be played (a moment after
   * going live: FFmpeg writes it with its first segments); else null. Pages
   * wait for it in `stream:status` instead of polling the playlist.
   */
  hlsUrl: string | null;
  /** The low-latency master playlist (LL-HLS), with `hlsUrl` when the server offers it (LL_HLS); else null. */
  llHlsUrl: string | null;
  /**
   * ISO time until which the session waits for its primary host, whose
   * connection dropped (reloading, network): "the host is reconnecting";
   * the session ends then unless they are back. Null otherwise.
   */
  hostReconnectingUntil: string | null;
  /** The recording being made now, if any. */
  recording: RecordingView | null;
  /** Every recording of the session, oldest first. */
  recordings: RecordingView[];
}

/** Body of POST /api/room/:id/stream/record (primary host, while live). */
export interface RecordRequest {
  action: 'start' | 'stop';
}

export interface StreamRef {
  sessionId: string;
}

/** `stream:watch`: a private session's watch key (from its link, or the password's answer). */
export interface WatchRequest {
  sessionId: string;
  key?: string | undefined;
}

/** Body of POST /api/room/:id/stream/unlock: the password of a private session. */
export interface UnlockRequest {
  password: string;
}

/** The answer to a right password: the key the page then watches with. */
export interface Unlocked {
  key: string;
}

export interface ViewerCount {
  sessionId: string;
  viewers: number;
  peakViewers: number;
}

/** To the hosts: something the audience does not get (the broadcast goes on). */
export interface StreamWarning {
  sessionId: string;
  /** UNREADABLE_CODEC: the recorder cannot read this host's track; the audience sees the camera off (or hears nothing). */
  code: 'UNREADABLE_CODEC';
  userId: string;
  kind: 'audio' | 'video';
  message: string;
}

export interface StreamStatusChange {
  sessionId: string;
  status: StreamStatus;
  recording: RecordingView | null;
  /** As in StreamStats: the primary host is reconnecting until then (also pushed when it changes). */
  hostReconnectingUntil: string | null;
  /** As in StreamStats: set once the live stream can be played (pushed again when it becomes playable). */
  hlsUrl: string | null;
  /** As in StreamStats. */
  llHlsUrl: string | null;
}

/**
 * The folder of a session's or recording's media in its paths: its id, and
 * for a private session `<id>~<watch key>`. The key sits in the path, not a
 * query, so that the playlists' relative addresses carry it to every
 * rendition, segment and part, and one path serves every viewer (a CDN
 * caches it once).
 */
export const mediaFolder = (id: string, watchKey?: string | null) =>
  encodeURIComponent(id) + (watchKey ? `~${encodeURIComponent(watchKey)}` : '');
/** The live master playlist's path for a session. */
export const livePlaylistPath = (sessionId: string, watchKey?: string | null) =>
  `/media/live/${mediaFolder(sessionId, watchKey)}/master.m3u8`;
/** The live low-latency master playlist's path for a session. */
export const lowLatencyPlaylistPath = (sessionId: string, watchKey?: string | null) =>
  `/media/live/${mediaFolder(sessionId, watchKey)}/master-ll.m3u8`;
/** A recording's playlist path. */
export const recordingPlaylistPath = (recordingId: string, watchKey?: string | null) =>
  `/media/vod/${mediaFolder(recordingId, watchKey)}/index.m3u8`;
