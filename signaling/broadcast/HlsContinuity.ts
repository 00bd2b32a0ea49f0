// Where each live broadcast's playlists are, kept where another node can
// read it. In a cluster, the node that takes a session over (its owner died,
// or drained) continues the HLS numbering from there after a discontinuity,
// so the audience's players keep reloading the same playlist instead of
// meeting one that went back to segment 0 (which a live player takes for a
// stale playlist and waits on). One node on its own needs none: a recorder
// restarted on the same node continues the playlist in its folder.
import type { HlsContinuation } from '../../recorder/llhls/LiveRendition.ts';

export interface HlsContinuity {
  /** Where the session's playlists were when last recorded (undefined: nothing known). */
  lastPosition(sessionId: string): Promise<HlsContinuation | undefined>;
  /** The session's playlists are here now (called about twice a second while live). */
  record(sessionId: string, position: HlsContinuation): void;
  /** The broadcast ended: nothing to continue. */
  forget(sessionId: string): void;
}

/**
 * Segments the dead node may have listed after its last record (a record
 * every 500 ms, segments of 1 s): the next node starts past them, so no
 * segment number is ever used twice for different media.
 */
export const CONTINUATION_MARGIN_SEGMENTS = 2;
