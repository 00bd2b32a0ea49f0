// Whether a session's HLS output shows the battle split, read from the
// picture: the compositor burns in the score bar across the bottom
// (signaling/protocol/battleLayout.ts), the session's own side in 0xff2d6f
// from the left and the opponent's in 0x2d7dff from the right, split in
// proportion to the scores (half and half at 0–0). Two spots of the bar, at
// a quarter and three quarters of its width (away from the scores written
// at its ends, as recorder/battle.integration.test.ts reads it), showing
// those two colours in one frame is the battle layout; outside a battle
// those spots are the session's own picture.
// `watchForBattleBar`: segments listed after `sinceMs` are decoded (FFmpeg)
// in order; the figure is when the playlist listed the first segment holding
// such a frame (when a player could fetch it), as hls/changeToOutput.ts does.
import { parseMediaPlaylist } from '../../recorder/hlsPlaylist.ts';
import { OPPONENT_BAR_COLOUR, OWN_BAR_COLOUR } from '../../recorder/slots/battleOverlayGraph.ts';
import { battleLayout } from '../../signaling/protocol/battleLayout.ts';
import { colourDistance, frameColours, rgbOf, type Region, type Rgb } from '../../testkit/frameColours.ts';

const POLL_MS = 100;
/** Through H.264 and 4:2:0 chroma a flat colour stays within this per channel (as the recorder's own test allows). */
const SAME = 48;

export interface BattleBarPlan {
  mediaPlaylistUrl: string;
  canvas: { width: number; height: number };
}

export interface BattleBarResult {
  /** From `sinceMs` to the playlist listing the first segment with the bar; null when none within the limit. */
  listedMs: number | null;
  segmentsDecoded: number;
  error?: string;
}

/** The two spots of the bar and the colour each shows in a battle. */
export function barSpots(canvas: { width: number; height: number }): [Region, Rgb][] {
  const bar = battleLayout(canvas, ['own'], ['opponent']).scoreBar;
  const spot = (share: number): Region => ({
    x: bar.x + Math.round(bar.width * share) - 4,
    y: bar.y + Math.round(bar.height / 4),
    width: 8,
    height: Math.max(2, Math.round(bar.height / 2)),
  });
  return [
    [spot(0.25), rgbOf(OWN_BAR_COLOUR)],
    [spot(0.75), rgbOf(OPPONENT_BAR_COLOUR)],
  ];
}

/** Per decoded frame of the segment: whether it shows the battle bar. */
async function framesWithBar(plan: BattleBarPlan, init: Buffer, media: Buffer): Promise<boolean[]> {
  const spots = barSpots(plan.canvas);
  const colours = await Promise.all(spots.map(([region]) => frameColours(init, media, region)));
  const frames = Math.min(...colours.map((list) => list.length));
  return Array.from({ length: frames }, (_, frame) =>
    spots.every(([, expected], index) => colourDistance(colours[index]![frame]!, expected) <= SAME),
  );
}

/**
 * Watches the playlist from now (segments already listed are skipped) until
 * a segment shows the bar, or `timeoutMs`. `sinceMs` is performance.now() of
 * the event measured from; `started` resolves once the watcher has read the
 * playlist (start the event after it).
 */
export function watchForBattleBar(
  plan: BattleBarPlan,
  timeoutMs: number,
): { ready: Promise<void>; result: (sinceMs: number) => Promise<BattleBarResult> } {
  const seen = new Set<string>();
  const inits = new Map<string, Buffer>();
  const pending: { uri: string; initUri: string; listedAt: number }[] = [];
  let stopped = false;
  let polling = false;
  let poller: NodeJS.Timeout | undefined;
  const ready = listed(plan.mediaPlaylistUrl).then((segments) => {
    for (const segment of segments) seen.add(segment.uri);
    poller = setInterval(() => {
      if (polling || stopped) return;
      polling = true;
      void listed(plan.mediaPlaylistUrl)
        .then((now) => {
          for (const segment of now) {
            if (seen.has(segment.uri) || !segment.initUri) continue;
            seen.add(segment.uri);
            pending.push({ uri: segment.uri, initUri: segment.initUri, listedAt: performance.now() });
          }
        })
        .finally(() => (polling = false));
    }, POLL_MS);
  });
  const result = async (sinceMs: number): Promise<BattleBarResult> => {
    await ready;
    const deadline = performance.now() + timeoutMs;
    let decoded = 0;
    try {
      while (performance.now() < deadline) {
        const segment = pending.shift();
        if (!segment) {
          await new Promise((resolve) => setTimeout(resolve, POLL_MS));
          continue;
        }
        // A segment listed before the event cannot show it (its frames were encoded earlier).
        if (segment.listedAt < sinceMs) continue;
        const init = inits.get(segment.initUri) ?? (await fetchBytes(new URL(segment.initUri, plan.mediaPlaylistUrl)));
        inits.set(segment.initUri, init);
        const media = await fetchBytes(new URL(segment.uri, plan.mediaPlaylistUrl));
        decoded++;
        if ((await framesWithBar(plan, init, media)).some(Boolean)) {
          return { listedMs: Math.round(segment.listedAt - sinceMs), segmentsDecoded: decoded };
        }
      }
      return { listedMs: null, segmentsDecoded: decoded, error: `no segment showed the bar within ${timeoutMs} ms` };
    } catch (error) {
      return { listedMs: null, segmentsDecoded: decoded, error: String(error) };
    } finally {
      stopped = true;
      clearInterval(poller);
    }
  };
  return { ready, result };
}

/** Waits (bounded) until the newest segment's last frame shows no battle bar: the session is back to its own layout. */
export async function waitForNoBattleBar(plan: BattleBarPlan, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  let checked: string | undefined;
  while (performance.now() < deadline) {
    const newest = (await listed(plan.mediaPlaylistUrl)).at(-1);
    if (newest?.initUri && newest.uri !== checked) {
      checked = newest.uri;
      try {
        const init = await fetchBytes(new URL(newest.initUri, plan.mediaPlaylistUrl));
        const media = await fetchBytes(new URL(newest.uri, plan.mediaPlaylistUrl));
        const frames = await framesWithBar(plan, init, media);
        if (frames.length > 0 && !frames.at(-1)) return true;
      } catch {
        // The segment left the window meanwhile: the next poll takes the newest.
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return false;
}

async function listed(url: string) {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
    return response.ok ? parseMediaPlaylist(await response.text()) : [];
  } catch {
    return [];
  }
}

async function fetchBytes(url: URL): Promise<Buffer> {
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  if (!response.ok) throw new Error(`${url.pathname}: HTTP ${response.status}`);
  return Buffer.from(await response.arrayBuffer());
}
