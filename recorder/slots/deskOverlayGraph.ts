// The producer's words over the composed picture: a lower-third banner (a
// box and its text), a ticker (a band and a scrolling text) and a viewer's
// chat message (a box, its author's name over its text). Always in
// the graph, hidden when not shown, changed through the zmq filter like the
// tiles, so showing, changing and hiding them never restarts FFmpeg. Without
// a font there are no words to draw: only the boxes exist then, hidden. Pure.
import {
  DEFAULT_THEME,
  onScreenGeometry,
  TICKER_SPEED_PX_PER_S,
  type OnScreenState,
} from '../../signaling/protocol/onScreen.ts';
import { boxSettings } from './battleOverlayGraph.ts';
import { filterColour } from './filterColour.ts';

const TICKER_BAND = '0x000000@0.7';
const COMMENT_BOX = '0x6a1b9a@0.92';

/** The desk's filter instances in drawing order: [filter, id]. */
export function deskFilters(withText: boolean): [name: 'drawbox' | 'drawtext', id: string][] {
  return withText
    ? [
        ['drawbox', 'desk_banner'],
        ['drawtext', 'desk_banner_text'],
        ['drawbox', 'desk_ticker'],
        ['drawtext', 'desk_ticker_text'],
        ['drawbox', 'desk_comment'],
        ['drawtext', 'desk_comment_author'],
        ['drawtext', 'desk_comment_text'],
      ]
    : [];
}

/** The desk's option values on a `canvas`-sized picture (all hidden when nothing is shown). */
export function deskSettings(
  onScreen: OnScreenState | undefined,
  options: { fontFile?: string; canvas: { width: number; height: number } },
): Record<string, Record<string, string>> {
  if (!options.fontFile) return {};
  const { banner, ticker, comment } = onScreenGeometry(options.canvas);
  const shownComment = onScreen?.comment ?? null;
  const commentPad = Math.round(comment.height * 0.12);
  const authorSize = Math.round(comment.height * 0.26);
  const commentSize = Math.round(comment.height * 0.3);
  const bannerText = onScreen?.banner ?? '';
  const tickerText = onScreen?.ticker ?? '';
  const bannerSize = Math.round(banner.height * 0.5);
  const tickerSize = Math.round(ticker.height * 0.6);
  const speed = Math.round((TICKER_SPEED_PX_PER_S * options.canvas.width) / 1280);
  // x = w - (t·speed mod (w + text_w)), written without commas (the graph's separator).
  const travelled = `t*${speed}`;
  const lap = '(w+text_w)';
  return {
    'drawbox@desk_banner': boxSettings(
      bannerText ? banner : undefined,
      filterColour((onScreen?.theme ?? DEFAULT_THEME).banner),
    ),
    'drawtext@desk_banner_text': text(bannerText, {
      size: bannerSize,
      x: `${banner.x + Math.round(banner.height * 0.35)}`,
      y: `${banner.y}+(${banner.height}-text_h)/2`,
    }),
    'drawbox@desk_ticker': boxSettings(tickerText ? ticker : undefined, TICKER_BAND),
    'drawtext@desk_ticker_text': text(tickerText, {
      size: tickerSize,
      x: `w-${travelled}+floor(${travelled}/${lap})*${lap}`,
      y: `${ticker.y}+(${ticker.height}-text_h)/2`,
    }),
    'drawbox@desk_comment': boxSettings(shownComment ? comment : undefined, COMMENT_BOX),
    'drawtext@desk_comment_author': text(shownComment?.author ?? '', {
      size: authorSize,
      x: `${comment.x + commentPad * 2}`,
      y: `${comment.y + commentPad}`,
    }),
    'drawtext@desk_comment_text': text(shownComment?.text ?? '', {
      size: commentSize,
      x: `${comment.x + commentPad * 2}`,
      y: `${comment.y + comment.height - commentPad}-text_h`,
    }),
  };
}

function text(words: string, place: { size: number; x: string; y: string }): Record<string, string> {
  return words === ''
    ? { text: '', fontsize: '12', x: '0', y: '0', enable: '0' }
    : { text: words, fontsize: String(place.size), x: place.x, y: place.y, enable: '1' };
}
