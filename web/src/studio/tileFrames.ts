// Counts the frames each stage tile puts on screen (requestVideoFrameCallback)
// and the longest wait between two: what a host sees as a frozen tile, also
// across a swap of the tile's track (a mesh ⇄ SFU switch), since the element
// stays. Read by the debug hook (tests, the bench's migrationFreezeMs).
import type { TileFrames, TileSwapReason } from '../../../signaling/protocol/index.ts';

interface Progress extends TileFrames {
  lastAt: number | undefined;
}

const progress = new Map<string, Progress>();

function entryOf(key: string): Progress {
  let entry = progress.get(key);
  if (!entry) {
    entry = { frames: 0, longestGapMs: 0, lastAt: undefined, swaps: noSwaps() };
    progress.set(key, entry);
  }
  return entry;
}

function noSwaps(): Record<TileSwapReason, number> {
  return { ready: 0, oldEnded: 0, oldMuted: 0, timedOut: 0 };
}

/** Counts a swap of the tile's track under `key`, and why it happened then. */
export function countTileSwap(key: string, reason: TileSwapReason): void {
  entryOf(key).swaps[reason]++;
}

/** Starts counting `video`'s presented frames under `key`; the returned function stops. */
export function watchTileFrames(video: HTMLVideoElement, key: string): () => void {
  let handle: number | undefined;
  const entry = entryOf(key);
  const onFrame = (now: number) => {
    if (entry.lastAt !== undefined) entry.longestGapMs = Math.max(entry.longestGapMs, now - entry.lastAt);
    entry.lastAt = now;
    entry.frames++;
    handle = video.requestVideoFrameCallback(onFrame);
  };
  handle = video.requestVideoFrameCallback(onFrame);
  return () => {
    if (handle !== undefined) video.cancelVideoFrameCallback(handle);
  };
}

/** Every tile's count, with the current wait included in its longest gap (a tile frozen right now shows). */
export function tileFrames(now = performance.now()): Record<string, TileFrames> {
  return Object.fromEntries(
    [...progress].map(([key, { frames, longestGapMs, lastAt, swaps }]) => [
      key,
      {
        frames,
        longestGapMs: Math.round(Math.max(longestGapMs, lastAt === undefined ? 0 : now - lastAt)),
        swaps: { ...swaps },
      },
    ]),
  );
}

/** Starts measuring gaps afresh (from now). */
export function resetTileFrames(now = performance.now()): void {
  for (const entry of progress.values()) {
    entry.longestGapMs = 0;
    entry.swaps = noSwaps();
    if (entry.lastAt !== undefined) entry.lastAt = now;
  }
}
