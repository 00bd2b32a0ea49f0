// The persistent compositor's FFmpeg filter graph. Its shape never changes:
// one input per slot (a video and a sound each: a host's camera and
// microphone, or a screen share and its sound), and for every slot and each
// of two layers (tiles, then picture-in-picture on top) a box, an overlay and
// a name (drawn last, so a tag sits on top of the picture). What the audience sees is set by the filters' options —
// sizes, positions, colours, names, on/off — which start as the first scene
// and are changed at run time through the `zmq` filter (slotCommands), so a
// layout change needs no restart. Under the tiles may lie a backdrop and
// over them a logo, each a still picture fed to a slot of its own
// (pictureFrames.ts). Over all of it sits the battle overlay
// (battleOverlayGraph.ts), hidden outside battles. Pure.
import type { Rect } from '../../signaling/protocol/layoutGeometry.ts';
import { overlayFilters, overlaySettings } from './battleOverlayGraph.ts';
import type { BattleOverlay } from './battleScene.ts';
import { deskFilters, deskSettings } from './deskOverlayGraph.ts';
import { filterColour } from './filterColour.ts';
import {
  DEFAULT_THEME,
  logoBox,
  NAME_TAG_OPACITY,
  type OnScreenPicture,
  type OnScreenState,
} from '../../signaling/protocol/onScreen.ts';

/** What one slot shows; undefined = nobody in it. */
export interface SlotView {
  tile: Rect;
  /** 0: tiles; 1: drawn over them (picture-in-picture). */
  layer: 0 | 1;
  /** The camera is on (else the tile is a placeholder with the name). */
  camera: boolean;
  /**
   * The tile's name, already filter-safe (drawtextSafe): a tag in the
   * bottom-left corner over the picture (as the studio's caption), or
   * centred on the placeholder.
   */
  label?: string;
}

export type SlotScene = readonly (SlotView | undefined)[];

export interface SlotGraphOptions {
  width: number;
  height: number;
  fps: number;
  /** Slots of each kind; the SDP lists the audio slots first, then the video slots. */
  slotCount: number;
  /** Loopback TCP port of the zmq filter that takes the commands; none = a fixed scene (the encode bench). */
  commandPort?: number;
  /** FFmpeg stream specifier of a slot's input. Default: the recorder's SDP (audio slots, then video slots). */
  inputOf?: (kind: 'audio' | 'video', slot: number) => string;
  /** TrueType font for the tiles' names; without one, no names are drawn. */
  fontFile?: string;
  /** The battle overlay when the run starts (none: hidden). */
  overlay?: BattleOverlay;
  /** The producer's banner and ticker when the run starts (none: hidden). */
  onScreen?: OnScreenState;
  /** FFmpeg stream specifiers of the picture slots (the recorder's); none = no logo or backdrop (the encode bench). */
  pictureInputs?: Record<OnScreenPicture, string>;
  /** The pictures shown when the run starts (their slots carry them already). */
  picturesShown?: PicturesShown;
}

/** Which pictures are on the canvas (a picture is shown once its slot carries it), and the logo's width. */
export type PicturesShown = Record<OnScreenPicture, boolean> & { logoWidth: number };

/** Every runtime-settable option of the graph: filter instance → option → value. */
export type SlotSettings = Record<string, Record<string, string>>;

export const BACKGROUND = filterColour(DEFAULT_THEME.background);
export const PLACEHOLDER = '0x2a3340';
/** Behind a name tag on a picture, in the default theme: dark enough to read white text on any camera. */
export const TAG_BOX = `${filterColour(DEFAULT_THEME.nameTag)}@${NAME_TAG_OPACITY}`;
const LAYERS = [0, 1] as const;
/** A hidden slot's camera is scaled to this (its overlays are off anyway). */
const HIDDEN_SIZE = '16';

