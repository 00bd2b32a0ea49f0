// Voice effects on the microphone, with Web Audio: the microphone's track in,
// a processed track out (what the studio publishes while a voice effect is
// on). Pitch up and down run in an AudioWorklet (pitchShifter.worklet.ts);
// echo is a delay with feedback; the robot is ring modulation (the voice
// multiplied by a 50 Hz sine). Changing the effect rewires the nodes behind
// the same output track.
import type { VoiceId } from '../../../../signaling/protocol/index.ts';
import pitchShifterUrl from './pitchShifter.worklet.ts?worker&url';

const PITCH_RATIOS: Partial<Record<VoiceId, number>> = { 'pitch-up': 1.5, 'pitch-down': 0.75 };
const ECHO_DELAY_S = 0.22;
const ECHO_FEEDBACK = 0.4;
const ROBOT_HZ = 50;

export class VoiceEffects {
  /** The processed sound: publish this. */
  readonly track: MediaStreamTrack;
  readonly #context: AudioContext;
  readonly #input: MediaStreamAudioSourceNode;
  readonly #output: MediaStreamAudioDestinationNode;
  #nodes: AudioNode[] = [];
  #voice: VoiceId | undefined;

  private constructor(context: AudioContext, microphone: MediaStreamTrack) {
    this.#context = context;
    this.#input = context.createMediaStreamSource(new MediaStream([microphone]));
    this.#output = context.createMediaStreamDestination();
    this.track = this.#output.stream.getAudioTracks()[0]!;
  }

  /**
   * Undefined while the page may not play sound yet (no click on it so far):
   * a suspended context's track is silent, so the raw microphone goes on.
   */
  static async start(microphone: MediaStreamTrack, voice: VoiceId): Promise<VoiceEffects | undefined> {
    const context = new AudioContext({ latencyHint: 'interactive' });
    if (context.state === 'suspended') {
      await Promise.race([context.resume(), new Promise((resolve) => setTimeout(resolve, 200))]);
      if ((context.state as AudioContextState) === 'suspended') {
        await context.close();
        return undefined;
      }
    }
    try {
      await context.audioWorklet.addModule(pitchShifterUrl);
    } catch (error) {
      await context.close();
      throw error;
    }
    const effects = new VoiceEffects(context, microphone);
    effects.setVoice(voice);
    return effects;
  }

  get voice(): VoiceId | undefined {
    return this.#voice;
  }

  setVoice(voice: VoiceId): void {
    if (voice === this.#voice) return;
    this.#voice = voice;
    this.#input.disconnect();
    for (const node of this.#nodes) {
      node.disconnect();
      if (node instanceof OscillatorNode) node.stop();
    }
    this.#nodes = this.#wire(voice);
  }

  #wire(voice: VoiceId): AudioNode[] {
    const context = this.#context;
    const ratio = PITCH_RATIOS[voice];
    if (ratio !== undefined) {
      const shifter = new AudioWorkletNode(context, 'stagecast-pitch-shifter', {
        processorOptions: { ratio },
        outputChannelCount: [1],
      });
      this.#input.connect(shifter).connect(this.#output);
      return [shifter];
    }
    if (voice === 'echo') {
      const delay = new DelayNode(context, { delayTime: ECHO_DELAY_S, maxDelayTime: 1 });
      const feedback = new GainNode(context, { gain: ECHO_FEEDBACK });
      this.#input.connect(this.#output);
      this.#input.connect(delay).connect(feedback).connect(delay);
      delay.connect(this.#output);
      return [delay, feedback];
    }
    // Robot: the voice times a sine, through a gain whose gain the sine drives.
    const carrier = new OscillatorNode(context, { frequency: ROBOT_HZ });
    const ring = new GainNode(context, { gain: 0 });
    carrier.connect(ring.gain);
    carrier.start();
    this.#input.connect(ring).connect(this.#output);
    return [carrier, ring];
  }

  stop(): void {
    this.track.stop();
    void this.#context.close();
  }
}
