// How long a change on stage (a layout change, a host on air or off) takes
// to reach the HLS output (and, for any other change a segment can show,
// measureSegmentChange). The compositor moves its tiles at run time, so there is no new
// FFmpeg run to wait for: the measure reads the picture. It watches a spot
// that is background (the gap between the first two tiles) before the change
// and inside the focused host's camera after it, decodes every segment
// listed after the change, and finds the first frame where that spot stops
// being background (or, for a change the other way, becomes background).
// `listedMs`: change → the playlist lists the segment holding that frame
// (when a player could fetch it). The frame's own PROGRAM-DATE-TIME is no
// use for a finer split: FFmpeg dates its first segment when its muxer
// starts, so every date carries FFmpeg's start-up delay.
import { parseMediaPlaylist } from '../../recorder/hlsPlaylist.ts';
import { BACKGROUND } from '../../recorder/slots/slotGraph.ts';
import { computeLayout } from '../../signaling/protocol/layoutGeometry.ts';
import { colourDistance, frameColours, rgbOf, type Region } from '../../testkit/frameColours.ts';
import type { CompositionLayout } from './tileGeometry.ts';

const POLL_MS = 100;
/** A flat background stays within a few levels through H.264; a camera differs by more. */
const CHANGED_DISTANCE = 12;
const TILE_GAP = 8;

export interface ChangeToOutput {
  listedMs: number | null;
  error?: string;
}

export interface ChangePlan {
  mediaPlaylistUrl: string;
  canvas: { width: number; height: number };
  /** The composition before the change (a layout with at least two tiles side by side). */
  before: CompositionLayout;
  /** The layout it changes to (the focused host's camera covers the watched spot). */
  after: CompositionLayout;
  change: () => Promise<void>;
  timeoutMs: number;
}

export async function measureChangeToOutput(plan: ChangePlan): Promise<ChangeToOutput> {
  const spot = watchedSpot(plan);
  if (!spot) return { listedMs: null, error: 'no spot that is background before the change and camera after it' };
  return measureSpotChange({ ...plan, spot, to: 'camera' });
}

export interface SpotChangePlan {
  mediaPlaylistUrl: string;
  /** A few pixels that the change turns from background into camera, or back. */
  spot: Region;
  /** 'camera': the spot stops being background (a camera, a banner's box); 'background': it becomes background. */
  to: 'camera' | 'background';
  change: () => Promise<void>;
  timeoutMs: number;
}

/** The spot between the first two tiles of `two` that `one`'s focused camera covers (a host taken off air). */
export function gapCoveredBy(
  canvas: { width: number; height: number },
  two: CompositionLayout,
  one: CompositionLayout,
): Region | undefined {
  return watchedSpot({ canvas, before: two, after: one });
}

/** Change → the first listed segment with a frame where the spot is what the change makes it. */
export async function measureSpotChange(plan: SpotChangePlan): Promise<ChangeToOutput> {
  const { spot } = plan;
  const background = rgbOf(BACKGROUND);
  const changed = (rgb: readonly number[]) =>
    plan.to === 'camera'
      ? colourDistance(rgb, background) > CHANGED_DISTANCE
      : colourDistance(rgb, background) <= CHANGED_DISTANCE;
  return measureSegmentChange({
    ...plan,
    shows: async (init, media) => (await frameColours(init, media, spot)).some(changed),
  });
}

export interface SegmentChangePlan {
  mediaPlaylistUrl: string;
  change: () => Promise<void>;
  /** Whether a segment (its init segment and its bytes) shows what the change makes. */
  shows: (init: Buffer, media: Buffer) => Promise<boolean>;
  timeoutMs: number;
}

/** Change → the first segment listed after it that `shows` the change: when a player could fetch it. */
export async function measureSegmentChange(plan: SegmentChangePlan): Promise<ChangeToOutput> {
  const seen = new Set((await listed(plan.mediaPlaylistUrl)).map((segment) => segment.uri));
  if (seen.size === 0) return { listedMs: null, error: 'no playlist before the change' };
  const inits = new Map<string, Buffer>();
  /** Segments listed since the change, with when they were first seen: decoding one must not delay noticing the next. */
  const pending: { uri: string; initUri: string; listedMs: number }[] = [];
  const changedAt = Date.now();
  // A poller of its own notes when each segment is listed, while the loop
  // below decodes (which takes longer than a poll).
  let polling = false;
  const poller = setInterval(() => {
    if (polling) return;
    polling = true;
    void listed(plan.mediaPlaylistUrl)
      .then((segments) => {
        for (const segment of segments) {
          if (seen.has(segment.uri) || !segment.initUri) continue;
          seen.add(segment.uri);
          pending.push({ uri: segment.uri, initUri: segment.initUri, listedMs: Date.now() - changedAt });
        }
      })
      .finally(() => (polling = false));
  }, POLL_MS);
  try {
    await plan.change();
    while (Date.now() - changedAt < plan.timeoutMs) {
      const segment = pending.shift();
      if (!segment) {
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
        continue;
      }
      const init = inits.get(segment.initUri) ?? (await fetchBytes(new URL(segment.initUri, plan.mediaPlaylistUrl)));
      inits.set(segment.initUri, init);
      const media = await fetchBytes(new URL(segment.uri, plan.mediaPlaylistUrl));
      if (await plan.shows(init, media)) return { listedMs: segment.listedMs };
    }
  } finally {
    clearInterval(poller);
  }
  return { listedMs: null, error: `the change did not show within ${plan.timeoutMs} ms` };
}

/** 4×4 px in the gap right of the first tile, at the height of the focused camera's middle after the change. */
function watchedSpot(plan: Pick<ChangePlan, 'canvas' | 'before' | 'after'>): Region | undefined {
  const layoutOf = (layout: CompositionLayout) =>
    computeLayout(layout.kind, plan.canvas, layout.hostIds, {
      gap: TILE_GAP,
      ...(layout.focusHostId ? { focusPeerId: layout.focusHostId } : {}),
    });
  const first = layoutOf(plan.before)[0]?.rect;
  const main = layoutOf(plan.after).find((tile) => tile.peerId === plan.after.focusHostId)?.rect;
  if (!first || !main) return undefined;
  const x = first.x + first.width + TILE_GAP / 2 - 2;
  const y = Math.floor((main.y + main.height / 2) / 2) * 2;
  const insideBefore = x + 4 <= first.x + first.width + TILE_GAP && y < first.y + first.height;
  const insideAfter = x >= main.x && x + 4 <= main.x + main.width;
  return insideBefore && insideAfter ? { x, y, width: 4, height: 4 } : undefined;
}

async function listed(url: string) {
  const response = await fetch(url).catch(() => undefined);
  return response?.ok ? parseMediaPlaylist(await response.text()) : [];
}

async function fetchBytes(url: URL): Promise<Buffer> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url.pathname}: HTTP ${response.status}`);
  return Buffer.from(await response.arrayBuffer());
}
