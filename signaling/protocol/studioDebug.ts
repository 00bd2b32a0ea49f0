// What the studio page exposes on `window.stagecastStudio` for browser tests,
// the bench and debugging in the console: its phase, what it receives and
// sends, and how long joining took. A contract between the web app and its
// out-of-page readers (testkit, bench), so it lives with the protocol.
import type { TrackSource } from './multihost.ts';

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

/** What this browser receives from one consumer (RTCRtpReceiver inbound-rtp). */
export interface ReceiveStats {
  consumerId: string;
  userId: string;
  source: TrackSource;
  kind: 'audio' | 'video';
  framesDecoded: number;
  packetsReceived: number;
  bytesReceived: number;
  /** The server's last `webrtc:quality-adapted` for this consumer, if any. */
  quality?: { tier: string; spatialLayer: number | null; paused: boolean };
}

/** One RTP stream this browser sends (a simulcast camera has one per layer). */
export interface SendStats {
  source: TrackSource;
  kind: 'audio' | 'video';
  rid: string | undefined;
  frameWidth: number | undefined;
  frameHeight: number | undefined;
  framesEncoded: number | undefined;
  bytesSent: number;
}

/** `window.stagecastStudio`, set while a studio is mounted. */
export interface StudioDebugHook {
  phase(): StudioPhase;
  stats(): Promise<{ remote: ReceiveStats[]; local: SendStats[] }>;
  timings(): StudioTimings;
  /** ICE candidate type (host, srflx, relay) of each transport's selected path. */
  candidateTypes(): Promise<{ send: string | undefined; recv: string | undefined }>;
}

declare global {
  interface Window {
    /** Set while a studio is mounted (web/src/studio/debugHook.ts). */
    stagecastStudio?: StudioDebugHook;
  }
}
