// The battle picture as the compositor draws it: the same split as the
// studio (battleLayout), the own side on the left and the primary hosts
// large; the bar split by the scores; the clock's words in each phase.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { battleLayout, scoreBarSplitWidth } from '../../signaling/protocol/battleLayout.ts';
import {
  battleBannerWords,
  battleClockText,
  battleOverlayOf,
  battleSceneOf,
  battleTileKey,
  type BattleHud,
} from './battleScene.ts';
import { assignSlots, HOST_SLOTS, SLOT_COUNT, type SceneHost } from './compositionScene.ts';

const canvas = { width: 1280, height: 720 };
const hud: BattleHud = {
  ownName: 'Alice',
  opponentName: 'Bob',
  phase: 'countdown',
  startsAt: 100_000,
  endsAt: 400_000,
  winner: null,
};

function side(prefix: string, count: number, side: 'own' | 'opponent'): SceneHost[] {
  return Array.from({ length: count }, (_, i) => ({
    hostId: battleTileKey(side, `${prefix}${i}`),
    camera: i !== 1,
    label: `${prefix} ${i}`,
  }));
}

test('own tiles keep their host ids (their slots survive the switch); opponent tiles are kept apart', () => {
  assert.is(battleTileKey('own', 'u1'), 'u1');
  assert.is(battleTileKey('opponent', 'u1'), 'opponent:u1');
});

test('both sides sit where the shared battle geometry puts them, own side left, in their slots', () => {
  const own = side('a', 3, 'own');
  const opponent = side('b', 4, 'opponent');
  // The own hosts were already seated (the session's layout before the battle).
  const previous = new Map([
    ['a0', 2],
    ['a1', 0],
    ['a2', 1],
  ]);
  const seats = assignSlots(
    previous,
    [...own, ...opponent].map((host) => host.hostId),
    HOST_SLOTS,
  );
  assert.equal(
    own.map((host) => seats.get(host.hostId)),
    [2, 0, 1],
    'own hosts keep their slots',
  );
  const scene = battleSceneOf({ own, opponent }, seats, canvas, SLOT_COUNT);
  const layout = battleLayout(
    canvas,
    own.map((host) => host.hostId),
    opponent.map((host) => host.hostId),
  );
  assert.is(scene.length, SLOT_COUNT);
  for (const tile of layout.tiles) {
    const view = scene[seats.get(tile.key)!]!;
    assert.equal(view.tile, tile.rect, tile.key);
    assert.is(view.layer, 0);
  }
  const ownMain = scene[seats.get('a0')!]!;
  const opponentMain = scene[seats.get('opponent:b0')!]!;
  assert.ok(ownMain.tile.x + ownMain.tile.width <= canvas.width / 2, 'the own primary host on the left');
  assert.ok(opponentMain.tile.x >= canvas.width / 2, "the opponent's on the right");
  assert.ok(scene[seats.get('a1')!]!.tile.height < ownMain.tile.height / 2, 'co-hosts small under their primary');
  assert.equal([scene[seats.get('a1')!]!.camera, scene[seats.get('a1')!]!.label], [false, 'a 1']);
  assert.is(scene.filter(Boolean).length, 7, 'nothing else on stage');
});

test('a tile without a slot is a bug, not a silent gap', () => {
  assert.throws(
    () => battleSceneOf({ own: side('a', 1, 'own'), opponent: side('b', 1, 'opponent') }, new Map(), canvas, 4),
    /no slot/,
  );
});

test('the clock: "Battle starts in N" in the countdown, the time left while live, "Battle over" after', () => {
  assert.is(battleClockText(hud, 97_001), 'Battle starts in 3');
  assert.is(battleClockText(hud, 99_999), 'Battle starts in 1');
  // The countdown is over and the server's "live" is on its way: the clock already runs.
  assert.is(battleClockText(hud, 100_000), '5:00');
  assert.is(battleClockText({ ...hud, phase: 'live' }, 100_500), '5:00');
  assert.is(battleClockText({ ...hud, phase: 'live' }, 341_000), '0:59');
  assert.is(battleClockText({ ...hud, phase: 'live' }, 500_000), '0:00', 'never negative');
  assert.is(battleClockText({ ...hud, phase: 'result' }, 401_000), 'Battle over');
});

test('the banners tell each side whether it won', () => {
  assert.equal(battleBannerWords('own'), ['WIN', 'LOSE']);
  assert.equal(battleBannerWords('opponent'), ['LOSE', 'WIN']);
  assert.equal(battleBannerWords('draw'), ['DRAW', 'DRAW']);
  assert.is(battleBannerWords(null), undefined);
});

test('the overlay: the bar split by the scores, the scores and names written, banners only with a result', () => {
  const layout = battleLayout(canvas, [], []);
  const even = battleOverlayOf({ ...hud, phase: 'live' }, [0, 0], 200_000, canvas);
  assert.equal([even.timer, even.scoreBar], [layout.timer, layout.scoreBar]);
  assert.is(even.split, canvas.width / 2, 'half and half before any gift');
  assert.equal(even.scores, ['0', '0']);
  assert.equal([even.ownName, even.opponentName, even.clock], ['Alice', 'Bob', '3:20']);
  assert.is(even.banners, undefined);

  const ahead = battleOverlayOf({ ...hud, phase: 'live' }, [300, 100], 200_000, canvas);
  assert.is(ahead.split, scoreBarSplitWidth(layout.scoreBar, 300, 100));
  assert.is(ahead.split, 960);
  // Kept readable at both ends; nonsense scores draw as 0.
  assert.is(battleOverlayOf(hud, [0, 1000], 0, canvas).split, 128);
  assert.equal(battleOverlayOf(hud, [Number.NaN, -3.5], 0, canvas).scores, ['0', '0']);

  const result = battleOverlayOf({ ...hud, phase: 'result', winner: 'own' }, [300, 100], 401_000, canvas);
  assert.equal([result.banners?.own, result.banners?.opponent], ['WIN', 'LOSE']);
  assert.ok(result.banners!.ownArea.x < canvas.width / 2 && result.banners!.opponentArea.x >= canvas.width / 2);
  assert.is(battleOverlayOf({ ...hud, phase: 'result' }, [3, 3], 401_000, canvas).banners, undefined);
});

test.run();
