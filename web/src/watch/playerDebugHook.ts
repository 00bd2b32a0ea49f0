// A window hook for browser tests and the console: what the audience player
// is doing. Installed while a player is mounted.
export interface PlayerDebugHook {
  /** The <video>'s playback position, seconds. */
  currentTime(): number;
  /** Fatal hls.js errors so far (each was recovered from, or the player gave up). */
  fatalErrors(): number;
  /** Renditions by height, and the one playing (-1 before the first). */
  levels(): { heights: number[]; playing: number };
  /** Seconds behind the live edge (NaN for VOD). */
  latency(): number;
  /** Playing the low-latency playlist. */
  lowLatency(): boolean;
  /** Parts (LL-HLS partial segments) buffered so far. */
  partsLoaded(): number;
}

declare global {
  interface Window {
    stagecastPlayer?: PlayerDebugHook;
  }
}

export function installPlayerDebugHook(hook: PlayerDebugHook): () => void {
  window.stagecastPlayer = hook;
  return () => {
    if (window.stagecastPlayer === hook) delete window.stagecastPlayer;
  };
}
