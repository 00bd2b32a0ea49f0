// Who sits in which compositor slot, and what each slot shows. A slot is
// wired to one host's camera and microphone for as long as that host is on
// stage: if a host moved slot when someone else left, the relay would re-route
// their media and FFmpeg would show filler until their next key frame. The
// layout itself must only move pictures between the slots.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { computeLayout, stageEntries, stageFocus } from '../../signaling/protocol/layoutGeometry.ts';
import {
  assignSlots,
  assignStageSlots,
  HOST_SLOTS,
  SCREEN_SLOTS,
  SLOT_COUNT,
  sceneOf,
  type SceneHost,
} from './compositionScene.ts';
import type { SlotView } from './slotGraph.ts';

const SLOTS = 4;
const CANVAS = { width: 1280, height: 720 };

function seatsOf(entries: Record<string, number>): Map<string, number> {
  return new Map(Object.entries(entries));
}

function hosts(...hostIds: string[]): SceneHost[] {
  return hostIds.map((hostId) => ({ hostId, camera: true }));
}

// ---- assignSlots ----

test('the first hosts take the slots in order', () => {
  assert.equal(assignSlots(new Map(), ['a', 'b', 'c'], SLOTS), seatsOf({ a: 0, b: 1, c: 2 }));
});

test('hosts keep their slot when others leave', () => {
  const before = seatsOf({ a: 0, b: 1, c: 2, d: 3 });
  assert.equal(assignSlots(before, ['a', 'c', 'd'], SLOTS), seatsOf({ a: 0, c: 2, d: 3 }));
  assert.equal(assignSlots(before, ['d'], SLOTS), seatsOf({ d: 3 }), 'not moved down to slot 0');
});

test('a newcomer takes the lowest free slot', () => {
  const before = seatsOf({ a: 0, c: 2 });
  assert.equal(assignSlots(before, ['a', 'c', 'e'], SLOTS), seatsOf({ a: 0, c: 2, e: 1 }));
  assert.equal(assignSlots(before, ['a', 'c', 'e', 'f'], SLOTS), seatsOf({ a: 0, c: 2, e: 1, f: 3 }));
});

test('a newcomer listed before seated hosts does not take their slot', () => {
  // The stage order puts the newcomer first; the seated hosts still own slots 0 and 1.
  assert.equal(assignSlots(seatsOf({ a: 0, b: 1 }), ['z', 'b', 'a'], SLOTS), seatsOf({ z: 2, b: 1, a: 0 }));
});

test('reordering the stage moves nobody', () => {
  const before = seatsOf({ a: 0, b: 1, c: 2 });
  assert.equal(assignSlots(before, ['c', 'a', 'b'], SLOTS), before);
});

test('a host who left and came back is a newcomer: the lowest free slot, not the old one', () => {
  const afterLeaving = assignSlots(seatsOf({ a: 0, b: 1, c: 2 }), ['b', 'c'], SLOTS);
  assert.equal(assignSlots(afterLeaving, ['b', 'c', 'a'], SLOTS), seatsOf({ b: 1, c: 2, a: 0 }));
  const afterOthersCame = assignSlots(afterLeaving, ['b', 'c', 'x'], SLOTS);
  assert.equal(assignSlots(afterOthersCame, ['b', 'c', 'x', 'a'], SLOTS), seatsOf({ b: 1, c: 2, x: 0, a: 3 }));
});

test('more hosts than slots throws; exactly as many fit', () => {
  assert.throws(() => assignSlots(new Map(), ['a', 'b', 'c', 'd', 'e'], SLOTS), RangeError);
  assert.throws(() => assignSlots(seatsOf({ a: 0 }), ['a', 'b'], 1), RangeError);
  const full = assignSlots(seatsOf({ c: 1 }), ['a', 'b', 'c', 'd'], SLOTS);
  assert.equal(full, seatsOf({ c: 1, a: 0, b: 2, d: 3 }));
});

test('a seat beyond a smaller slot count is given up for a free one', () => {
  assert.equal(assignSlots(seatsOf({ a: 5, b: 0 }), ['a', 'b'], SLOTS), seatsOf({ b: 0, a: 1 }));
  assert.equal(assignSlots(seatsOf({ a: SLOTS }), ['a'], SLOTS), seatsOf({ a: 0 }), 'slot numbers start at 0');
});

test('nobody on stage leaves every slot free', () => {
  assert.equal(assignSlots(seatsOf({ a: 0 }), [], SLOTS), new Map());
});

test('the previous seating is not changed', () => {
  const before = seatsOf({ a: 0, b: 1 });
  assignSlots(before, ['b', 'c'], SLOTS);
  assert.equal(before, seatsOf({ a: 0, b: 1 }));
});

