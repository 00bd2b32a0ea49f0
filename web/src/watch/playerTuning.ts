// hls.js settings for our streams: ~1 s fMP4 segments of 200 ms parts, a
// playlist that advances every part (low-latency) or every second (plain),
// and a live window of a few segments. Live play
// stays close to the edge (glass-to-glass is measured by the `hls` bench);
// VOD buffers more and never chases an edge.
import type { HlsConfig } from 'hls.js';

/** Seconds behind the newest segment's end that live playback aims for: 1.5 segments of slack against a late playlist. */
export const LIVE_SYNC_S = 1.5;

/**
 * After a stall hls.js aims a second further from the edge and keeps that
 * for the rest of the show: one stall while a stream starts left audiences
 * 2.5 s behind instead of 1.5. After this long without another stall the
 * player goes back to LIVE_SYNC_S (catching up by playing slightly fast).
 */
export const FORGIVE_STALL_AFTER_MS = 10_000;

/** Retries that outlast an encoder restart (shared by both live tunings). */
const livePlaylistLoadPolicy: Partial<HlsConfig>['playlistLoadPolicy'] = {
  default: {
    maxTimeToFirstByteMs: 5000,
    maxLoadTimeMs: 8000,
    timeoutRetry: { maxNumRetry: 6, retryDelayMs: 500, maxRetryDelayMs: 2000 },
    errorRetry: { maxNumRetry: 10, retryDelayMs: 500, maxRetryDelayMs: 2000 },
  },
};

/**
 * Low-latency HLS (master-ll.m3u8: parts, blocking reload): hls.js keeps the
 * playlist's PART-HOLD-BACK (three parts) from the edge. Behind that it
 * catches up by playing up to 15 % fast (inaudible on speech); further than
 * LOW_LATENCY_MAX_DRIFT_S behind (a background tab, a long stall) the player
 * jumps forward (HlsPlayer.svelte: hls.js's own limit is counted in target
 * durations and would make it ignore the hold-back). A stall adds half a
 * second to the distance (liveSyncOnStallIncrease), which
 * FORGIVE_STALL_AFTER_MS takes back.
 */
export const LOW_LATENCY_MAX_DRIFT_S = 3;

export const lowLatencyTuning: Partial<HlsConfig> = {
  lowLatencyMode: true,
  maxLiveSyncPlaybackRate: 1.15,
  liveSyncOnStallIncrease: 0.5,
  maxBufferLength: 4,
  backBufferLength: 10,
  playlistLoadPolicy: livePlaylistLoadPolicy,
};

/** Plain HLS (LL_HLS=false, or as a fallback): whole segments only. */
export const liveTuning: Partial<HlsConfig> = {
  // The playlists have no EXT-X-PART; low-latency mode still makes hls.js
  // reload the playlist promptly and honour the small sync duration.
  lowLatencyMode: true,
  liveSyncDuration: LIVE_SYNC_S,
  // Further behind than this (a stall, a background tab), jump forward.
  liveMaxLatencyDuration: LIVE_SYNC_S + 4,
  // Between the two, catch up by playing slightly fast rather than seeking.
  maxLiveSyncPlaybackRate: 1.1,
  maxBufferLength: 8,
  backBufferLength: 10,
  // A restarted encoder (a new init segment, a discontinuity) leaves the
  // playlist briefly behind: keep retrying instead of giving up.
  playlistLoadPolicy: livePlaylistLoadPolicy,
};

export const vodTuning: Partial<HlsConfig> = {
  maxBufferLength: 30,
  backBufferLength: 60,
};

/** After a fatal error, how long before the player tries again. */
export const RECOVERY_DELAY_MS = 1000;
