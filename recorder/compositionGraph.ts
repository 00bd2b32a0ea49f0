// Builds the FFmpeg filter graph that composes a session's hosts into one
// picture in the room's layout, using the same geometry as the studio
// (signaling/layout/layoutGeometry.ts), and mixes their audio. Pure: the
// recorder passes the result to `-filter_complex`.
import { computeLayout, fitInside, type LayoutKind } from '../signaling/layout/layoutGeometry.ts';

export interface CompositionInput {
  hostId: string;
  /** FFmpeg stream specifier of the host's camera, e.g. `0:v:0`; absent = camera off (a placeholder is drawn). */
  video?: string;
  /** FFmpeg stream specifier of the host's microphone, e.g. `0:a:0`; absent = muted or none. */
  audio?: string;
  /** The host's name, written on the placeholder while the camera is off. */
  label?: string;
}

export interface CompositionOptions {
  width: number;
  height: number;
  fps: number;
  layout: LayoutKind;
  /** Pinned host or active speaker: the main tile in spotlight/sidebar/pip. */
  focusHostId?: string;
  /** Pixels between tiles. Default 8. */
  gap?: number;
  /** TrueType font for names on camera-off tiles; without one, no names are drawn. */
  fontFile?: string;
  /**
   * Pace the output at real time. Default: only when no host's camera is in
   * the graph, because then nothing else paces the generated canvas. With a
   * camera the RTP input paces it, and `realtime` must stay out: it sleeps in
   * FFmpeg's only thread, the RTP sockets back up meanwhile, and FFmpeg's SDP
   * demuxer, serving the first backed-up socket first, stops reading the
   * others (the broadcast lost its audio). False: as fast as possible (the
   * `hls` bench's encode speed).
   */
  realtime?: boolean;
}

export interface CompositionGraph {
  /** The `-filter_complex` argument. */
  filter: string;
  /** Labels to `-map`. */
  videoLabel: '[vout]';
  audioLabel: '[aout]';
}

const BACKGROUND = '0x101418';
const PLACEHOLDER = '0x2a3340';
const CAMERA_ASPECT = 16 / 9;

export function buildCompositionGraph(
  inputs: readonly CompositionInput[],
  options: CompositionOptions,
): CompositionGraph {
  const { width, height, fps } = options;
  const tiles = computeLayout(
    options.layout,
    { width, height },
    inputs.map((input) => input.hostId),
    { gap: options.gap ?? 8, ...(options.focusHostId ? { focusPeerId: options.focusHostId } : {}) },
  );
  const inputByHost = new Map(inputs.map((input) => [input.hostId, input]));
  const chains: string[] = [`color=c=${BACKGROUND}:s=${width}x${height}:r=${fps}[bg0]`];
  let canvas = 'bg0';
  let step = 0;
  // Draw in z order: picture-in-picture overlays must land on top of the main tile.
  for (const tile of [...tiles].sort((a, b) => a.zIndex - b.zIndex)) {
    const input = inputByHost.get(tile.peerId)!;
    const next = `bg${++step}`;
    const { x, y, width: w, height: h } = tile.rect;
    if (input.video) {
      // Letterbox the camera inside its tile, then lay it on the canvas. A
      // stalled input keeps its last frame (eof_action=repeat) rather than
      // ending the whole stream.
      const box = fitInside({ x: 0, y: 0, width: w, height: h }, CAMERA_ASPECT);
      chains.push(
        `[${input.video}]fps=${fps},scale=${box.width}:${box.height}:force_original_aspect_ratio=decrease,` +
          `pad=${w}:${h}:(ow-iw)/2:(oh-ih)/2:color=${BACKGROUND},setsar=1[tile${step}]`,
        `[${canvas}][tile${step}]overlay=x=${x}:y=${y}:eof_action=repeat:shortest=0[${next}]`,
      );
    } else {
      const name = options.fontFile && input.label ? drawtextSafe(input.label) : '';
      const label = name
        ? `,drawtext=fontfile=${options.fontFile}:text='${name}':fontcolor=white:` +
          `fontsize=${Math.max(12, Math.round(h / 12))}:x=${x}+(${w}-text_w)/2:y=${y}+(${h}-text_h)/2`
        : '';
      chains.push(`[${canvas}]drawbox=x=${x}:y=${y}:w=${w}:h=${h}:color=${PLACEHOLDER}:t=fill${label}[${next}]`);
    }
    canvas = next;
  }
  const realtime = options.realtime ?? !inputs.some((input) => input.video);
  chains.push(`[${canvas}]format=yuv420p${realtime ? ',realtime' : ''}[vout]`);

  const audio = inputs.flatMap((input) => (input.audio ? [input.audio] : []));
  if (audio.length === 0) {
    chains.push('anullsrc=r=48000:cl=stereo[aout]');
  } else {
    // Each voice is made continuous on its own timestamps first (aresample
    // async fills gaps with silence): a silent browser sends Opus DTX, one
    // packet per 400 ms, and amix, which takes samples as they come and
    // waits for every input, would otherwise play that host at 1/20 speed and
    // hold up the whole mix (the sound stops, the muxer stalls the picture).
    // normalize=0 keeps each voice at its level however many hosts there are.
    const voices = audio.map((specifier, index) => {
      chains.push(`[${specifier}]aresample=48000:async=1,aformat=channel_layouts=stereo[voice${index}]`);
      return `[voice${index}]`;
    });
    const mixed =
      voices.length === 1
        ? `${voices[0]}anull`
        : `${voices.join('')}amix=inputs=${voices.length}:normalize=0:dropout_transition=0`;
    chains.push(`${mixed},aformat=channel_layouts=stereo[aout]`);
  }
  return { filter: chains.join(';'), videoLabel: '[vout]', audioLabel: '[aout]' };
}

/**
 * A name as drawtext can take it inside our filter graph: letters, digits,
 * spaces and a few harmless marks, at most 40 characters. Everything that
 * means something to the filter-graph parser or to drawtext (quotes,
 * backslashes, `:` `,` `;` `[` `]`, `%` expansions) is dropped rather than
 * escaped through two levels of quoting.
 */
export function drawtextSafe(name: string): string {
  return name
    .replace(/[^\p{L}\p{N} ._-]/gu, '')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 40);
}
