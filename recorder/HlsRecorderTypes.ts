// The HlsRecorder's contract: what it records (a composition), its options
// and the events it emits. The class is in HlsRecorder.ts.
import type { types } from 'mediasoup';
import type { Logger } from 'pino';
import type { LayoutKind } from '../signaling/protocol/layoutGeometry.ts';
import type { Rendition } from './hlsOutputArgs.ts';

export interface RecordedHost {
  hostId: string;
  /** Written on the host's tiles (a name tag; the camera-off card; "<name> (screen)"). */
  displayName?: string;
  /** Camera producer; absent or paused = camera off. */
  video?: types.Producer;
  /** Microphone producer; absent or paused = muted. */
  audio?: types.Producer;
  /** Screen share (source 'screen'); absent or paused = not sharing. A tile of its own (stageEntries). */
  screen?: types.Producer;
  /** The screen share's sound (source 'screen-audio'): mixed like a microphone while the screen is on stage. */
  screenAudio?: types.Producer;
}

export interface Composition {
  hosts: RecordedHost[];
  layout: LayoutKind;
  /** The pinned host: their camera is the main tile outside grid, even over a shared screen. */
  pinnedHostId?: string;
  /** The active speaker (or the primary host): the main tile when nobody is pinned and no screen is shared (stageFocus). */
  focusHostId?: string;
}

export interface HlsRecorderOptions {
  router: types.Router;
  /** Live HLS folder (master.m3u8 and a folder per rendition). */
  dir: string;
  logger: Logger;
  /** Default 30. */
  fps?: number;
  /** Default 1. */
  segmentSeconds?: number;
  /** Default 6. */
  windowSegments?: number;
  /** The HLS ladder, best first; the canvas is composed at the first one's size. Default: 720p + 360p. */
  renditions?: readonly Rendition[];
  /**
   * Lower-case mime types (`video/vp8`) FFmpeg can read from RTP; tracks in
   * other codecs are left out with a `warning`. Default: what the installed
   * FFmpeg can (ffmpegRtpCodecs.ts).
   */
  readableCodecs?: ReadonlySet<string>;
}

/** A host's track left out of the recording because FFmpeg cannot read its codec. */
export interface UnreadableCodecWarning {
  code: 'UNREADABLE_CODEC';
  hostId: string;
  kind: types.MediaKind;
  source: 'camera' | 'microphone' | 'screen' | 'screen-audio';
  producerId: string;
  /** As the producer has it, e.g. `video/AV1`. */
  mimeType: string;
  /** For logs: what the audience sees instead. */
  message: string;
}

export type RecorderWarning = UnreadableCodecWarning;

export type HlsRecorderEvents = {
  /**
   * Something the audience notices that does not stop the broadcast; once
   * per producer. Warnings of the first FFmpeg run are emitted just after
   * `start()` resolves, so a listener added right then hears them.
   */
  warning: [warning: RecorderWarning];
};
