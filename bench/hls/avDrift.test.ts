import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { pairOnsets, parseMetadataPrint, risingEdges, type TimedValue } from './avDrift.ts';
import { cameraRect, innerHalf } from './tileGeometry.ts';

test('metadata=print output becomes timed values; -inf dB is silence', () => {
  const text = [
    'frame:0    pts:0       pts_time:0',
    'lavfi.astats.Overall.RMS_level=-inf',
    'frame:1    pts:240     pts_time:0.005',
    'lavfi.astats.Overall.RMS_level=-12.5',
    'frame:2    pts:480     pts_time:0.01',
    'lavfi.other=3',
  ].join('\n');
  assert.equal(parseMetadataPrint(text, 'lavfi.astats.Overall.RMS_level'), [
    { t: 0, value: -200 },
    { t: 0.005, value: -12.5 },
  ]);
});

/** A 30 fps brightness track: dark, with a bright mark of 3 frames starting at each time in `marks`. */
function flashes(marks: number[], seconds: number): TimedValue[] {
  return Array.from({ length: seconds * 30 }, (_, frame) => {
    const t = frame / 30;
    const lit = marks.some((mark) => t >= mark - 1e-9 && t < mark + 0.1 - 1e-9);
    return { t, value: lit ? 230 : 18 + (frame % 3) };
  });
}

test('rising edges: one per mark, at the first bright frame', () => {
  assert.equal(risingEdges(flashes([1, 2, 3], 4), 60), [1, 2, 3]);
});

test('no marks when nothing swings enough (a tile that never flashes)', () => {
  assert.equal(risingEdges(flashes([], 4), 60), []);
});

test('a flicker inside one mark counts once', () => {
  const samples: TimedValue[] = [
    [0, 0],
    [0.01, 100],
    [0.02, 0],
    [0.03, 100],
    [0.5, 0],
    [1, 100],
  ].map(([t, value]) => ({ t: t!, value: value! }));
  assert.equal(risingEdges(samples, 20), [0.01, 1]);
});

test('pairs: audio − video in ms, nearest within half the interval, sign kept', () => {
  // 4 has no beep within 0.5 s (3.45 is 0.55 away); 3.45 is 3's, 450 ms late.
  assert.equal(pairOnsets([1, 2, 3, 4], [1.04, 1.98, 3.45]), [40, -20, 450]);
});

test('the mark region is the middle of the host tile camera, in the recorder layout', () => {
  // Two hosts in a grid on 1280×720: side by side 636×720 tiles (8 px gap), the camera letterboxed to 636×356 (even).
  const layout = { kind: 'grid' as const, hostIds: ['a', 'b'] };
  const camera = cameraRect(layout, { width: 1280, height: 720 }, 'b');
  assert.equal(camera, { x: 644, y: 182, width: 636, height: 356 });
  const region = innerHalf(camera!);
  assert.equal(region, { x: 802, y: 270, width: 318, height: 178 });
  assert.is(cameraRect(layout, { width: 1280, height: 720 }, 'missing'), undefined);
});

test.run();
