// The effects pipeline's guard: it times every processed frame, and when the
// frames of the last window (30, or a second's worth of processing,
// whichever comes first) took longer on average than the camera's frame
// interval allows, it steps down a level (a smaller processing size, and
// last the segmentation model off), so the picture keeps its pace instead of
// falling behind. The average, not a percentile: the model runs every few
// frames, and what decides whether the camera's rate is kept is the total. It never steps back up
// by itself (a machine that could not keep up a moment ago would flap
// between levels); a new choice of effects starts again at full size. Pure.

/** Each level: the processing size as a share of the camera's, and whether the segmentation model runs. */
export const PROCESSING_LEVELS = [
  { scale: 1, segmentation: true },
  { scale: 0.75, segmentation: true },
  { scale: 0.5, segmentation: true },
  { scale: 0.35, segmentation: true },
  { scale: 0.35, segmentation: false },
] as const;
export type ProcessingLevel = (typeof PROCESSING_LEVELS)[number];
/** Frames per judgement: about a second at 30 fps… */
export const BUDGET_WINDOW_FRAMES = 30;
/** …or fewer, once they took this long in all: at 3 frames a second, 30 frames would be 10 s of a sluggish picture. */
export const BUDGET_WINDOW_MS = 1000;
/** The share of the frame interval processing may take (the rest is the browser's: encode, capture). */
const BUDGET_SHARE = 0.8;

export interface FrameTimes {
  p50: number;
  p95: number;
  count: number;
}

export class FrameBudget {
  readonly #budgetMs: number;
  #window: number[] = [];
  #windowMs = 0;
  #level = 0;
  /** Every frame time since the level was last reset, for the figures. */
  #all: number[] = [];

  constructor(frameRate: number) {
    this.#budgetMs = (1000 / frameRate) * BUDGET_SHARE;
  }

  get level(): number {
    return this.#level;
  }

  get current(): ProcessingLevel {
    return PROCESSING_LEVELS[this.#level]!;
  }

  get scale(): number {
    return this.current.scale;
  }

  get atFloor(): boolean {
    return this.#level === PROCESSING_LEVELS.length - 1;
  }

  /** Records one frame's processing time; true when the level just stepped down. */
  record(milliseconds: number): boolean {
    this.#all.push(milliseconds);
    if (this.#all.length > 10 * BUDGET_WINDOW_FRAMES) this.#all.shift();
    this.#window.push(milliseconds);
    this.#windowMs += milliseconds;
    if (this.#window.length < BUDGET_WINDOW_FRAMES && this.#windowMs < BUDGET_WINDOW_MS) return false;
    const mean = this.#windowMs / this.#window.length;
    this.#window = [];
    this.#windowMs = 0;
    if (mean <= this.#budgetMs || this.atFloor) return false;
    this.#level += 1;
    return true;
  }

  /** Back to full size (the effects changed). */
  reset(): void {
    this.#level = 0;
    this.#window = [];
    this.#windowMs = 0;
    this.#all = [];
  }

  times(): FrameTimes {
    return { p50: percentile(this.#all, 0.5), p95: percentile(this.#all, 0.95), count: this.#all.length };
  }
}

function percentile(values: readonly number[], share: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(share * sorted.length))]!;
}
