// The logo and the backdrop in the running compositor. Each has a slot of
// its own that never has a host: its filler is the picture's key frame
// (pictureFrames.ts), so a picture comes and goes without touching FFmpeg's
// inputs, and its overlay is switched on only once the picture is flowing
// (before that the slot still carries the placeholder, which would flash on
// screen). Changing a shown picture swaps the frame under an overlay that
// stays on (a logo of another width moves once its frame is there);
// removing one switches the overlay off first.
import type { Logger } from 'pino';
import { ON_SCREEN_PICTURES, type OnScreenPicture, type OnScreenPictures } from '../../signaling/protocol/onScreen.ts';
import { pictureFrame, type PictureFrame } from './pictureFrames.ts';
import type { PicturesShown } from './slotGraph.ts';
import type { SlotRelay } from './SlotRelay.ts';

/**
 * From a new frame at the relay to FFmpeg's graph: the RTP reorder wait
 * (RTP_MAX_DELAY_US), a frame interval and some slack. An overlay switched
 * on sooner would show the placeholder for a moment.
 */
export const PICTURE_SETTLE_MS = 400;

export interface PictureSlotsOptions {
  relay: SlotRelay;
  /** The relay's slot index of each picture. */
  slots: Record<OnScreenPicture, number>;
  canvas: { width: number; height: number };
  /** The filler of an empty slot (the placeholder's packets). */
  placeholder: readonly Buffer[];
  /** The stored file of a picture's address; undefined: not one of ours (nothing is shown). */
  fileOf: (url: string) => string | undefined;
  /** The overlays must change (`shown` did). */
  onShownChange: () => void;
  logger: Logger;
}

interface PictureState {
  /** The address asked for last (null: none). */
  wanted: string | null;
  shown: boolean;
  timer: NodeJS.Timeout | undefined;
}

export class PictureSlots {
  readonly #options: PictureSlotsOptions;
  readonly #pictures = Object.fromEntries(
    ON_SCREEN_PICTURES.map((picture) => [picture, { wanted: null, shown: false, timer: undefined }]),
  ) as Record<OnScreenPicture, PictureState>;
  /** The shown logo's width (its overlay is placed by it). */
  #logoWidth = 0;
  #closed = false;

  constructor(options: PictureSlotsOptions) {
    this.#options = options;
  }

  /** Which overlays are on. */
  get shown(): PicturesShown {
    return { logo: this.#pictures.logo.shown, backdrop: this.#pictures.backdrop.shown, logoWidth: this.#logoWidth };
  }

  /** The pictures the composition asks for (absent: none). */
  want(pictures: OnScreenPictures | undefined): void {
    for (const picture of ON_SCREEN_PICTURES) {
      const url = pictures?.[picture] ?? null;
      const state = this.#pictures[picture];
      if (state.wanted === url) continue;
      state.wanted = url;
      if (url === null) this.#hide(picture);
      else void this.#load(picture, url);
    }
  }

  close(): void {
    this.#closed = true;
    for (const state of Object.values(this.#pictures)) clearTimeout(state.timer);
  }

  async #load(picture: OnScreenPicture, url: string): Promise<void> {
    const { relay, slots, canvas, fileOf, logger } = this.#options;
    const file = fileOf(url);
    let frame: PictureFrame;
    try {
      if (!file) throw new Error('not a stored picture');
      frame = await pictureFrame(file, picture, canvas);
    } catch (error) {
      logger.warn({ err: error, picture, url }, 'the picture cannot be shown in the broadcast');
      // Nothing rather than the picture it was to replace.
      if (!this.#closed && this.#pictures[picture].wanted === url) this.#hide(picture);
      return;
    }
    const state = this.#pictures[picture];
    // Another picture (or none) was asked for meanwhile.
    if (this.#closed || state.wanted !== url) return;
    clearTimeout(state.timer);
    relay.setFiller(slots[picture], frame.payloads);
    // On (or, for a logo of another width, moved) once the frame has reached FFmpeg's graph.
    state.timer = setTimeout(() => {
      state.timer = undefined;
      if (this.#closed || state.wanted !== url) return;
      state.shown = true;
      if (picture === 'logo') this.#logoWidth = frame.width;
      this.#options.onShownChange();
    }, PICTURE_SETTLE_MS);
  }

  #hide(picture: OnScreenPicture): void {
    const state = this.#pictures[picture];
    clearTimeout(state.timer);
    state.timer = undefined;
    if (state.shown) {
      state.shown = false;
      this.#options.onShownChange();
    }
    // The small placeholder again once the overlay is off: a hidden backdrop costs no decoding.
    state.timer = setTimeout(() => {
      state.timer = undefined;
      if (!this.#closed && !state.shown) {
        this.#options.relay.setFiller(this.#options.slots[picture], this.#options.placeholder);
      }
    }, PICTURE_SETTLE_MS);
  }
}
