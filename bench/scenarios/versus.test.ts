import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { substreamForTile } from '../janus/janusTarget.ts';
import { ratio, slope } from './versus.ts';

test('slope: what one more consumer costs, whatever the fixed cost', () => {
  assert.is(
    slope([
      [32, 8 + 3.2],
      [64, 8 + 6.4],
      [96, 8 + 9.6],
    ]),
    0.1,
  );
  assert.is(slope([[32, 8]]), null, 'one step says nothing about the slope');
  assert.is(
    slope([
      [32, 8],
      [32, 9],
    ]),
    null,
  );
});

test('ratio: Stagecast ÷ Janus, null when either side is missing or zero', () => {
  assert.is(ratio(0.2, 0.1), 2);
  assert.is(ratio(null, 0.1), null);
  assert.is(ratio(0.2, 0), null);
});

test('the tile height picks the Janus substream as it picks the layer on Stagecast', () => {
  const heights = [180, 360, 720];
  assert.is(substreamForTile(180, heights), 0);
  assert.is(substreamForTile(181, heights), 1);
  assert.is(substreamForTile(360, heights), 1);
  assert.is(substreamForTile(1080, heights), 2, 'bigger than every layer: the top one');
  assert.is(substreamForTile(0, heights), 0);
});

test.run();
