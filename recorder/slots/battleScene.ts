// What the compositor shows during a PK battle: both sides' cameras where
// the shared battle geometry puts them (signaling/protocol/battleLayout.ts,
// the studio's split too), and the burned-in overlay — the score bar split
// in proportion to the scores, the clock (countdown, time left) and the
// result banners. The overlay is worked out for a moment in time: the
// recorder asks again several times a second, and only what changed goes to
// FFmpeg. Pure.
import { battleLayout, formatBattleClock, scoreBarSplitWidth } from '../../signaling/protocol/battleLayout.ts';
import type { Rect } from '../../signaling/protocol/layoutGeometry.ts';
import type { SceneHost } from './compositionScene.ts';
import type { SlotScene, SlotView } from './slotGraph.ts';

export type BattleScenePhase = 'countdown' | 'live' | 'result';
export type BattleWinner = 'own' | 'opponent' | 'draw';

/** The battle as the overlay needs it (no media). */
export interface BattleHud {
  /** Filter-safe names of the sides (drawtextSafe), written on the timer band. */
  ownName: string;
  opponentName: string;
  phase: BattleScenePhase;
  /** Epoch ms: scoring starts (the end of the countdown). */
  startsAt: number;
  /** Epoch ms: scoring stops. */
  endsAt: number;
  /** Null until the result phase; null in it too when the battle has no result (interrupted). */
  winner: BattleWinner | null;
}

/** The burned-in battle overlay at one moment. Texts are filter-safe. */
export interface BattleOverlay {
  timer: Rect;
  scoreBar: Rect;
  /** Width of the own side's part of the bar (from its left edge), even. */
  split: number;
  clock: string;
  ownName: string;
  opponentName: string;
  /** As written on the bar: [own, opponent]. */
  scores: [string, string];
  /** Result phase: a word over each side's area. */
  banners?: { own: string; opponent: string; ownArea: Rect; opponentArea: Rect };
}

/** The own side's tiles keep the hosts' ids (their slots survive the switch); the opponent's get a prefix. */
export function battleTileKey(side: 'own' | 'opponent', hostId: string): string {
  return side === 'own' ? hostId : `opponent:${hostId}`;
}

/**
 * Slot views for both sides' tiles; `own` and `opponent` are tile keys
 * (battleTileKey), primary host first, each already seated.
 */
export function battleSceneOf(
  sides: { own: readonly SceneHost[]; opponent: readonly SceneHost[] },
  seats: ReadonlyMap<string, number>,
  canvas: { width: number; height: number },
  slotCount: number,
): SlotScene {
  const layout = battleLayout(
    canvas,
    sides.own.map((host) => host.hostId),
    sides.opponent.map((host) => host.hostId),
  );
  const byKey = new Map([...sides.own, ...sides.opponent].map((host) => [host.hostId, host]));
  const scene: (SlotView | undefined)[] = Array.from({ length: slotCount }, () => undefined);
  for (const tile of layout.tiles) {
    const host = byKey.get(tile.key)!;
    const seat = seats.get(tile.key);
    if (seat === undefined || seat < 0 || seat >= slotCount) {
      throw new RangeError(`battle tile ${tile.key} has no slot below ${slotCount}`);
    }
    scene[seat] = { tile: tile.rect, layer: 0, camera: host.camera, ...(host.label ? { label: host.label } : {}) };
  }
  return scene;
}

/**
 * The timer band's words: "Battle starts in 3" during the countdown, the
 * time left ("4:59") while live (also when the countdown is over and the
 * server's phase change is still on its way), "Battle over" in the result
 * phase (the banners tell who won).
 */
export function battleClockText(hud: Pick<BattleHud, 'phase' | 'startsAt' | 'endsAt'>, now: number): string {
  if (hud.phase === 'result') return 'Battle over';
  if (hud.phase === 'countdown' && now < hud.startsAt) {
    return `Battle starts in ${Math.max(1, Math.ceil((hud.startsAt - now) / 1000))}`;
  }
  return formatBattleClock(hud.endsAt - now);
}

/** The result banners over [own, opponent]; none without a result. */
export function battleBannerWords(winner: BattleWinner | null): [string, string] | undefined {
  switch (winner) {
    case 'own':
      return ['WIN', 'LOSE'];
    case 'opponent':
      return ['LOSE', 'WIN'];
    case 'draw':
      return ['DRAW', 'DRAW'];
    case null:
      return undefined;
  }
}

export function battleOverlayOf(
  hud: BattleHud,
  scores: readonly [number, number],
  now: number,
  canvas: { width: number; height: number },
): BattleOverlay {
  // The bands do not depend on who is on stage; the sides' areas are their main tiles' column.
  const layout = battleLayout(canvas, ['own'], ['opponent']);
  const [own, opponent] = scores.map((score) => (Number.isFinite(score) ? Math.max(0, Math.floor(score)) : 0)) as [
    number,
    number,
  ];
  const words = hud.phase === 'result' ? battleBannerWords(hud.winner) : undefined;
  const [ownArea, opponentArea] = layout.tiles.map((tile) => tile.rect) as [Rect, Rect];
  return {
    timer: layout.timer,
    scoreBar: layout.scoreBar,
    split: scoreBarSplitWidth(layout.scoreBar, own, opponent),
    clock: battleClockText(hud, now),
    ownName: hud.ownName,
    opponentName: hud.opponentName,
    scores: [String(own), String(opponent)],
    ...(words ? { banners: { own: words[0], opponent: words[1], ownArea, opponentArea } } : {}),
  };
}
