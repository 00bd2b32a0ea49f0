// The battle overlay's filters in the compositor graph: two boxes for the
// score bar (drawbox: position and size are runtime options) and the words
// (drawtext, changed through `reinit`): the clock and the sides' names on
// the timer band, the scores on the bar, a result banner over each side.
// They are always in the graph, drawn over every slot, and hidden outside
// battles (timeline `enable`), so a battle starts, ticks and ends through
// zmq commands like any layout change. Pure.
import type { Rect } from '../../signaling/protocol/layoutGeometry.ts';
import type { BattleOverlay } from './battleScene.ts';

/** The own side's colour (the studio's pink-red)... */
export const OWN_BAR_COLOUR = '0xff2d6f';
/** ...and the opponent's (blue). */
export const OPPONENT_BAR_COLOUR = '0x2d7dff';
const HIDDEN_BOX = '0x101418';
const BANNER_BOXES: Record<string, string> = { WIN: '0xe0a800@0.9', LOSE: '0x000000@0.6', DRAW: '0x505a68@0.85' };
const TEXT_BOX = '0x000000@0.55';

/** The overlay's filter instances in drawing order: [filter, id]; the words only with a font. */
export function overlayFilters(withText: boolean): [name: 'drawbox' | 'drawtext', id: string][] {
  const boxes: [name: 'drawbox', id: string][] = [
    ['drawbox', 'bar_own'],
    ['drawbox', 'bar_opponent'],
  ];
  if (!withText) return boxes;
  return [
    ...boxes,
    ...(
      ['clock', 'own_name', 'opponent_name', 'own_score', 'opponent_score', 'banner_own', 'banner_opponent'] as const
    ).map((id): [name: 'drawtext', id: string] => ['drawtext', `hud_${id}`]),
  ];
}

/** The overlay's option values (all hidden without a battle). Text values are filter-safe, `:` included. */
export function overlaySettings(
  overlay: BattleOverlay | undefined,
  options: { fontFile?: string },
): Record<string, Record<string, string>> {
  const settings: Record<string, Record<string, string>> = {};
  const bar = overlay?.scoreBar;
  const split = overlay?.split ?? 0;
  settings['drawbox@bar_own'] = boxSettings(bar && { ...bar, width: split }, OWN_BAR_COLOUR);
  settings['drawbox@bar_opponent'] = boxSettings(
    bar && { ...bar, x: bar.x + split, width: bar.width - split },
    OPPONENT_BAR_COLOUR,
  );
  if (!options.fontFile) return settings;
  const timer = overlay?.timer;
  const band = timer ? Math.max(12, Math.round(timer.height * 0.6)) : 12;
  const small = timer ? Math.max(12, Math.round(timer.height * 0.5)) : 12;
  const pad = timer ? Math.max(4, Math.round(timer.height / 4)) : 4;
  const middleOf = (rect: Rect) => `${rect.y}+(${rect.height}-text_h)/2`;
  settings['drawtext@hud_clock'] = textSettings(
    timer && { text: overlay.clock, size: band, x: `${timer.x}+(${timer.width}-text_w)/2`, y: middleOf(timer) },
  );
  settings['drawtext@hud_own_name'] = textSettings(
    timer && { text: overlay.ownName, size: small, x: `${timer.x + pad}`, y: middleOf(timer) },
  );
  settings['drawtext@hud_opponent_name'] = textSettings(
    timer && {
      text: overlay.opponentName,
      size: small,
      x: `${timer.x + timer.width - pad}-text_w`,
      y: middleOf(timer),
    },
  );
  const score = bar ? Math.max(12, Math.round(bar.height * 0.6)) : 12;
  settings['drawtext@hud_own_score'] = textSettings(
    bar && { text: overlay.scores[0], size: score, x: `${bar.x + pad}`, y: middleOf(bar) },
  );
  settings['drawtext@hud_opponent_score'] = textSettings(
    bar && { text: overlay.scores[1], size: score, x: `${bar.x + bar.width - pad}-text_w`, y: middleOf(bar) },
  );
  const banners = overlay?.banners;
  const banner = (word: string, area: Rect) => {
    const size = Math.max(16, Math.round(area.height / 5));
    return {
      text: word,
      size,
      x: `${area.x}+(${area.width}-text_w)/2`,
      y: middleOf(area),
      box: BANNER_BOXES[word] ?? TEXT_BOX,
      boxBorder: Math.round(size / 3),
    };
  };
  settings['drawtext@hud_banner_own'] = textSettings(banners && banner(banners.own, banners.ownArea));
  settings['drawtext@hud_banner_opponent'] = textSettings(banners && banner(banners.opponent, banners.opponentArea));
  return settings;
}

/** A drawbox's options: filled with `colour` over `rect`, or hidden (and dark) without one. */
export function boxSettings(rect: Rect | undefined, colour: string): Record<string, string> {
  const shown = rect !== undefined && rect.width > 0 && rect.height > 0;
  const { x, y, width, height } = shown ? rect : { x: 0, y: 0, width: 16, height: 16 };
  return {
    x: String(x),
    y: String(y),
    w: String(width),
    h: String(height),
    color: shown ? colour : HIDDEN_BOX,
    enable: shown ? '1' : '0',
  };
}

/** A word of the overlay; hidden when there is none (drawtext cannot draw an empty text). */
function textSettings(
  word: { text: string; size: number; x: string; y: string; box?: string; boxBorder?: number } | undefined,
): Record<string, string> {
  if (!word || word.text === '') {
    return {
      text: '',
      fontsize: '12',
      x: '0',
      y: '0',
      box: '0',
      boxcolor: TEXT_BOX,
      boxborderw: '0',
      enable: '0',
    };
  }
  return {
    text: word.text,
    fontsize: String(word.size),
    x: word.x,
    y: word.y,
    box: word.box ? '1' : '0',
    boxcolor: word.box ?? TEXT_BOX,
    boxborderw: String(word.boxBorder ?? 0),
    enable: '1',
  };
}
