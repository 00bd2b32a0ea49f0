import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  computeLayout,
  fitInside,
  gridDimensions,
  isLayoutKind,
  layoutKinds,
  MAX_STAGE_SCREENS,
  screenTileKey,
  stageEntries,
  stageFocus,
} from './layoutGeometry.ts';
import type { Rect, Tile } from './layoutGeometry.ts';

const canvases = [
  { width: 1280, height: 720 },
  { width: 1920, height: 1080 },
];
const gaps = [0, 8];
const peers = (count: number): string[] => Array.from({ length: count }, (_, index) => `peer-${index + 1}`);
const rect = (x: number, y: number, width: number, height: number): Rect => ({ x, y, width, height });
const rects = (tiles: Tile[]): Rect[] => tiles.map((tile) => tile.rect);

/** True when the rects are at least `gap` apart (touching is fine with gap 0). */
function separated(a: Rect, b: Rect, gap: number): boolean {
  return (
    a.x + a.width + gap <= b.x ||
    b.x + b.width + gap <= a.x ||
    a.y + a.height + gap <= b.y ||
    b.y + b.height + gap <= a.y
  );
}

function inside(inner: Rect, outer: Rect): boolean {
  return (
    inner.x >= outer.x &&
    inner.y >= outer.y &&
    inner.x + inner.width <= outer.x + outer.width &&
    inner.y + inner.height <= outer.y + outer.height
  );
}

const area = (r: Rect): number => r.width * r.height;

for (const kind of layoutKinds) {
  for (const canvas of canvases) {
    for (const gap of gaps) {
      test(`${kind} on ${canvas.width}×${canvas.height} with gap ${gap}: invariants for 1..9 peers`, () => {
        const canvasRect = rect(0, 0, canvas.width, canvas.height);
        for (let count = 1; count <= 9; count++) {
          const ids = peers(count);
          const focusPeerId = ids[count - 1];
          const tiles = computeLayout(kind, canvas, ids, { focusPeerId, gap });
          const where = `${kind} ${count} peers`;

          assert.equal(
            tiles.map((tile) => tile.peerId),
            ids,
            `${where}: one tile per peer, in order`,
          );
          for (const { rect: r } of tiles) {
            for (const value of [r.x, r.y, r.width, r.height]) {
              assert.ok(Number.isInteger(value) && value % 2 === 0, `${where}: ${JSON.stringify(r)} is even integers`);
            }
            assert.ok(r.width > 0 && r.height > 0, `${where}: ${JSON.stringify(r)} is not empty`);
            assert.ok(inside(r, canvasRect), `${where}: ${JSON.stringify(r)} lies inside the canvas`);
          }
          assert.equal(computeLayout(kind, canvas, ids, { focusPeerId, gap }), tiles, `${where}: deterministic`);

          if (count === 1) {
            assert.equal(tiles[0]?.rect, canvasRect, `${where}: a lone host fills the canvas`);
            continue;
          }

          const overlays = kind === 'pip' ? tiles.filter((tile) => tile.role === 'thumbnail') : [];
          const flat = tiles.filter((tile) => !overlays.includes(tile));
          for (const [i, a] of flat.entries()) {
            for (const b of flat.slice(i + 1)) {
              assert.ok(separated(a.rect, b.rect, gap), `${where}: ${a.peerId} and ${b.peerId} are ${gap}px apart`);
            }
          }

          if (kind === 'grid') {
            const [first] = tiles;
            for (const tile of tiles) {
              assert.is(tile.role, 'cell', `${where}: every tile is a cell`);
              assert.is(tile.rect.width, first?.rect.width, `${where}: equal cell widths`);
              assert.is(tile.rect.height, first?.rect.height, `${where}: equal cell heights`);
            }
            continue;
          }

          const mains = tiles.filter((tile) => tile.role === 'main');
          assert.is(mains.length, 1, `${where}: exactly one main tile`);
          const main = mains[0] as Tile;
          assert.is(main.peerId, focusPeerId, `${where}: the focus peer is main`);
          const thumbnails = tiles.filter((tile) => tile.role === 'thumbnail');
          assert.is(thumbnails.length, count - 1, `${where}: all others are thumbnails`);
          for (const thumbnail of thumbnails) {
            const r = thumbnail.rect;
            assert.ok(
              r.width < main.rect.width && r.height < main.rect.height,
              `${where}: thumbnail smaller than main`,
            );
            assert.ok(area(r) < area(main.rect) / 4, `${where}: thumbnail much smaller than main`);
            if (kind === 'spotlight') assert.ok(r.y >= main.rect.height + gap, `${where}: thumbnails below main`);
            if (kind === 'sidebar') assert.ok(r.x >= main.rect.width + gap, `${where}: thumbnails right of main`);
          }

          if (kind === 'pip') {
            assert.equal(main.rect, canvasRect, `${where}: main fills the canvas`);
            for (const [i, overlay] of overlays.entries()) {
              assert.ok(inside(overlay.rect, main.rect), `${where}: overlay inside main`);
              assert.ok(overlay.zIndex > main.zIndex, `${where}: overlay painted above main`);
              for (const other of overlays.slice(i + 1)) {
                assert.ok(separated(overlay.rect, other.rect, gap), `${where}: overlays do not overlap`);
              }
            }
          }
        }
      });
    }
  }
}

