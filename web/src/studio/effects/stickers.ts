// Stickers and frames: drawn once per processing size on a transparent
// canvas, which the renderer lays over every frame. Static drawings in
// Canvas 2D (no image files to serve or license), scaled to the picture.
import type { StickerId } from '../../../../signaling/protocol/index.ts';

type Context = OffscreenCanvasRenderingContext2D;

function heart(context: Context, x: number, y: number, size: number, colour: string): void {
  context.save();
  context.translate(x, y);
  context.scale(size / 32, size / 32);
  context.beginPath();
  context.moveTo(0, 10);
  context.bezierCurveTo(0, 4, -10, -6, -16, 2);
  context.bezierCurveTo(-22, 10, -10, 22, 0, 28);
  context.bezierCurveTo(10, 22, 22, 10, 16, 2);
  context.bezierCurveTo(10, -6, 0, 4, 0, 10);
  context.fillStyle = colour;
  context.fill();
  context.restore();
}

function sparkle(context: Context, x: number, y: number, size: number): void {
  context.save();
  context.translate(x, y);
  context.beginPath();
  for (let point = 0; point < 8; point++) {
    const radius = point % 2 === 0 ? size : size * 0.22;
    const angle = (point * Math.PI) / 4;
    context.lineTo(Math.cos(angle) * radius, Math.sin(angle) * radius);
  }
  context.closePath();
  context.fillStyle = '#fff4b0';
  context.shadowColor = '#ffd24a';
  context.shadowBlur = size * 0.6;
  context.fill();
  context.restore();
}

const drawings: Record<StickerId, (context: Context, width: number, height: number) => void> = {
  hearts: (context, width, height) => {
    const unit = Math.min(width, height) / 9;
    heart(context, width - unit * 1.2, unit * 0.6, unit, '#ff4d6d');
    heart(context, width - unit * 2.3, unit * 1.2, unit * 0.7, '#ff8fa3');
    heart(context, unit * 1.1, height - unit * 1.6, unit * 0.9, '#ff4d6d');
    heart(context, unit * 2.1, height - unit * 1.1, unit * 0.55, '#ffb3c1');
  },
  sparkles: (context, width, height) => {
    const unit = Math.min(width, height) / 14;
    for (const [x, y, size] of [
      [0.08, 0.1, 1],
      [0.22, 0.06, 0.6],
      [0.78, 0.08, 0.8],
      [0.92, 0.16, 1.1],
      [0.12, 0.86, 0.7],
      [0.88, 0.88, 0.9],
    ] as const) {
      sparkle(context, x * width, y * height, unit * size);
    }
  },
  'golden-frame': (context, width, height) => {
    const border = Math.round(Math.min(width, height) * 0.045);
    const gold = context.createLinearGradient(0, 0, width, height);
    gold.addColorStop(0, '#8a6d1d');
    gold.addColorStop(0.3, '#f5d77a');
    gold.addColorStop(0.55, '#b8922e');
    gold.addColorStop(0.8, '#f8e39a');
    gold.addColorStop(1, '#7d6116');
    context.fillStyle = gold;
    context.beginPath();
    context.rect(0, 0, width, height);
    context.roundRect(border, border, width - 2 * border, height - 2 * border, border);
    context.fill('evenodd');
  },
};

/** The sticker at this size on a transparent canvas, ready to upload as a texture. */
export function drawSticker(sticker: StickerId, width: number, height: number): OffscreenCanvas {
  const canvas = new OffscreenCanvas(width, height);
  const context = canvas.getContext('2d');
  if (!context) throw new Error('no 2D canvas for stickers');
  drawings[sticker](context, width, height);
  return canvas;
}
