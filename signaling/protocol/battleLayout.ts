// The battle picture, shared by the studio (CSS positions) and the
// compositor (FFmpeg overlays, the burned-in score bar and clock), so the
// hosts and the audience see the same split: a timer band on top, the two
// sides side by side (the session's own side on the left, its primary host
// large with up to three co-hosts in a row under it), and the score bar
// across the bottom, split in proportion to the scores. Rects are even
// integers, like the co-host layouts (layoutGeometry.ts). Pure.
import { BATTLE_HOSTS_PER_SIDE } from './battles.ts';
import type { Rect } from './layoutGeometry.ts';

export type BattleSideKey = 'own' | 'opponent';

export interface BattleTile {
  /** The host's key (a user id), as given. */
  key: string;
  side: BattleSideKey;
  rect: Rect;
  role: 'main' | 'thumbnail';
}

export interface BattleLayout {
  tiles: BattleTile[];
  /** The clock (and the phase's words). */
  timer: Rect;
  /** The whole score bar; the own side's part starts at its left edge. */
  scoreBar: Rect;
}

/** Shares of the canvas height. */
const TIMER_HEIGHT = 0.08;
const SCORE_BAR_HEIGHT = 0.08;
/** Of a side's area: the main tile's share when the side has co-hosts. */
const MAIN_HEIGHT = 0.72;
/** The own side's part of the bar never shrinks below this (nor grows above 1 − it): both stay readable. */
const MIN_BAR_SHARE = 0.1;

/**
 * Tiles for both sides (primary host first on each; at most
 * BATTLE_HOSTS_PER_SIDE each, extra hosts are left out) and the bands.
 */
export function battleLayout(
  canvas: { width: number; height: number },
  own: readonly string[],
  opponent: readonly string[],
  gap = 0,
): BattleLayout {
  const { width, height } = canvas;
  if (!(Number.isInteger(width) && width > 0 && Number.isInteger(height) && height > 0)) {
    throw new RangeError(`canvas must be positive integers (got ${width}×${height})`);
  }
  const evenGap = floorEven(gap);
  const timerHeight = floorEven(height * TIMER_HEIGHT);
  const barHeight = floorEven(height * SCORE_BAR_HEIGHT);
  const areaHeight = floorEven(height - timerHeight - barHeight);
  const sideWidth = floorEven((width - evenGap) / 2);
  const sides: [BattleSideKey, readonly string[], number][] = [
    ['own', own, 0],
    ['opponent', opponent, width - sideWidth],
  ];
  const tiles: BattleTile[] = [];
  for (const [side, keys, x] of sides) {
    const shown = keys.slice(0, BATTLE_HOSTS_PER_SIDE);
    const [main, ...thumbnails] = shown;
    if (main === undefined) continue;
    const area = { x, y: timerHeight, width: sideWidth, height: areaHeight };
    const mainHeight = thumbnails.length === 0 ? area.height : floorEven(area.height * MAIN_HEIGHT);
    tiles.push({ key: main, side, role: 'main', rect: { ...area, height: mainHeight } });
    const rowY = area.y + mainHeight + evenGap;
    const rowHeight = floorEven(area.y + area.height - rowY);
    const cellWidth = floorEven((area.width - evenGap * (thumbnails.length - 1)) / Math.max(thumbnails.length, 1));
    thumbnails.forEach((key, index) => {
      const rect = { x: area.x + index * (cellWidth + evenGap), y: rowY, width: cellWidth, height: rowHeight };
      tiles.push({ key, side, role: 'thumbnail', rect });
    });
  }
  return {
    tiles,
    timer: { x: 0, y: 0, width, height: timerHeight },
    scoreBar: { x: 0, y: height - barHeight, width, height: barHeight },
  };
}

/** The own side's share of the score bar: half at 0–0, else in proportion, kept between 10 % and 90 %. */
export function scoreBarShare(ownScore: number, opponentScore: number): number {
  const total = ownScore + opponentScore;
  if (!(total > 0)) return 0.5;
  return Math.min(1 - MIN_BAR_SHARE, Math.max(MIN_BAR_SHARE, ownScore / total));
}

/** The own side's part of the bar in pixels (even, as FFmpeg wants). */
export function scoreBarSplitWidth(bar: Rect, ownScore: number, opponentScore: number): number {
  return floorEven(bar.width * scoreBarShare(ownScore, opponentScore));
}

/** "4:59" for a clock; never negative. */
export function formatBattleClock(remainingMs: number): string {
  const seconds = Math.max(0, Math.ceil(remainingMs / 1000));
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}

function floorEven(value: number): number {
  return Math.max(0, Math.floor(value / 2) * 2);
}
