// Plain types of the studio shared by its session, its components and the
// browser tests (which read them through the window debug hook). No runtime
// code and no DOM-only imports, so Node type-checks them too.
import type { TrackSource } from '../../../signaling/protocol/index.ts';

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
    stagecastStudio?: StudioDebugHook;
  }
}
