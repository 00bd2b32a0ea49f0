// What the renderer needs, frame by frame, to put something behind the
// person: the segmentation mask (the model runs every few frames, as often
// as it can without taking more than a third of the time: on a machine
// where it takes 100 ms, about three masks a second, and the mask between
// runs is the last one), a small copy of the frame for the blur, and the
// account's background picture. The model loads on first use; until its
// first mask the camera's own background shows.
import type { EffectChoice } from '../../../../signaling/protocol/index.ts';
import type { BackgroundInputs } from './effectRenderer.ts';
import { PersonSegmenter, SEGMENTATION_HEIGHT, SEGMENTATION_WIDTH } from './personSegmenter.ts';

/** The model runs at most this often… */
const SEGMENT_MIN_INTERVAL_MS = 66;
/** …and waits this many times its own last run before the next… */
const SEGMENT_SPACING = 3;
/** …counting a run as at most this long (one slow run must not stop the masks for long). */
const SEGMENT_RUN_CAP_MS = 300;

export class BackgroundSource {
  readonly #onProblem: (message: string) => void;
  #loading = false;
  #segmenter: PersonSegmenter | undefined;
  #nextSegmentAt = 0;
  #lastSegmentMs = 0;
  #picture: { url: string; ready: ImageBitmap | undefined; delivered: boolean } | undefined;
  /** The mode of the last frame: the renderer has one backdrop, so the picture goes again after a blur. */
  #lastMode: BackgroundInputs['mode'] | undefined;
  #closed = false;

  constructor(onProblem: (message: string) => void) {
    this.#onProblem = onProblem;
  }

  /** The inputs for this frame; undefined when nothing is to go behind the person (or the model is off). */
  async inputsFor(
    frame: VideoFrame,
    choice: EffectChoice,
    modelAllowed: boolean,
  ): Promise<BackgroundInputs | undefined> {
    const mode = choice.background;
    if (mode !== this.#lastMode && mode === 'image' && this.#picture) this.#picture.delivered = false;
    this.#lastMode = mode ?? undefined;
    if (!mode || !modelAllowed) return undefined;
    this.#load();
    const inputs: BackgroundInputs = { mode };
    if (mode === 'image') {
      const picture = this.#pictureFor(choice.backgroundImage);
      if (picture) inputs.picture = picture;
    }
    const segmentNow = this.#segmenter !== undefined && performance.now() >= this.#nextSegmentAt;
    if (mode === 'blur' || segmentNow) {
      const small = await createImageBitmap(frame, {
        resizeWidth: SEGMENTATION_WIDTH,
        resizeHeight: SEGMENTATION_HEIGHT,
      });
      if (mode === 'blur') inputs.small = small;
      if (segmentNow) {
        const mask = await this.#segment(this.#segmenter!, small);
        if (mask) inputs.mask = mask;
      }
      if (mode !== 'blur') small.close();
    }
    return inputs;
  }

  /** The last run of the model, ms (0 before it ran). */
  get segmentMs(): number {
    return this.#lastSegmentMs;
  }

  close(): void {
    this.#closed = true;
    this.#segmenter?.close();
    this.#segmenter = undefined;
    this.#picture?.ready?.close();
  }

  /** Starts loading the model (once); frames go on with the camera's background meanwhile. */
  #load(): void {
    if (this.#loading) return;
    this.#loading = true;
    PersonSegmenter.load().then(
      (segmenter) => {
        if (this.#closed) segmenter.close();
        else this.#segmenter = segmenter;
      },
      (error: unknown) => this.#onProblem(`The background effect cannot run here: ${(error as Error).message}.`),
    );
  }

  async #segment(segmenter: PersonSegmenter, small: ImageBitmap): Promise<ImageBitmap | undefined> {
    const started = performance.now();
    const mask = await segmenter.segment(small);
    this.#lastSegmentMs = performance.now() - started;
    this.#nextSegmentAt =
      performance.now() +
      Math.max(SEGMENT_MIN_INTERVAL_MS, SEGMENT_SPACING * Math.min(this.#lastSegmentMs, SEGMENT_RUN_CAP_MS));
    return mask;
  }

  /** The picture once it has loaded, the first time only (the renderer keeps it). */
  #pictureFor(url: string | null): ImageBitmap | undefined {
    if (!url) return undefined;
    if (this.#picture?.url !== url) {
      this.#picture?.ready?.close();
      const picture: { url: string; ready: ImageBitmap | undefined; delivered: boolean } = {
        url,
        ready: undefined,
        delivered: false,
      };
      this.#picture = picture;
      fetch(url)
        .then(async (response) => {
          if (!response.ok) throw new Error(`HTTP ${response.status}`);
          picture.ready = await createImageBitmap(await response.blob());
        })
        .catch((error: unknown) =>
          this.#onProblem(`Your background picture could not be loaded: ${(error as Error).message}.`),
        );
    }
    const picture = this.#picture;
    if (!picture.ready || picture.delivered) return undefined;
    picture.delivered = true;
    return picture.ready;
  }
}
