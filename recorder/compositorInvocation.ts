// The compositor's FFmpeg command line for one run: the SDP of its slot
// inputs (rtpInputSdp.ts), the slot graph starting at the current scene
// (slots/slotGraph.ts) and the ladder's outputs (hlsOutputArgs.ts). Pure.
import type { CompositorInvocation } from './CompositorProcessTypes.ts';
import { hlsOutputArgs, type Rendition } from './hlsOutputArgs.ts';
import { rtpInputSdp, type SdpStream } from './rtpInputSdp.ts';
import { LOSS_WAIT_MS } from './slots/SlotFeed.ts';
import type { BattleOverlay } from './slots/battleScene.ts';
import { ON_SCREEN_PICTURES, type OnScreenPicture, type OnScreenState } from '../signaling/protocol/onScreen.ts';
import { buildSlotGraph, type PicturesShown, type SlotScene } from './slots/slotGraph.ts';

/** The slot relay sends every microphone slot with this payload type... */
export const AUDIO_PAYLOAD_TYPE = 111;
/** ...and every camera slot with this one. */
export const VIDEO_PAYLOAD_TYPE = 96;
/**
 * How long FFmpeg studies its RTP inputs before composing (µs). Its default,
 * 5 s, would delay the first segment; every slot carries filler key frames
 * from the first packet, so this is plenty.
 */
export const PROBE_US = 500_000;
/**
 * How long FFmpeg waits for late (repaired) packets (µs): a little longer
 * than the relay does before it gives a camera up for lost (slots/SlotFeed.ts).
 */
export const RTP_MAX_DELAY_US = (LOSS_WAIT_MS + 50) * 1000;

export interface CompositorInvocationOptions {
  /** What the slots show when the run starts (later changes go through the zmq filter). */
  scene: SlotScene;
  /** Slots of each kind. */
  slotCount: number;
  /** One RTP port per slot: the microphone slots, then the camera slots, then the picture slots. */
  inputPorts: readonly number[];
  /** TCP port of the graph's zmq filter. */
  commandPort: number;
  /** Run number: its init and media segments carry it (hlsOutputArgs.ts). */
  generation: number;
  /** Where the SDP is written (the args read it from there). */
  sdpFile: string;
  fps: number;
  segmentSeconds: number;
  /** Length of an LL-HLS part. */
  partSeconds: number;
  /** Best first; the canvas is composed at the first one's size. */
  renditions: readonly Rendition[];
  /** TrueType font for names on camera-off tiles. */
  fontFile?: string;
  /** The battle overlay when the run starts (none: hidden; later changes go through the zmq filter). */
  overlay?: BattleOverlay;
  /** The producer's banner and ticker when the run starts (later changes go through the zmq filter). */
  onScreen?: OnScreenState;
  /**
   * The picture slots (a video input each, after the camera slots, in
   * ON_SCREEN_PICTURES order) and which pictures they show when the run
   * starts; none = no pictures.
   */
  pictures?: PicturesShown;
}

/**
 * The slot inputs in SDP order. Audio first: FFmpeg's SDP demuxer serves its
 * sockets in SDP order, so when it falls behind (a busy encoder) a backlog of
 * video starves every stream listed after it. The microphones are small and
 * cannot starve the cameras, the other way round they can (the broadcast
 * loses its sound).
 */
export function slotInputStreams(inputPorts: readonly number[], slotCount: number, pictureSlots = 0): SdpStream[] {
  const needed = 2 * slotCount + pictureSlots;
  if (inputPorts.length !== needed) {
    throw new Error(`the compositor needs ${needed} input ports, got ${inputPorts.length}`);
  }
  return inputPorts.map((port, index) =>
    index < slotCount
      ? {
          kind: 'audio',
          port,
          rtpParameters: {
            codecs: [{ mimeType: 'audio/opus', payloadType: AUDIO_PAYLOAD_TYPE, clockRate: 48000, channels: 2 }],
          },
        }
      : {
          kind: 'video',
          port,
          rtpParameters: { codecs: [{ mimeType: 'video/VP8', payloadType: VIDEO_PAYLOAD_TYPE, clockRate: 90000 }] },
        },
  );
}

export function compositorInvocation(options: CompositorInvocationOptions): CompositorInvocation {
  const { fps, segmentSeconds, partSeconds, renditions, slotCount, pictures } = options;
  const canvas = renditions[0];
  if (!canvas) throw new Error('the compositor needs at least one rendition');
  const pictureInputs = pictures
    ? (Object.fromEntries(
        ON_SCREEN_PICTURES.map((picture, index) => [picture, `0:${2 * slotCount + index}`]),
      ) as Record<OnScreenPicture, string>)
    : undefined;
  const graph = buildSlotGraph(options.scene, {
    width: canvas.width,
    height: canvas.height,
    fps,
    slotCount,
    commandPort: options.commandPort,
    ...(options.fontFile ? { fontFile: options.fontFile } : {}),
    ...(options.overlay ? { overlay: options.overlay } : {}),
    ...(options.onScreen ? { onScreen: options.onScreen } : {}),
    ...(pictureInputs ? { pictureInputs, picturesShown: pictures } : {}),
  });
  const output = hlsOutputArgs(graph.videoLabel, graph.audioLabel, { renditions, fps, segmentSeconds, partSeconds });
  const args = [
    // Errors only: cameras change size all the time (the senders adapt),
    // and FFmpeg would warn about it on every frame.
    ...['-hide_banner', '-loglevel', 'error', '-nostdin'],
    ...['-protocol_whitelist', 'file,udp,rtp', '-fflags', '+genpts', '-reorder_queue_size', '64'],
    ...['-analyzeduration', String(PROBE_US)],
    ...['-max_delay', String(RTP_MAX_DELAY_US)],
    // A camera changing size must not rebuild the graph (that would lose
    // the runtime layout and restart the canvas clock): scale takes any size.
    ...['-reinit_filter', '0'],
    ...['-i', options.sdpFile],
    ...['-filter_complex', `${graph.filter};${output.filterSuffix}`],
    ...output.args,
  ];
  return {
    args,
    outputPipes: output.outputCount,
    inputSdp: {
      file: options.sdpFile,
      text: rtpInputSdp(slotInputStreams(options.inputPorts, slotCount, pictureInputs ? ON_SCREEN_PICTURES.length : 0)),
    },
  };
}
