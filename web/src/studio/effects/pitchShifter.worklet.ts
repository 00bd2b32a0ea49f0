// An AudioWorklet that shifts pitch by a ratio (1.5: up a fifth; 0.75: down
// a fourth) without changing speed: two read heads sweep a delay line at
// `ratio` times the write speed, half a window apart, and a triangular
// crossfade hides each head's jump back (the classic delay-line shifter).
// Runs on the audio thread; bundled as its own file (`?worker&url`).
export {};

/** Window of the sweep in seconds: longer is smoother but smears more. */
const WINDOW_S = 0.04;

interface ProcessorOptions {
  ratio: number;
}

class PitchShifter extends AudioWorkletProcessor {
  readonly #ratio: number;
  readonly #window: number;
  readonly #buffer: Float32Array;
  #write = 0;
  #phase = 0;

  constructor(options: { processorOptions: ProcessorOptions }) {
    super();
    this.#ratio = options.processorOptions.ratio;
    this.#window = Math.round(WINDOW_S * sampleRate);
    this.#buffer = new Float32Array(this.#window * 2 + 2);
  }

  process(inputs: Float32Array[][], outputs: Float32Array[][]): boolean {
    const input = inputs[0]?.[0];
    const output = outputs[0];
    if (!output) return true;
    const buffer = this.#buffer;
    const length = buffer.length;
    const step = (1 - this.#ratio) / this.#window;
    const samples = output[0]?.length ?? 0;
    for (let index = 0; index < samples; index++) {
      buffer[this.#write] = input?.[index] ?? 0;
      this.#phase = (this.#phase + step + 1) % 1;
      const second = (this.#phase + 0.5) % 1;
      const value =
        this.#read(this.#phase * this.#window, length) * (1 - Math.abs(2 * this.#phase - 1)) +
        this.#read(second * this.#window, length) * (1 - Math.abs(2 * second - 1));
      for (const channel of output) channel[index] = value;
      this.#write = (this.#write + 1) % length;
    }
    return true;
  }

  /** The sample `delay` samples behind the write head, interpolated. */
  #read(delay: number, length: number): number {
    const position = (this.#write - delay + length) % length;
    const before = Math.floor(position);
    const fraction = position - before;
    return this.#buffer[before]! * (1 - fraction) + this.#buffer[(before + 1) % length]! * fraction;
  }
}

registerProcessor('stagecast-pitch-shifter', PitchShifter);
