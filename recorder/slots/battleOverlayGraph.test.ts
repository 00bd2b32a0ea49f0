// The battle overlay's filter options: hidden outside battles, the bar's two
// boxes meet at the split, the words placed on their bands; and the real
// FFmpeg draws it (a graph started mid-battle: the bar's colours either side
// of the split, the clock's "m:ss" written).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { colourDistance, rgbOf, type Rgb } from '../../testkit/frameColours.ts';
import { resolveFfmpeg } from '../ffmpegBinary.ts';
import { labelFont } from '../labelFont.ts';
import { OPPONENT_BAR_COLOUR, OWN_BAR_COLOUR, overlayFilters, overlaySettings } from './battleOverlayGraph.ts';
import { battleOverlayOf, battleSceneOf, type BattleHud } from './battleScene.ts';
import { SLOT_COUNT } from './compositionScene.ts';
import { buildSlotGraph, slotCommands } from './slotGraph.ts';

const run = promisify(execFile);
const FONT = '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf';
const canvas = { width: 640, height: 360 };
const hud: BattleHud = {
  ownName: 'Alice',
  opponentName: 'Bob',
  phase: 'live',
  startsAt: 0,
  endsAt: 300_000,
  winner: null,
};

test('outside a battle every part of the overlay is hidden; without a font only the bar exists', () => {
  const hidden = overlaySettings(undefined, { fontFile: FONT });
  assert.equal(
    Object.keys(hidden),
    overlayFilters(true).map(([name, id]) => `${name}@${id}`),
  );
  for (const [target, options] of Object.entries(hidden)) assert.is(options.enable, '0', target);
  assert.equal(Object.keys(overlaySettings(undefined, {})), ['drawbox@bar_own', 'drawbox@bar_opponent']);
});

test("the bar's boxes meet at the split; the words sit on their bands", () => {
  const overlay = battleOverlayOf(hud, [300, 100], 60_000, canvas);
  const settings = overlaySettings(overlay, { fontFile: FONT });
  const bar = overlay.scoreBar;
  assert.equal(settings['drawbox@bar_own'], {
    x: '0',
    y: String(bar.y),
    w: String(overlay.split),
    h: String(bar.height),
    color: OWN_BAR_COLOUR,
    enable: '1',
  });
  assert.equal(settings['drawbox@bar_opponent'], {
    x: String(overlay.split),
    y: String(bar.y),
    w: String(bar.width - overlay.split),
    h: String(bar.height),
    color: OPPONENT_BAR_COLOUR,
    enable: '1',
  });
  assert.equal([settings['drawtext@hud_clock']!.text, settings['drawtext@hud_clock']!.enable], ['4:00', '1']);
  assert.equal(
    ['own_score', 'opponent_score', 'own_name', 'opponent_name'].map((id) => settings[`drawtext@hud_${id}`]!.text),
    ['300', '100', 'Alice', 'Bob'],
  );
  assert.match(settings['drawtext@hud_opponent_score']!.x!, /-text_w$/, 'right-aligned at the bar end');
  assert.is(settings['drawtext@hud_banner_own']!.enable, '0', 'no banner while live');
  // A tick changes only the clock; a score only the bar and its numbers.
  const tick = slotCommands(
    settings,
    overlaySettings(battleOverlayOf(hud, [300, 100], 61_000, canvas), { fontFile: FONT }),
  );
  assert.equal(tick, [
    "drawtext@hud_clock reinit 'text=3\\:59:fontsize=17:x=0+(640-text_w)/2:y=0+(28-text_h)/2:box=0:boxcolor=0x000000@0.55:boxborderw=0'",
  ]);
  const gift = slotCommands(
    settings,
    overlaySettings(battleOverlayOf(hud, [300, 300], 60_000, canvas), { fontFile: FONT }),
  );
  assert.equal(
    gift.map((command) => command.split(' ').slice(0, 2).join(' ')),
    ['drawbox@bar_own w', 'drawbox@bar_opponent x', 'drawbox@bar_opponent w', 'drawtext@hud_opponent_score reinit'],
  );
});

test('the result banners: a word on each side', () => {
  const settings = overlaySettings(
    battleOverlayOf({ ...hud, phase: 'result', winner: 'opponent' }, [1, 2], 301_000, canvas),
    {
      fontFile: FONT,
    },
  );
  assert.equal(
    [settings['drawtext@hud_banner_own']!.text, settings['drawtext@hud_banner_opponent']!.text],
    ['LOSE', 'WIN'],
  );
  assert.is(settings['drawtext@hud_banner_own']!.box, '1');
  assert.is(settings['drawtext@hud_clock']!.text, 'Battle over');
});

test('the real FFmpeg draws a graph started mid-battle: the bar split at the scores, the clock written', async () => {
  const fontFile = labelFont();
  assert.ok(fontFile, 'a font (DejaVu) is installed');
  const overlay = battleOverlayOf(hud, [100, 300], 61_000, canvas);
  const graph = buildSlotGraph(battleSceneOf({ own: [], opponent: [] }, new Map(), canvas, SLOT_COUNT), {
    ...canvas,
    fps: 15,
    slotCount: SLOT_COUNT,
    fontFile,
    overlay,
    inputOf: (kind) => (kind === 'video' ? '0:v' : '1:a'),
  });
  const { stdout } = await run(
    resolveFfmpeg(),
    [
      ...['-hide_banner', '-loglevel', 'error', '-nostdin'],
      ...['-f', 'lavfi', '-i', 'color=c=black:size=64x36:rate=15'],
      ...['-f', 'lavfi', '-i', 'anullsrc=r=48000:cl=stereo'],
      ...[
        '-filter_complex',
        `${graph.filter};${graph.audioLabel}anullsink`,
        '-map',
        graph.videoLabel,
        '-frames:v',
        '1',
      ],
      ...['-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'],
    ],
    { encoding: 'buffer', maxBuffer: 4 << 20 },
  );
  assert.is(stdout.length, canvas.width * canvas.height * 3);
  const pixel = (x: number, y: number): Rgb => {
    const at = (y * canvas.width + x) * 3;
    return [stdout[at]!, stdout[at + 1]!, stdout[at + 2]!];
  };
  const barY = overlay.scoreBar.y + overlay.scoreBar.height / 2;
  assert.is(overlay.split, 160, 'a quarter for 100 against 300');
  // Away from the numbers at the ends.
  assert.ok(colourDistance(pixel(120, barY), rgbOf(OWN_BAR_COLOUR)) <= 8, JSON.stringify(pixel(120, barY)));
  assert.ok(colourDistance(pixel(200, barY), rgbOf(OPPONENT_BAR_COLOUR)) <= 8, JSON.stringify(pixel(200, barY)));
  // The clock "3:59" in white around the band's centre.
  let white = 0;
  for (let y = 0; y < overlay.timer.height; y++) {
    for (let x = 290; x < 350; x++) if (Math.min(...pixel(x, y)) > 200) white++;
  }
  assert.ok(white > 40, `white pixels of the clock: ${white}`);
});

test.run();
