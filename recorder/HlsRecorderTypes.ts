// The HlsRecorder's contract: what it records (a composition), its options
// and the events it emits. The class is in HlsRecorder.ts.
import type { OnScreenState } from '../signaling/protocol/onScreen.ts';
import type { types } from 'mediasoup';
import type { Logger } from 'pino';
import type { LayoutKind } from '../signaling/protocol/layoutGeometry.ts';
import type { CompositorExitCause } from './CompositorProcessTypes.ts';
import type { Rendition } from './hlsOutputArgs.ts';
import type { HlsContinuation } from './llhls/LiveRendition.ts';

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

/**
 * A PK battle on air: the battle layout (own side left, opponent right), the
 * score bar, the clock and the result banners replace the session's layout
 * until it is cleared (an update without `battle`).
 */
export interface RecordedBattle {
  /**
   * The opponent session's hosts, its primary host first (at most
   * BATTLE_HOSTS_PER_SIDE are shown). Their producers are the ones piped
   * into this session's router. Only cameras and microphones are used.
   */
  opponents: RecordedHost[];
  /** The sides' names on the timer band (own left, opponent right). */
  ownName: string;
  opponentName: string;
  phase: 'countdown' | 'live' | 'result';
  /** Epoch ms: the end of the countdown (scoring starts). */
  startsAt: number;
  /** Epoch ms: scoring stops (the clock shows the time left until then). */
  endsAt: number;
  /** Epoch ms: the result banner goes (for the record; the caller clears the battle). */
  resultUntil?: number;
  /** [own, opponent]; later changes through `setBattleScores`, which costs no re-routing. */
  scores: [number, number];
  /** Set in the result phase (null there: no result, e.g. interrupted). */
  winner: 'own' | 'opponent' | 'draw' | null;
}

export interface Composition {
  /**
   * The session's hosts in session order. With `battle` set, the first is
   * the side's large tile (its primary host) and at most
   * BATTLE_HOSTS_PER_SIDE are shown, cameras and microphones only (screen
   * shares are off stage during a battle).
   */
  hosts: RecordedHost[];
  layout: LayoutKind;
  /** The pinned host: their camera is the main tile outside grid, even over a shared screen. */
  pinnedHostId?: string;
  /** The active speaker (or the primary host): the main tile when nobody is pinned and no screen is shared (stageFocus). */
  focusHostId?: string;
  /** A battle on air (else the session's own layout). */
  battle?: RecordedBattle;
  /** The producer's banner and ticker over the picture (texts already filter-safe: onScreenText). */
  onScreen?: OnScreenState;
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
  /** Length of a low-latency part, rounded to whole frames. Default 0.2. */
  partSeconds?: number;
  /** Offer low-latency HLS (master-ll.m3u8); the plain playlists are written either way. Default true. */
  lowLatency?: boolean;
  /** The HLS ladder, best first; the canvas is composed at the first one's size. Default: 720p + 360p. */
  renditions?: readonly Rendition[];
  /**
   * Where the live playlists of this broadcast were when another node wrote
   * them (a cluster node took the session over): numbering goes on from
   * there after a discontinuity. Ignored when the folder has playlists.
   */
  continueAfter?: HlsContinuation;
  /**
   * Lower-case mime types (`video/vp8`) FFmpeg can read from RTP; tracks in
   * other codecs are left out with a `warning`. Default: what the installed
   * FFmpeg can (ffmpegRtpCodecs.ts).
   */
  readableCodecs?: ReadonlySet<string>;
  /**
   * The stored file of an on-screen picture's address (OnScreenState.pictures);
   * without it, or for an address it does not know, no logo or backdrop is drawn.
   */
  pictureFile?: (url: string) => string | undefined;
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
  /** The compositor's FFmpeg ended without being asked to and is being restarted (the audience gets a short gap). */
  encoderRestart: [cause: CompositorExitCause];
};