export function buildSlotGraph(
  scene: SlotScene,
  options: SlotGraphOptions,
): { filter: string; videoLabel: '[vout]'; audioLabel: '[aout]' } {
  const { width, height, fps, slotCount } = options;
  const inputOf = options.inputOf ?? ((kind, slot) => `0:${kind === 'audio' ? slot : slotCount + slot}`);
  const settings = {
    ...slotSettings(scene, options),
    ...overlaySettings(options.overlay, options),
    ...deskSettings(options.onScreen, { ...options, canvas: { width, height } }),
    ...(options.pictureInputs ? pictureSettings(options.picturesShown, { width, height }) : {}),
  };
  const chains: string[] = [];
  const slots = [...Array(slotCount).keys()];
  for (const k of slots) {
    // Cameras change size whenever a host's sender adapts; scale takes any
    // input size (FFmpeg runs with -reinit_filter 0) and fits it in the tile.
    chains.push(
      `[${inputOf('video', k)}]fps=${fps},${instance('scale', `s${k}`, settings, {
        force_original_aspect_ratio: 'decrease',
        force_divisible_by: '2',
        eval: 'frame',
      })},setsar=1,split=2[cam0_${k}][cam1_${k}]`,
    );
  }
  const commands = options.commandPort === undefined ? '' : `,zmq=b='tcp\\://127.0.0.1\\:${options.commandPort}'`;
  chains.push(
    `${instance('color', 'canvas', settings, { s: `${width}x${height}`, r: String(fps) })}${commands}[canvas0]`,
  );
  let canvas = 0;
  const pictures = options.pictureInputs;
  if (pictures) {
    // The backdrop: over the canvas colour, under every tile (the key frame is the canvas's size).
    chains.push(
      `[${pictures.backdrop}]fps=${fps},${PICTURE_SIZE}[picture_backdrop]`,
      `[canvas${canvas}][picture_backdrop]${instance('overlay', 'backdrop', settings, PICTURE_OVERLAY)}[canvas${++canvas}]`,
    );
  }
  for (const layer of LAYERS) {
    for (const k of slots) {
      const text = options.fontFile
        ? `,${instance('drawtext', `t${layer}_${k}`, settings, { fontfile: options.fontFile, fontcolor: 'white' })}`
        : '';
      chains.push(
        `[canvas${canvas}]${instance('drawbox', `b${layer}_${k}`, settings, { t: 'fill' })}[boxed${layer}_${k}]`,
        `[boxed${layer}_${k}][cam${layer}_${k}]${instance('overlay', `o${layer}_${k}`, settings, {
          eof_action: 'repeat',
          shortest: '0',
        })}${text}[canvas${++canvas}]`,
      );
    }
  }
  if (pictures) {
    // The logo: over the tiles, under the battle's and the desk's words; its key colour made transparent.
    chains.push(
      `[${pictures.logo}]fps=${fps},${PICTURE_SIZE},format=rgba,` +
        `colorkey=${LOGO_KEY_COLOUR}:${LOGO_KEY_SIMILARITY}:${LOGO_KEY_BLEND},${PICTURE_SIZE},format=yuva420p[picture_logo]`,
      `[canvas${canvas}][picture_logo]${instance('overlay', 'logo', settings, PICTURE_OVERLAY)}[canvas${++canvas}]`,
    );
  }
  const withText = options.fontFile !== undefined;
  const overlay = [...overlayFilters(withText), ...deskFilters(withText)].map(([name, id]) =>
    instance(
      name,
      id,
      settings,
      name === 'drawbox' ? { t: 'fill' } : { fontfile: options.fontFile!, fontcolor: 'white' },
    ),
  );
  chains.push(`[canvas${canvas}]${overlay.join(',')}[canvas${++canvas}]`);
  chains.push(`[canvas${canvas}]format=yuv420p[vout]`);

  // Every microphone slot is mixed (an empty one carries silence). Each voice
  // is made continuous on its own timestamps first (aresample async), and
  // normalize=0 keeps each voice at its level however many hosts there are.
  const voices = slots.map((k) => {
    chains.push(`[${inputOf('audio', k)}]aresample=48000:async=1,aformat=channel_layouts=stereo[voice${k}]`);
    return `[voice${k}]`;
  });
  chains.push(
    `${voices.join('')}amix=inputs=${slotCount}:normalize=0:dropout_transition=0,aformat=channel_layouts=stereo[aout]`,
  );
  return { filter: chains.join(';'), videoLabel: '[vout]', audioLabel: '[aout]' };
}

/**
 * A picture slot's frames change size (the placeholder, then the picture).
 * A scale FFmpeg inserts to convert pixel formats keeps the first frame's
 * size (it would squeeze the logo into the placeholder's 64×36), so every
 * conversion on the way to an overlay is one of these: each frame keeps its
 * size, and the overlay is told it.
 */
const PICTURE_SIZE = 'scale=w=iw:h=ih:eval=frame';
/** The picture overlays' fixed options: drawn on every frame (a picture slot always flows). */
const PICTURE_OVERLAY = { eof_action: 'repeat', shortest: '0' };
/** Behind the logo in its frame (pictureFrames.ts), made transparent here: a magenta few logos use. */
export const LOGO_KEY_COLOUR = '0xff00ff';
/** How close to the key colour a logo pixel is made transparent, and how softly (colorkey's options). */
const LOGO_KEY_SIMILARITY = '0.3';
const LOGO_KEY_BLEND = '0.1';

/**
 * The picture overlays' runtime options: each on while its picture is
 * shown; the backdrop from the top-left corner, the logo against its box's
 * right and top edges, placed by its width as its frame says (a number the
 * tests can check, rather than an expression of the overlay's).
 */
export function pictureSettings(
  shown: PicturesShown | undefined,
  canvas: { width: number; height: number },
): SlotSettings {
  const box = logoBox(canvas);
  return {
    'overlay@backdrop': { x: '0', y: '0', enable: shown?.backdrop ? '1' : '0' },
    'overlay@logo': {
      x: String(box.x + box.width - (shown?.logoWidth ?? box.width)),
      y: String(box.y),
      enable: shown?.logo ? '1' : '0',
    },
  };
}

