// Colour looks as 3D lookup tables: for each of SIZE³ input colours, the
// colour the look turns it into. The renderer uploads a table as a 3D
// texture and the GPU interpolates between its points, so any colour
// transform (curves, channel mixing, a graded film look) costs one texture
// read per pixel. The looks are computed here rather than shipped as .cube
// files: a few lines each, no assets to serve. Pure.
import type { LookId } from '../../../../signaling/protocol/index.ts';

/** Points per axis: 17 is what most grading tools export; finer buys nothing visible here. */
export const LOOK_TABLE_SIZE = 17;

type Rgb = [number, number, number];

const luma = ([r, g, b]: Rgb) => 0.2126 * r + 0.7152 * g + 0.0722 * b;
const clamp = (value: number) => Math.min(1, Math.max(0, value));
/** More contrast around mid grey, ends kept: strength 0 is straight, 1 is smoothstep. */
const sCurve = (value: number, strength: number) => value + strength * (value * value * (3 - 2 * value) - value);
const saturate = (colour: Rgb, amount: number): Rgb => {
  const grey = luma(colour);
  return colour.map((channel) => grey + (channel - grey) * amount) as Rgb;
};

const looks: Record<LookId, (colour: Rgb) => Rgb> = {
  warm: ([r, g, b]) => [r * 1.08 + 0.03, g * 1.02 + 0.01, b * 0.86],
  cool: ([r, g, b]) => [r * 0.88, g * 0.98 + 0.01, b * 1.1 + 0.03],
  // Faded blacks, a yellow-brown cast, softer contrast.
  vintage: (colour) => {
    const [r, g, b] = saturate(colour, 0.6);
    return [0.1 + r * 0.85, 0.08 + g * 0.8, 0.06 + b * 0.62];
  },
  mono: (colour) => {
    const grey = luma(colour);
    return [grey, grey, grey];
  },
  vivid: (colour) => saturate(colour, 1.45).map((channel) => sCurve(channel, 0.25)) as Rgb,
  noir: (colour) => {
    const grey = sCurve(sCurve(luma(colour), 0.6), 0.4);
    return [grey, grey, grey];
  },
};

/**
 * The look's table as RGBA bytes, red varying fastest, then green, then
 * blue (the layout of a WebGL 3D texture: x, y, z).
 */
export function lookTable(look: LookId, size = LOOK_TABLE_SIZE): Uint8Array {
  const transform = looks[look];
  const table = new Uint8Array(size * size * size * 4);
  let offset = 0;
  for (let b = 0; b < size; b++) {
    for (let g = 0; g < size; g++) {
      for (let r = 0; r < size; r++) {
        const out = transform([r / (size - 1), g / (size - 1), b / (size - 1)]);
        table[offset++] = Math.round(clamp(out[0]) * 255);
        table[offset++] = Math.round(clamp(out[1]) * 255);
        table[offset++] = Math.round(clamp(out[2]) * 255);
        table[offset++] = 255;
      }
    }
  }
  return table;
}
