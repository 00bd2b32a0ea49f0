// Where the person is in a frame: MediaPipe's selfie segmentation model (the
// landscape variant, 256×144), loaded with its WebAssembly runtime from our
// own server (signaling/http/effectModelRoute.ts), never from a CDN. The
// package is a classic script that defines a global, so it is loaded with a
// script tag on first use rather than bundled; the page pays nothing until a
// host turns a background effect on.
import { EFFECT_MODEL_PATH } from '../../../../signaling/protocol/index.ts';

/** The model's input size (landscape): frames are scaled down to it first. */
export const SEGMENTATION_WIDTH = 256;
export const SEGMENTATION_HEIGHT = 144;

interface SegmentationResults {
  /** Confidence that a pixel is the person, in the alpha channel. */
  segmentationMask: ImageBitmap;
}

interface SelfieSegmentation {
  setOptions(options: { modelSelection: 0 | 1; selfieMode?: boolean }): void;
  onResults(listener: (results: SegmentationResults) => void): void;
  initialize(): Promise<void>;
  send(input: { image: ImageBitmap }): Promise<void>;
  close(): Promise<void>;
}

declare global {
  interface Window {
    SelfieSegmentation?: new (config: { locateFile: (file: string) => string }) => SelfieSegmentation;
  }
}

let scriptLoaded: Promise<void> | undefined;

function loadScript(): Promise<void> {
  scriptLoaded ??= new Promise<void>((resolve, reject) => {
    const script = document.createElement('script');
    script.src = `${EFFECT_MODEL_PATH}/selfie_segmentation.js`;
    script.onload = () => resolve();
    script.onerror = () => {
      scriptLoaded = undefined;
      reject(new Error('the background model could not be loaded'));
    };
    document.head.append(script);
  });
  return scriptLoaded;
}

export class PersonSegmenter {
  readonly #model: SelfieSegmentation;
  #latest: ImageBitmap | undefined;

  private constructor(model: SelfieSegmentation) {
    this.#model = model;
    model.onResults((results) => (this.#latest = results.segmentationMask));
  }

  static async load(): Promise<PersonSegmenter> {
    await loadScript();
    const Model = window.SelfieSegmentation;
    if (!Model) throw new Error('the background model did not start');
    const model = new Model({ locateFile: (file) => `${EFFECT_MODEL_PATH}/${file}` });
    model.setOptions({ modelSelection: 1, selfieMode: false });
    await model.initialize();
    // The first run compiles the model's shaders (seconds in software GL): here, not in a camera frame.
    const blank = await createImageBitmap(new ImageData(SEGMENTATION_WIDTH, SEGMENTATION_HEIGHT));
    await model.send({ image: blank });
    blank.close();
    return new PersonSegmenter(model);
  }

  /** The mask of `small` (a frame at the model's size); use it before the next call, which replaces it. */
  async segment(small: ImageBitmap): Promise<ImageBitmap | undefined> {
    this.#latest = undefined;
    await this.#model.send({ image: small });
    return this.#latest;
  }

  close(): void {
    void this.#model.close().catch(() => undefined);
  }
}