/** The option values that draw `scene`. */
export function slotSettings(
  scene: SlotScene,
  options: Pick<SlotGraphOptions, 'slotCount' | 'fontFile' | 'onScreen'>,
): SlotSettings {
  const theme = options.onScreen?.theme ?? DEFAULT_THEME;
  const background = filterColour(theme.background);
  const tagBox = `${filterColour(theme.nameTag)}@${NAME_TAG_OPACITY}`;
  const settings: SlotSettings = { 'color@canvas': { c: background } };
  for (let k = 0; k < options.slotCount; k++) {
    const view = scene[k];
    settings[`scale@s${k}`] = view
      ? { w: String(view.tile.width), h: String(view.tile.height) }
      : { w: HIDDEN_SIZE, h: HIDDEN_SIZE };
    for (const layer of LAYERS) {
      const here = view?.layer === layer ? view : undefined;
      const { x, y, width: w, height: h } = here?.tile ?? { x: 0, y: 0, width: 16, height: 16 };
      settings[`overlay@o${layer}_${k}`] = {
        x: `${x}+(${w}-w)/2`,
        y: `${y}+(${h}-h)/2`,
        enable: here?.camera ? '1' : '0',
      };
      // Under a camera the box is only needed on the top layer, where the
      // letterbox must hide the picture beneath; a placeholder always has one.
      settings[`drawbox@b${layer}_${k}`] = {
        x: String(x),
        y: String(y),
        w: String(w),
        h: String(h),
        color: here?.camera ? background : PLACEHOLDER,
        enable: here && (!here.camera || layer === 1) ? '1' : '0',
      };
      if (options.fontFile) {
        settings[`drawtext@t${layer}_${k}`] = nameSettings(here, { x, y, width: w, height: h }, tagBox);
      }
    }
  }
  return settings;
}

/**
 * A tile's name: on a picture, a tag in the bottom-left corner on a dark box
 * (the studio's caption); on a placeholder, large in the middle.
 */
function nameSettings(view: SlotView | undefined, tile: Rect, tagBox: string): Record<string, string> {
  const { x, y, width: w, height: h } = tile;
  const label = view?.label;
  if (!view || !label) {
    return {
      text: '',
      fontsize: '12',
      x: String(x),
      y: String(y),
      box: '0',
      boxcolor: TAG_BOX,
      boxborderw: '0',
      enable: '0',
    };
  }
  if (!view.camera) {
    return {
      text: label,
      fontsize: String(Math.max(12, Math.round(h / 12))),
      x: `${x}+(${w}-text_w)/2`,
      y: `${y}+(${h}-text_h)/2`,
      box: '0',
      boxcolor: TAG_BOX,
      boxborderw: '0',
      enable: '1',
    };
  }
  const fontSize = Math.min(24, Math.max(12, Math.round(h / 16)));
  const pad = Math.max(4, Math.round(fontSize / 3));
  return {
    text: label,
    fontsize: String(fontSize),
    x: `${x}+${2 * pad}`,
    y: `${y}+${h}-text_h-${2 * pad}`,
    box: '1',
    boxcolor: tagBox,
    boxborderw: String(pad),
    enable: '1',
  };
}

/**
 * The zmq messages ("target command argument") that turn `previous` into
 * `next`; all of them when there is no previous (a new FFmpeg, or its graph
 * was rebuilt). A drawtext's text, size and place change together through
 * `reinit`; a hidden name keeps its old text.
 */
export function slotCommands(previous: SlotSettings | undefined, next: SlotSettings): string[] {
  const commands: string[] = [];
  for (const [target, options] of Object.entries(next)) {
    const before = previous?.[target];
    if (target.startsWith('drawtext@')) {
      const { enable, ...text } = options;
      const changed = Object.keys(text).some((key) => before?.[key] !== text[key]);
      if (changed && enable === '1') {
        const argument = Object.entries(text)
          .map(([key, value]) => `${key}=${key === 'text' ? optionEscaped(value) : value}`)
          .join(':');
        commands.push(`${target} reinit '${argument}'`);
      }
      if (before?.enable !== enable) commands.push(`${target} enable '${enable}'`);
      continue;
    }
    for (const [option, value] of Object.entries(options)) {
      if (before?.[option] !== value) commands.push(`${target} ${option} '${value}'`);
    }
  }
  return commands;
}

/** `name@id=option=value:…` with the scene's options first (text values quoted for the graph parser). */
function instance(name: string, id: string, settings: SlotSettings, fixed: Record<string, string>): string {
  const target = `${name}@${id}`;
  const options = Object.entries({ ...settings[target], ...fixed }).map(
    // drawtext needs some text even while hidden.
    ([option, value]) => `${option}=${option === 'text' ? `'${optionEscaped(value || '-')}'` : value}`,
  );
  return `${target}=${options.join(':')}`;
}

/**
 * A text as an option value inside a quoted filter argument or command
 * argument (the outer quotes keep it whole; inside them a backslash is
 * literal, and the options parser then reads `\:` as a colon): the clock's
 * "4:59". Texts never hold quotes (drawtextSafe, or our own words).
 */
function optionEscaped(text: string): string {
  return text.replace(/[\\:]/g, (mark) => `\\${mark}`);
}
