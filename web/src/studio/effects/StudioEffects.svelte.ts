// The studio's effects: the host's choice, the pipelines that carry it out
// (CameraEffects for the picture, VoiceEffects for the sound) and what the
// studio should send instead of the raw camera and microphone. With nothing
// on, there is no pipeline and the raw tracks are sent: no processing cost.
// When the track to send changes (a pipeline starts or stops), the studio is
// told so it can swap it in its producers and mesh links (replaceTrack, no
// renegotiation).
import {
  changesPicture,
  EFFECTS_OFF,
  type CameraEffectsStats,
  type EffectChoice,
} from '../../../../signaling/protocol/index.ts';
import { warn } from '../../lib/warn.ts';
import { CameraEffects, cameraEffectsSupported } from './CameraEffects.ts';
import { VoiceEffects } from './VoiceEffects.ts';

export interface RawTracks {
  camera: MediaStreamTrack | undefined;
  microphone: MediaStreamTrack | undefined;
}

export class StudioEffects {
  /** What is on now (raw: compared by identity, to tell a newer choice from this one). */
  choice = $state.raw<EffectChoice>(EFFECTS_OFF);
  /** Something the host should know about the effects, in words. */
  note = $state<string | undefined>();
  readonly #onSentTracksChanged: () => void;
  #camera: CameraEffects | undefined;
  #voice: VoiceEffects | undefined;
  /** A voice effect waiting for the page to be allowed to play sound (a click). */
  #voiceWaiting = false;

  constructor(onSentTracksChanged: () => void) {
    this.#onSentTracksChanged = onSentTracksChanged;
  }

  /** The picture to send: processed while effects are on, else the camera's own. */
  camera(raw: MediaStreamTrack | undefined): MediaStreamTrack | undefined {
    return this.#camera && raw ? this.#camera.track : raw;
  }

  microphone(raw: MediaStreamTrack | undefined): MediaStreamTrack | undefined {
    return this.#voice && raw ? this.#voice.track : raw;
  }

  /** Carries out `choice` on the raw tracks; tells the studio when the tracks to send changed. */
  async apply(choice: EffectChoice, raw: RawTracks): Promise<void> {
    this.choice = choice;
    this.note = undefined;
    let changed = this.#applyPicture(choice, raw.camera);
    changed = (await this.#applyVoice(choice, raw.microphone)) || changed;
    if (changed) this.#onSentTracksChanged();
  }

  stats(): CameraEffectsStats | undefined {
    return this.#camera?.stats();
  }

  /**
   * The camera or microphone went (leaving the room): everything off, nothing
   * sent from here; joining again restores the kept choice.
   */
  stop(): void {
    this.choice = EFFECTS_OFF;
    this.#camera?.stop();
    this.#camera = undefined;
    this.#voice?.stop();
    this.#voice = undefined;
  }

  #applyPicture(choice: EffectChoice, camera: MediaStreamTrack | undefined): boolean {
    if (!camera || !changesPicture(choice)) {
      if (!this.#camera) return false;
      this.#camera.stop();
      this.#camera = undefined;
      return true;
    }
    if (this.#camera?.source === camera) {
      this.#camera.setChoice(choice);
      return false;
    }
    if (!cameraEffectsSupported()) {
      this.note = 'This browser cannot change the camera picture: effects on the picture are off.';
      return false;
    }
    this.#camera?.stop();
    try {
      this.#camera = new CameraEffects(
        camera,
        choice,
        (level, atFloor, backgroundOn) => {
          this.note =
            !level.segmentation && backgroundOn
              ? 'Your device cannot keep up with the background effect: it is off until you choose it again.'
              : atFloor
                ? 'Your device is struggling with these effects even at the smallest size: turn some off for a smoother picture.'
                : `The effects run at ${Math.round(level.scale * 100)} % of the camera's size to keep up with it.`;
        },
        (message) => (this.note = message),
      );
    } catch (error) {
      this.#camera = undefined;
      this.note = `The camera effects cannot run here: ${(error as Error).message}`;
      return false;
    }
    return true;
  }

  async #applyVoice(choice: EffectChoice, microphone: MediaStreamTrack | undefined): Promise<boolean> {
    if (!microphone || !choice.voice) {
      if (!this.#voice) return false;
      this.#voice.stop();
      this.#voice = undefined;
      return true;
    }
    if (this.#voice) {
      this.#voice.setVoice(choice.voice);
      return false;
    }
    let voice: VoiceEffects | undefined;
    try {
      voice = await VoiceEffects.start(microphone, choice.voice);
    } catch (error) {
      warn('the voice effect could not start', error);
      this.note = `The voice effect cannot run here: ${(error as Error).message}`;
      return false;
    }
    // Another choice came while this one started: that one decides.
    if (this.choice !== choice) {
      voice?.stop();
      return false;
    }
    if (!voice) {
      this.note = 'Click anywhere on the page to turn your voice effect back on.';
      this.#retryVoiceOnClick(microphone);
      return false;
    }
    this.#voice = voice;
    return true;
  }

  /** Browsers let a page play (and process) sound only after a click on it. */
  #retryVoiceOnClick(microphone: MediaStreamTrack): void {
    if (this.#voiceWaiting) return;
    this.#voiceWaiting = true;
    addEventListener(
      'pointerdown',
      () => {
        this.#voiceWaiting = false;
        this.note = undefined;
        void this.#applyVoice(this.choice, microphone).then((changed) => changed && this.#onSentTracksChanged());
      },
      { once: true },
    );
  }
}