test('gridDimensions: 1, 2 side by side, 2×2, then 3 columns with only the rows needed', () => {
  const shapes = [1, 2, 3, 4, 5, 6, 7, 8, 9].map((count) => {
    const { columns, rows } = gridDimensions(count);
    return `${columns}×${rows}`;
  });
  assert.equal(shapes, ['1×1', '2×1', '2×2', '2×2', '3×2', '3×2', '3×3', '3×3', '3×3']);
  assert.equal(gridDimensions(0), { columns: 0, rows: 0 });
});

test('grid of 4 on 1280×720 is four 640×360 cells', () => {
  assert.equal(rects(computeLayout('grid', { width: 1280, height: 720 }, peers(4))), [
    rect(0, 0, 640, 360),
    rect(640, 0, 640, 360),
    rect(0, 360, 640, 360),
    rect(640, 360, 640, 360),
  ]);
});

test('grid of 2 is two halves side by side; grid of 3 centres the last cell', () => {
  const canvas = { width: 1280, height: 720 };
  assert.equal(rects(computeLayout('grid', canvas, peers(2))), [rect(0, 0, 640, 720), rect(640, 0, 640, 720)]);
  assert.equal(rects(computeLayout('grid', canvas, peers(3)))[2], rect(320, 360, 640, 360));
});

test('grid of 5 and 9 on 1920×1080', () => {
  const canvas = { width: 1920, height: 1080 };
  assert.equal(rects(computeLayout('grid', canvas, peers(5))), [
    rect(0, 0, 640, 540),
    rect(640, 0, 640, 540),
    rect(1280, 0, 640, 540),
    rect(320, 540, 640, 540),
    rect(960, 540, 640, 540),
  ]);
  const nine = rects(computeLayout('grid', canvas, peers(9)));
  assert.equal(nine[4], rect(640, 360, 640, 360));
  assert.equal(nine[8], rect(1280, 720, 640, 360));
});

test('grid of 4 with gap 8 keeps the gap between cells and none at the edge', () => {
  assert.equal(rects(computeLayout('grid', { width: 1280, height: 720 }, peers(4), { gap: 8 })), [
    rect(0, 0, 636, 356),
    rect(644, 0, 636, 356),
    rect(0, 364, 636, 356),
    rect(644, 364, 636, 356),
  ]);
});

test('spotlight: main on top 78%, a centred 16:9 thumbnail row below', () => {
  const tiles = computeLayout('spotlight', { width: 1280, height: 720 }, peers(3), { focusPeerId: 'peer-2' });
  assert.equal(tiles, [
    { peerId: 'peer-1', rect: rect(356, 560, 284, 158), role: 'thumbnail', zIndex: 0 },
    { peerId: 'peer-2', rect: rect(0, 0, 1280, 560), role: 'main', zIndex: 0 },
    { peerId: 'peer-3', rect: rect(640, 560, 284, 158), role: 'thumbnail', zIndex: 0 },
  ]);
});

