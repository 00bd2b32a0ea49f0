// What the studio page exposes on `window.stagecastStudio` for browser tests,
// the bench and debugging in the console: its phase, what it receives and
// sends, and how long joining took. A contract between the web app and its
// out-of-page readers (testkit, bench), so it lives with the protocol.
import type { MediaMode, TrackSource } from './multihost.ts';

export type StudioPhase =
  | 'loading'
  | 'not-host'
  | 'requested'
  | 'pre-join'
  | 'joining'
  | 'joined'
  | 'reconnecting'
  | 'left'
  | 'removed'
  | 'ended'
  | 'not-found'
  | 'signed-out';

export interface StudioTimings {
  /** performance.now() when the host pressed Join. */
  joinStartedAt: number | undefined;
  /** ms from Join until joined (published, transports up). */
  joinedAfterMs: number | undefined;
  /** ms from Join until the first frame of each remote host's camera. */
  firstFrameAfterMs: Record<string, number>;
  /** ms from consuming each remote host's camera until its first frame (hosts who join later). */
  firstFrameAfterConsumeMs: Record<string, number>;
}

/** What this browser receives of one track (RTCRtpReceiver inbound-rtp): a consumer, or peer to peer. */
export interface ReceiveStats {
  /** The consumer's id; for a track received peer to peer, its `mesh:<userId>:<source>` id. */
  consumerId: string;
  via: MediaMode;
  /** The stage plays this one (while a room switches, a track may arrive both ways for a moment). */
  shown: boolean;
  userId: string;
  source: TrackSource;
  kind: 'audio' | 'video';
  framesDecoded: number;
  packetsReceived: number;
  bytesReceived: number;
  /** The server's last `webrtc:quality-adapted` for this consumer, if any. */
  quality?: { tier: string; spatialLayer: number | null; paused: boolean };
}

/** One RTP stream this browser sends (a simulcast camera has one per layer; a mesh one per peer). */
export interface SendStats {
  source: TrackSource;
  via: MediaMode;
  /** Peer to peer: the host it goes to. */
  toUserId?: string;
  kind: 'audio' | 'video';
  rid: string | undefined;
  frameWidth: number | undefined;
  frameHeight: number | undefined;
  framesEncoded: number | undefined;
  bytesSent: number;
}

/** What the camera effects pipeline measures of itself (web/src/studio/effects/CameraEffects.ts). */
export interface CameraEffectsStats {
  /** Processing time per frame, ms, since the effects last changed. */
  frameTimes: { p50: number; p95: number; count: number };
  /** Processing size as a share of the camera's (the guard lowers it when frames run late). */
  scale: number;
  /** The segmentation model's last run, ms (0: not running). */
  segmentationMs: number;
  framesOut: number;
  /** Frames written per second since the effects last changed. */
  outputFps: number;
}

/** `window.stagecastStudio`, set while a studio is mounted. */
export interface StudioDebugHook {
  phase(): StudioPhase;
  stats(): Promise<{ remote: ReceiveStats[]; local: SendStats[] }>;
  timings(): StudioTimings;
  /** ICE candidate type (host, srflx, relay) of each transport's selected path. */
  candidateTypes(): Promise<{ send: string | undefined; recv: string | undefined }>;
  /** How the room's media travels now, as this studio knows it. */
  mediaMode(): MediaMode;
  /** Mesh: the local ICE candidate type of each peer link's selected path, by the other host's user id. */
  meshCandidateTypes(): Promise<Record<string, string | undefined>>;
  /** Each tile's frames shown on screen, and the longest wait between two since `resetTileFrames` (ms). */
  tileFrames(): Record<string, TileFrames>;
  resetTileFrames(): void;
  /**
   * Peer links this studio closed on the way to the SFU, and why: `switched`, both ends showed each
   * other through the server; `timedOut`, the switch's time limit passed first (a break-before-make).
   */
  meshLinksClosed(): { switched: number; timedOut: number };
  /** Times the studio found its view of the room's tracks out of date and took the server's. */
  roomViewRefreshes(): number;
  /** The camera effects' own figures while they run (undefined: the raw camera is sent). */
  cameraEffects(): CameraEffectsStats | undefined;
}

/** Frames a stage tile presented (requestVideoFrameCallback), keyed `<userId>:<source>`. */
export interface TileFrames {
  frames: number;
  /** Longest time between two presented frames (or since the count was reset). */
  longestGapMs: number;
  /**
   * Why the tile's track was swapped for another of the same host (a mesh ⇄ SFU switch) since the
   * reset: `ready`, the new track had its first frame while the old one still played (make-before-break);
   * `oldEnded`, the old path was closed first (a break-before-make: the switch's order failed);
   * `oldMuted`, nothing arrived on the old one for a while (its sender's page stalled: no path had frames);
   * `timedOut`, none of these within 10 s.
   */
  swaps: Record<TileSwapReason, number>;
}

export type TileSwapReason = 'ready' | 'oldEnded' | 'oldMuted' | 'timedOut';

declare global {
  interface Window {
    /** Set while a studio is mounted (web/src/studio/debugHook.ts). */
    stagecastStudio?: StudioDebugHook;
  }
}