test('through any churn of joins and leaves, seats stay distinct and in range, and stayers never move', () => {
  // A fixed pseudo-random sequence (Park–Miller), so a failure repeats.
  let state = 12345;
  const random = () => (state = (state * 48_271) % 2_147_483_647) / 2_147_483_647;
  const pool = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
  let seats = new Map<string, number>();
  for (let round = 0; round < 500; round++) {
    const onStage = pool.filter(() => random() < 0.45).slice(0, SLOTS);
    // Shuffle: the stage order must not matter.
    onStage.sort(() => random() - 0.5);
    const next = assignSlots(seats, onStage, SLOTS);
    assert.equal([...next.keys()].sort(), [...onStage].sort(), `round ${round}: one seat per host on stage`);
    const taken = [...next.values()];
    assert.is(new Set(taken).size, taken.length, `round ${round}: two hosts in one slot`);
    assert.ok(
      taken.every((seat) => Number.isInteger(seat) && seat >= 0 && seat < SLOTS),
      `round ${round}: ${taken}`,
    );
    for (const [hostId, seat] of next) {
      if (seats.has(hostId)) assert.is(seat, seats.get(hostId), `round ${round}: ${hostId} moved`);
    }
    seats = next;
  }
});

// ---- screens: slots of their own, the main tile outside grid ----

const stage = (...hosts: [string, boolean?][]) =>
  stageEntries(hosts.map(([hostId, sharingScreen = false]) => ({ hostId, sharingScreen })));

test('the compositor has a slot per host and per screen the stage shows', () => {
  assert.equal([HOST_SLOTS, SCREEN_SLOTS, SLOT_COUNT], [9, 2, 11]);
});

test('screens sit in the screen slots after the host slots, and keep them while shown', () => {
  const first = assignStageSlots(new Map(), stage(['a'], ['b', true]), HOST_SLOTS, SCREEN_SLOTS);
  assert.equal(first, seatsOf({ a: 0, b: 1, 'b:screen': 9 }));
  // A second sharer takes the other screen slot; the first keeps theirs, and nobody's camera moves.
  const second = assignStageSlots(first, stage(['c', true], ['a'], ['b', true]), HOST_SLOTS, SCREEN_SLOTS);
  assert.equal(second, seatsOf({ c: 2, a: 0, b: 1, 'b:screen': 9, 'c:screen': 10 }));
  // The first stops sharing: the slot is free for the next share.
  const third = assignStageSlots(second, stage(['c', true], ['a', true], ['b']), HOST_SLOTS, SCREEN_SLOTS);
  assert.equal(third, seatsOf({ c: 2, a: 0, b: 1, 'c:screen': 10, 'a:screen': 9 }));
});

test('spotlight with a shared screen: the screen slot shows the main area, the sharer small', () => {
  const entries = stage(['a'], ['b', true]);
  const seats = assignStageSlots(new Map(), entries, HOST_SLOTS, SCREEN_SLOTS);
  const tiles = entries.map((entry): SceneHost => ({ hostId: entry.key, camera: true }));
  const focus = stageFocus(entries, null, 'a');
  const scene = sceneOf(
    { hosts: tiles, layout: 'spotlight', ...(focus ? { focusHostId: focus } : {}) },
    seats,
    CANVAS,
    SLOT_COUNT,
  );
  const area = (view: SlotView | undefined) => view!.tile.width * view!.tile.height;
  assert.equal(scene[9]!.tile, { x: 0, y: 0, width: CANVAS.width, height: 560 });
  assert.ok(area(scene[1]) * 8 < area(scene[9]), 'the sharer is a thumbnail');
  assert.ok(area(scene[0]) * 8 < area(scene[9]));
  assert.is(scene[10], undefined);
});

// ---- sceneOf ----

test("each host's picture goes to the host's slot, not to its place in the stage order", () => {
  const seats = seatsOf({ a: 0, b: 2 });
  const scene = sceneOf({ hosts: hosts('b', 'a'), layout: 'grid' }, seats, CANVAS, SLOTS);
  assert.is(scene.length, SLOTS);
  // Grid of two: the first on stage (b) on the left, a on the right.
  assert.equal(scene[2], { tile: { x: 0, y: 0, width: 636, height: 720 }, layer: 0, camera: true });
  assert.equal(scene[0], { tile: { x: 644, y: 0, width: 636, height: 720 }, layer: 0, camera: true });
  assert.is(scene[1], undefined);
  assert.is(scene[3], undefined);
});

