import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { lookIds } from '../../../../signaling/protocol/index.ts';
import { lookTable, LOOK_TABLE_SIZE } from './lookTables.ts';

const size = LOOK_TABLE_SIZE;
/** The table's colour for the input point (r, g, b), 0…size-1 each. */
function at(table: Uint8Array, r: number, g: number, b: number): number[] {
  const offset = ((b * size + g) * size + r) * 4;
  return [...table.subarray(offset, offset + 3)];
}

test('every look fills the whole table, opaque', () => {
  for (const look of lookIds) {
    const table = lookTable(look);
    assert.is(table.length, size ** 3 * 4, look);
    for (let offset = 3; offset < table.length; offset += 4) assert.is(table[offset], 255);
  }
});

test('black and white and noir: grey everywhere; noir has more contrast', () => {
  for (const look of ['mono', 'noir'] as const) {
    const table = lookTable(look);
    for (const [r, g, b] of [
      [16, 0, 0],
      [0, 16, 0],
      [3, 9, 14],
    ] as const) {
      const [red, green, blue] = at(table, r, g, b);
      assert.ok(red === green && green === blue, `${look} ${r},${g},${b}`);
    }
  }
  const darkGrey = 5;
  assert.ok(
    at(lookTable('noir'), darkGrey, darkGrey, darkGrey)[0]! < at(lookTable('mono'), darkGrey, darkGrey, darkGrey)[0]!,
  );
});

test('warm leans red, cool leans blue, on a mid grey', () => {
  const mid = (size - 1) / 2;
  const [warmRed, , warmBlue] = at(lookTable('warm'), mid, mid, mid);
  const [coolRed, , coolBlue] = at(lookTable('cool'), mid, mid, mid);
  assert.ok(warmRed! > warmBlue! + 20, `warm ${warmRed} ${warmBlue}`);
  assert.ok(coolBlue! > coolRed! + 20, `cool ${coolRed} ${coolBlue}`);
});

test('vivid spreads the channels of a muted colour further apart', () => {
  const muted = [10, 8, 6] as const;
  const spread = (colour: number[]) => Math.max(...colour) - Math.min(...colour);
  const input = muted.map((point) => Math.round((point / (size - 1)) * 255));
  assert.ok(spread(at(lookTable('vivid'), ...muted)) > spread(input) * 1.3);
});

test.run();
