// Words the producer puts over the composed picture (issue 22): a lower-third
// banner and a scrolling ticker. Their text rule and their place on the
// canvas are shared: the compositor draws them (recorder/slots/
// deskOverlayGraph.ts) where the studio's preview shows them.
import type { Rect } from './layoutGeometry.ts';

export const BANNER_MAX_LENGTH = 80;
export const TICKER_MAX_LENGTH = 200;
/** A chat message on screen: its author's name and its text, cut to fit. */
export const COMMENT_AUTHOR_MAX_LENGTH = 40;
export const COMMENT_TEXT_MAX_LENGTH = 120;

/** A viewer's chat message shown on screen, with its author (taken from the chat, never typed by a host). */
export interface OnScreenComment {
  author: string;
  text: string;
}

/** A chat message's box on screen (a deep purple, slightly see-through: apart from the banner's blue). */
export const COMMENT_COLOUR = 'rgba(106, 27, 154, 0.92)';
/** The banner's box colour (an opaque blue: the broadcast's accent). */
export const BANNER_COLOUR = '#1565c0';
/** The ticker's band (a dark, slightly see-through strip). */
export const TICKER_COLOUR = 'rgba(0, 0, 0, 0.7)';
/** How fast the ticker scrolls, in canvas pixels per second (at 1280 wide). */
export const TICKER_SPEED_PX_PER_S = 120;

/**
 * The show's colours (`#rrggbb`): the canvas behind the tiles, the box
 * behind each host's name and the banner's box. Changed while the show runs,
 * like the words, without restarting the compositor.
 */
export interface OnScreenTheme {
  background: string;
  nameTag: string;
  banner: string;
}

export const DEFAULT_THEME: Readonly<OnScreenTheme> = {
  background: '#101418',
  nameTag: '#000000',
  banner: BANNER_COLOUR,
};

/** How opaque a name tag's box is over the picture (the camera shows through a little). */
export const NAME_TAG_OPACITY = 0.6;

/** The pictures a producer uploads for the picture: a logo in a corner, and a backdrop behind the tiles. */
export const ON_SCREEN_PICTURES = ['logo', 'backdrop'] as const;
export type OnScreenPicture = (typeof ON_SCREEN_PICTURES)[number];

/** Each picture's address (ON_SCREEN_PICTURE_PATH and its stored name), null: none shown. */
export type OnScreenPictures = Record<OnScreenPicture, string | null>;

export const NO_PICTURES: Readonly<OnScreenPictures> = { logo: null, backdrop: null };

export interface OnScreenState {
  /** The lower-third banner's text; null: none shown. */
  banner: string | null;
  ticker: string | null;
  comment: OnScreenComment | null;
  theme: OnScreenTheme;
  /** Set by uploading (`PUT /api/multihost/:id/on-screen/:picture`), not by `multihost:set-on-screen`. */
  pictures: OnScreenPictures;
}

/** What a producer changes at once: any of the words, and any of the colours (the others stay). */
export type OnScreenChange = Partial<Omit<OnScreenState, 'theme' | 'pictures'>> & { theme?: Partial<OnScreenTheme> };

/** Nothing on screen, the default colours: a new session's state. */
export const EMPTY_ON_SCREEN: Readonly<OnScreenState> = {
  banner: null,
  ticker: null,
  comment: null,
  theme: DEFAULT_THEME,
  pictures: NO_PICTURES,
};

/** A copy that shares nothing with `state` (its colours and pictures are objects). */
export function copyOnScreen(state: OnScreenState): OnScreenState {
  return { ...state, theme: { ...state.theme }, pictures: { ...state.pictures } };
}

/**
 * The text as the compositor can draw it: letters, digits, spaces and a few
 * marks; anything that means something to FFmpeg's filter and command
 * parsers or to drawtext's expansions (quotes, backslashes, `%`, `;`, `[`,
 * `]`, `:`) is dropped, as it is for names. The server stores what this
 * returns, so the studio previews exactly what the audience gets.
 */
export function onScreenText(text: string, maxLength: number): string {
  return text
    .replace(/[^\p{L}\p{N} .,!?&+#@-]/gu, '')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, maxLength);
}

/** Where the banner and the ticker sit on a canvas: the banner lower left, the ticker along the bottom. */
export function onScreenGeometry(canvas: { width: number; height: number }): {
  banner: Rect;
  ticker: Rect;
  comment: Rect;
} {
  const even = (value: number) => Math.max(2, Math.round(value / 2) * 2);
  const tickerHeight = even(canvas.height * 0.06);
  const bannerHeight = even(canvas.height * 0.1);
  return {
    banner: {
      x: even(canvas.width * 0.04),
      y: even(canvas.height - tickerHeight - bannerHeight - canvas.height * 0.04),
      width: even(canvas.width * 0.6),
      height: bannerHeight,
    },
    ticker: { x: 0, y: canvas.height - tickerHeight, width: canvas.width, height: tickerHeight },
    // Top left, clear of the banner: the author's name over the text.
    comment: {
      x: even(canvas.width * 0.04),
      y: even(canvas.height * 0.05),
      width: even(canvas.width * 0.5),
      height: even(canvas.height * 0.14),
    },
  };
}

/**
 * Where the logo sits: in the top-right corner (clear of a comment, top left,
 * and of the banner and ticker, at the bottom), fitted into this box with
 * its proportions kept, against the box's right and top edges.
 */
export function logoBox(canvas: { width: number; height: number }): Rect {
  const even = (value: number) => Math.max(2, Math.round(value / 2) * 2);
  const width = even(canvas.width * 0.16);
  const height = even(canvas.height * 0.16);
  const margin = even(canvas.height * 0.04);
  return { x: canvas.width - margin - width, y: margin, width, height };
}

/** Most banners an account keeps saved. */
export const MAX_SAVED_BANNERS = 20;

/** A banner saved to show again (`/api/banners`). */
export interface SavedBannerView {
  id: string;
  text: string;
  createdAt: string;
}