test('the tiles are those of the shared layout geometry, with an 8-pixel gap unless told otherwise', () => {
  const seats = seatsOf({ a: 3, b: 1, c: 0 });
  for (const layout of ['grid', 'spotlight', 'sidebar', 'pip'] as const) {
    for (const gap of [undefined, 0, 16]) {
      const scene = sceneOf({ hosts: hosts('a', 'b', 'c'), layout }, seats, CANVAS, SLOTS, gap);
      const tiles = computeLayout(layout, CANVAS, ['a', 'b', 'c'], { gap: gap ?? 8 });
      for (const tile of tiles) {
        assert.equal(scene[seats.get(tile.peerId)!]!.tile, tile.rect, `${layout}, gap ${gap}: ${tile.peerId}`);
      }
    }
  }
  // The default gap shows between the cells of a grid.
  const grid = sceneOf({ hosts: hosts('a', 'b'), layout: 'grid' }, seatsOf({ a: 0, b: 1 }), CANVAS, SLOTS);
  const [left, right] = [grid[0]!.tile, grid[1]!.tile];
  assert.is(right.x - (left.x + left.width), 8);
});

test('picture-in-picture: the focused host fills the canvas on layer 0, the others float on layer 1', () => {
  const seats = seatsOf({ a: 0, b: 1, c: 2 });
  const scene = sceneOf({ hosts: hosts('c', 'a', 'b'), layout: 'pip', focusHostId: 'b' }, seats, CANVAS, SLOTS);
  assert.equal(scene[1], { tile: { x: 0, y: 0, ...CANVAS }, layer: 0, camera: true });
  assert.is(scene[0]!.layer, 1);
  assert.is(scene[2]!.layer, 1);
  assert.ok(scene[0]!.tile.width < CANVAS.width / 2, 'an overlay is small');
});

test('tiled layouts draw everyone on layer 0', () => {
  const seats = seatsOf({ a: 0, b: 1, c: 2 });
  for (const layout of ['grid', 'spotlight', 'sidebar'] as const) {
    const scene = sceneOf({ hosts: hosts('a', 'b', 'c'), layout, focusHostId: 'c' }, seats, CANVAS, SLOTS);
    assert.equal(
      scene.slice(0, 3).map((view) => view!.layer),
      [0, 0, 0],
      layout,
    );
  }
});

test('the focused host gets the main tile', () => {
  const seats = seatsOf({ a: 0, b: 1, c: 2 });
  const scene = sceneOf({ hosts: hosts('a', 'b', 'c'), layout: 'spotlight', focusHostId: 'c' }, seats, CANVAS, SLOTS);
  const area = (view: SlotView | undefined) => view!.tile.width * view!.tile.height;
  assert.ok(area(scene[2]) > area(scene[0]) && area(scene[2]) > area(scene[1]));
  // Without a focus, the first on stage gets it.
  const unfocused = sceneOf({ hosts: hosts('a', 'b', 'c'), layout: 'spotlight' }, seats, CANVAS, SLOTS);
  assert.ok(area(unfocused[0]) > area(unfocused[1]) && area(unfocused[0]) > area(unfocused[2]));
});

test('a layout change keeps every host in its slot and only moves the pictures', () => {
  const seats = seatsOf({ a: 2, b: 0, c: 3 });
  const occupied = (layout: 'grid' | 'pip') =>
    sceneOf({ hosts: hosts('a', 'b', 'c'), layout }, seats, CANVAS, SLOTS).map((view) => view !== undefined);
  assert.equal(occupied('grid'), [true, false, true, true]);
  assert.equal(occupied('pip'), occupied('grid'));
});

test('camera-off and names pass through; no name means no label at all', () => {
  const seats = seatsOf({ a: 0, b: 1, c: 2 });
  const scene = sceneOf(
    {
      hosts: [
        { hostId: 'a', camera: false, label: 'Ana' },
        { hostId: 'b', camera: true, label: 'Bo' },
        { hostId: 'c', camera: false, label: '' },
      ],
      layout: 'grid',
    },
    seats,
    CANVAS,
    SLOTS,
  );
  assert.is(scene[0]!.camera, false);
  assert.is(scene[0]!.label, 'Ana');
  assert.is(scene[1]!.camera, true);
  assert.is(scene[1]!.label, 'Bo');
  assert.is(scene[2]!.camera, false);
  assert.not.ok('label' in scene[2]!, 'an empty name would draw an empty box');
});

test('an empty stage shows nothing in any slot', () => {
  assert.equal(sceneOf({ hosts: [], layout: 'grid' }, new Map(), CANVAS, SLOTS), [
    undefined,
    undefined,
    undefined,
    undefined,
  ]);
});

test('a lone host fills the canvas in any layout', () => {
  for (const layout of ['grid', 'spotlight', 'sidebar', 'pip'] as const) {
    const scene = sceneOf({ hosts: hosts('a'), layout }, seatsOf({ a: 3 }), CANVAS, SLOTS);
    assert.equal(scene[3], { tile: { x: 0, y: 0, ...CANVAS }, layer: 0, camera: true }, layout);
  }
});

test.run();
