// The camera's picture with effects: frames read from the raw camera track
// (MediaStreamTrackProcessor), drawn by the EffectRenderer, written to a
// track of our own (MediaStreamTrackGenerator). That track is what the
// studio publishes and previews; changing the effects changes the shader's
// inputs, not the track, so nothing is renegotiated and no frame is missed.
//
// It never holds the camera back: the processor drops frames this loop did
// not read in time, a frame the renderer fails on goes out as it came, and
// the FrameBudget lowers the processing size when frames take longer than
// the camera's interval (the host is told, in words).
import type { CameraEffectsStats, EffectChoice } from '../../../../signaling/protocol/index.ts';
import { warn } from '../../lib/warn.ts';
import { BackgroundSource } from './BackgroundSource.ts';
import { EffectRenderer, type BackgroundInputs } from './effectRenderer.ts';
import { FrameBudget, type ProcessingLevel } from './frameBudget.ts';

/** What the guard did: the level it stepped down to, whether that is the last, whether a background was on. */
export type SlowDown = (level: ProcessingLevel, atFloor: boolean, backgroundOn: boolean) => void;

export function cameraEffectsSupported(): boolean {
  return 'MediaStreamTrackProcessor' in window && 'MediaStreamTrackGenerator' in window;
}

export class CameraEffects {
  /** The processed picture: publish and preview this. */
  readonly track: MediaStreamVideoTrack;
  readonly #source: MediaStreamTrack;
  readonly #renderer = new EffectRenderer();
  readonly #budget: FrameBudget;
  readonly #onSlowDown: SlowDown;
  readonly #background: BackgroundSource;
  #choice: EffectChoice;
  #stopped = false;
  #framesOut = 0;
  #failedBefore = false;
  #countingSince = performance.now();

  constructor(
    source: MediaStreamTrack,
    choice: EffectChoice,
    onSlowDown: SlowDown,
    onProblem: (message: string) => void,
  ) {
    this.#source = source;
    this.#choice = choice;
    this.#onSlowDown = onSlowDown;
    this.#background = new BackgroundSource(onProblem);
    this.#budget = new FrameBudget(source.getSettings().frameRate ?? 30);
    const processor = new MediaStreamTrackProcessor({ track: source });
    const generator = new MediaStreamTrackGenerator({ kind: 'video' });
    generator.contentHint = source.contentHint;
    this.track = generator;
    void this.#run(processor.readable.getReader(), generator.writable.getWriter());
  }

  setChoice(choice: EffectChoice): void {
    this.#choice = choice;
    this.#budget.reset();
    this.#framesOut = 0;
    this.#countingSince = performance.now();
  }

  stats(): CameraEffectsStats {
    const seconds = (performance.now() - this.#countingSince) / 1000;
    return {
      frameTimes: this.#budget.times(),
      scale: this.#budget.scale,
      segmentationMs: this.#background.segmentMs,
      framesOut: this.#framesOut,
      outputFps: seconds > 0 ? this.#framesOut / seconds : 0,
    };
  }

  /** Ends the processed track; the camera's own track is the caller's. */
  stop(): void {
    this.#stopped = true;
    this.track.stop();
  }

  async #run(reader: ReadableStreamDefaultReader<VideoFrame>, writer: WritableStreamDefaultWriter<VideoFrame>) {
    try {
      while (!this.#stopped) {
        const { value: frame, done } = await reader.read();
        if (done) break;
        if (this.#stopped) {
          frame.close();
          break;
        }
        await writer.write(await this.#process(frame));
        this.#framesOut += 1;
      }
    } catch (error) {
      if (!this.#stopped) warn('the camera effects stopped', error);
    } finally {
      reader.cancel().catch(() => undefined);
      writer.close().catch(() => undefined);
      this.#renderer.dispose();
      this.#background.close();
    }
  }

  /** The frame with the effects (it takes `frame` over: closed, or passed on as it is). */
  async #process(frame: VideoFrame): Promise<VideoFrame> {
    const started = performance.now();
    const { scale, segmentation } = this.#budget.current;
    const choice = this.#choice;
    const width = evenSize(frame.displayWidth * scale);
    const height = evenSize(frame.displayHeight * scale);
    let processed: VideoFrame;
    let background: BackgroundInputs | undefined;
    try {
      background = await this.#background.inputsFor(frame, choice, segmentation);
      await this.#renderer.render(frame, choice, width, height, background);
      processed = new VideoFrame(this.#renderer.canvas, {
        timestamp: frame.timestamp,
        ...(frame.duration !== null && { duration: frame.duration }),
      });
    } catch (error) {
      // Said once: a renderer that fails (a lost GL context) fails on every frame.
      if (!this.#failedBefore) warn('camera frames cannot take the effects (sent as they are)', error);
      this.#failedBefore = true;
      return frame;
    } finally {
      // The blur's small copy is this frame's alone (the mask is the model's: it keeps it).
      background?.small?.close();
    }
    frame.close();
    if (this.#budget.record(performance.now() - started)) {
      this.#onSlowDown(this.#budget.current, this.#budget.atFloor, choice.background !== null);
    }
    return processed;
  }

  get source(): MediaStreamTrack {
    return this.#source;
  }
}

/** Encoders want even sizes. */
function evenSize(value: number): number {
  return Math.max(2, Math.round(value / 2) * 2);
}