test('sidebar: main on the left 75%, the strip centred on the right', () => {
  assert.equal(rects(computeLayout('sidebar', { width: 1280, height: 720 }, peers(2))), [
    rect(0, 0, 960, 720),
    rect(960, 270, 320, 180),
  ]);
  // Four thumbnails of 320×180 exactly fill a 720-high strip.
  assert.equal(
    rects(computeLayout('sidebar', { width: 1280, height: 720 }, peers(5))).map((r) => r.y),
    [0, 0, 180, 360, 540],
  );
});

test('pip: overlays 22% wide in the bottom-right corner, wrapping leftwards', () => {
  const canvas = { width: 1280, height: 720 };
  const two = computeLayout('pip', canvas, peers(2));
  assert.equal(two[1], { peerId: 'peer-2', rect: rect(976, 540, 280, 156), role: 'thumbnail', zIndex: 1 });
  const nine = rects(computeLayout('pip', canvas, peers(9)));
  assert.equal(nine[1], rect(976, 540, 280, 156));
  assert.equal(nine[3], rect(976, 180, 280, 156));
  assert.equal(nine[4], rect(672, 540, 280, 156));
  assert.equal(nine[8], rect(368, 360, 280, 156));
  // A gap wider than the 2% margin becomes the margin.
  assert.equal(rects(computeLayout('pip', canvas, peers(2), { gap: 40 }))[1], rect(960, 524, 280, 156));
});

test('focus: an absent focus peer falls back to the first; grid ignores focus', () => {
  const canvas = { width: 1280, height: 720 };
  const tiles = computeLayout('spotlight', canvas, peers(3), { focusPeerId: 'gone' });
  assert.equal(
    tiles.map((tile) => tile.role),
    ['main', 'thumbnail', 'thumbnail'],
  );
  assert.equal(
    computeLayout('grid', canvas, peers(3), { focusPeerId: 'peer-2' }).map((tile) => tile.role),
    ['cell', 'cell', 'cell'],
  );
});

test('a lone host fills even an odd canvas exactly; no peers, no tiles', () => {
  for (const kind of layoutKinds) {
    assert.equal(computeLayout(kind, { width: 1279, height: 721 }, ['solo']), [
      { peerId: 'solo', rect: rect(0, 0, 1279, 721), role: 'main', zIndex: 0 },
    ]);
    assert.equal(computeLayout(kind, { width: 1280, height: 720 }, []), []);
  }
});

test('odd canvases and odd gaps still give rects inside the canvas', () => {
  const canvas = { width: 1279, height: 721 };
  for (const kind of layoutKinds) {
    for (let count = 2; count <= 9; count++) {
      for (const { rect: r } of computeLayout(kind, canvas, peers(count), { gap: 5 })) {
        assert.ok(inside(r, rect(0, 0, canvas.width, canvas.height)), `${kind} ${count}: ${JSON.stringify(r)}`);
      }
    }
  }
});

test('bad input throws a RangeError', () => {
  const canvas = { width: 1280, height: 720 };
  assert.throws(
    () => computeLayout('grid', canvas, peers(10)),
    (error: unknown) => error instanceof RangeError,
  );
  assert.throws(
    () => computeLayout('grid', canvas, ['a', 'a']),
    (error: unknown) => error instanceof RangeError,
  );
  assert.throws(() => computeLayout('pip', { width: 0, height: 720 }, peers(2)), RangeError);
  assert.throws(() => computeLayout('pip', { width: 1280.5, height: 720 }, peers(2)), RangeError);
  assert.throws(() => computeLayout('sidebar', canvas, peers(2), { gap: -2 }), RangeError);
  assert.throws(() => fitInside(rect(0, 0, 100, 100), 0), RangeError);
});

test('fitInside letterboxes and pillarboxes with even sizes', () => {
  assert.equal(fitInside(rect(0, 0, 1280, 720), 16 / 9), rect(0, 0, 1280, 720));
  assert.equal(fitInside(rect(640, 0, 640, 720), 16 / 9), rect(640, 180, 640, 360));
  assert.equal(fitInside(rect(0, 0, 1920, 1080), 4 / 3), rect(240, 0, 1440, 1080));
  assert.equal(fitInside(rect(0, 0, 1280, 720), 9 / 16), rect(438, 1, 404, 718));
  assert.equal(fitInside(rect(1, 1, 641, 361), 16 / 9), rect(1, 1, 640, 360));
});

test('isLayoutKind accepts exactly the four layouts', () => {
  assert.ok(layoutKinds.every(isLayoutKind));
  assert.not.ok(isLayoutKind('mosaic'));
  assert.not.ok(isLayoutKind(undefined));
});

// ---- the stage: which tiles, which one is main (the studio and the recorder share this) ----

const onStage = (...hosts: [string, boolean?][]) =>
  hosts.map(([hostId, sharingScreen = false]) => ({ hostId, sharingScreen }));

test('stage: every camera in session order, a screen share right after its host', () => {
  const entries = stageEntries(onStage(['a'], ['b', true], ['c']));
  assert.equal(
    entries.map((entry) => [entry.key, entry.hostId, entry.kind]),
    [
      ['a', 'a', 'camera'],
      ['b', 'b', 'camera'],
      ['b:screen', 'b', 'screen'],
      ['c', 'c', 'camera'],
    ],
  );
  assert.is(screenTileKey('b'), 'b:screen');
});

test(`stage: at most ${MAX_STAGE_SCREENS} screens, the first sharers; cameras before screens on a full canvas`, () => {
  const three = stageEntries(onStage(['a', true], ['b', true], ['c', true]));
  assert.equal(
    three.filter((entry) => entry.kind === 'screen').map((entry) => entry.hostId),
    ['a', 'b'],
  );
  const nine = stageEntries(Array.from({ length: 9 }, (_, i) => ({ hostId: `h${i}`, sharingScreen: i === 0 })));
  assert.is(nine.length, 9);
  assert.ok(nine.every((entry) => entry.kind === 'camera'));
  const eight = stageEntries(Array.from({ length: 8 }, (_, i) => ({ hostId: `h${i}`, sharingScreen: i >= 6 })));
  assert.equal(
    eight.map((entry) => entry.key),
    ['h0', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'h6:screen', 'h7'],
  );
});

test('stage focus: the pinned host, else a shared screen, else the active speaker', () => {
  const entries = stageEntries(onStage(['a'], ['b', true]));
  assert.is(stageFocus(entries, null, 'a'), 'b:screen', 'a screen outranks the active speaker');
  assert.is(stageFocus(entries, 'a', 'b'), 'a', 'a pin outranks the screen');
  assert.is(stageFocus(entries, 'gone', 'a'), 'b:screen');
  const cameras = stageEntries(onStage(['a'], ['b']));
  assert.is(stageFocus(cameras, null, 'b'), 'b');
  assert.is(stageFocus(cameras, 'gone', null), undefined, 'the layout takes the first tile');
});

for (const kind of ['spotlight', 'sidebar', 'pip'] as const) {
  test(`${kind}: a shared screen takes the main area, its sharer's camera goes small`, () => {
    const entries = stageEntries(onStage(['a'], ['b', true]));
    const focusPeerId = stageFocus(entries, null, 'a');
    const tiles = computeLayout(
      kind,
      { width: 1280, height: 720 },
      entries.map((entry) => entry.key),
      { gap: 8, ...(focusPeerId ? { focusPeerId } : {}) },
    );
    const byKey = new Map(tiles.map((tile) => [tile.peerId, tile]));
    assert.is(byKey.get('b:screen')?.role, 'main');
    assert.is(byKey.get('b')?.role, 'thumbnail');
    assert.ok(area(byKey.get('b')!.rect) * 4 < area(byKey.get('b:screen')!.rect), 'the camera is small');
  });
}

test('grid: a shared screen is a cell of its own, as large as the cameras', () => {
  const entries = stageEntries(onStage(['a', true], ['b']));
  const tiles = computeLayout(
    'grid',
    { width: 1280, height: 720 },
    entries.map((entry) => entry.key),
    { gap: 8 },
  );
  assert.equal(
    tiles.map((tile) => [tile.peerId, tile.role]),
    [
      ['a', 'cell'],
      ['a:screen', 'cell'],
      ['b', 'cell'],
    ],
  );
  assert.equal(tiles[1]!.rect.width, tiles[0]!.rect.width);
});

test.run();
