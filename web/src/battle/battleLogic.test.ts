// The battle's client rules: clock offset, own side, phase ordering, scores,
// the clock band and the result's words.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { BattleState } from '../../../signaling/protocol/index.ts';
import {
  applyScores,
  battleClock,
  battleErrorWords,
  clockOffsetMs,
  closedWords,
  isNewerState,
  orientedSides,
  ownSideIndex,
  resultWords,
  serverNowMs,
  showsSplit,
} from './battleLogic.ts';

const T0 = Date.parse('2026-01-01T00:00:00.000Z');
const iso = (ms: number) => new Date(T0 + ms).toISOString();

function battle(overrides: Partial<BattleState> = {}): BattleState {
  return {
    id: 'b1',
    phase: 'live',
    durationS: 300,
    invitedBy: 'ua',
    createdAt: iso(0),
    respondBy: iso(30_000),
    startsAt: iso(5_000),
    endsAt: iso(305_000),
    resultUntil: iso(320_000),
    endedAt: null,
    endReason: null,
    winnerSessionId: null,
    sides: [
      { sessionId: 'sa', sessionTitle: 'A', hostId: 'ua', hostName: 'Ada', score: 10, outcome: null, mvp: null },
      { sessionId: 'sb', sessionTitle: 'B', hostId: 'ub', hostName: 'Bob', score: 30, outcome: null, mvp: null },
    ],
    serverTime: iso(10_000),
    ...overrides,
  };
}

test('the clock offset corrects a browser clock that runs behind or ahead', () => {
  // The push says the server's time is T0+10 s; it arrived when this browser read T0+7 s: 3 s behind.
  const offset = clockOffsetMs(iso(10_000), T0 + 7_000);
  assert.is(offset, 3_000);
  assert.is(serverNowMs(offset, T0 + 8_000), T0 + 11_000);
  assert.is(clockOffsetMs(iso(10_000), T0 + 12_500), -2_500);
  assert.is(clockOffsetMs('not a time', T0), 0);
});

test('the clock counts down to endsAt while live, to startsAt in the countdown, no clock in the result', () => {
  assert.equal(battleClock(battle(), T0 + 5_000), { words: 'Live', clock: '5:00' });
  assert.equal(battleClock(battle(), T0 + 304_001), { words: 'Live', clock: '0:01' });
  assert.equal(battleClock(battle(), T0 + 400_000), { words: 'Live', clock: '0:00' });
  assert.equal(battleClock(battle({ phase: 'countdown' }), T0 + 2_000), { words: 'Starting in', clock: '0:03' });
  assert.equal(battleClock(battle({ phase: 'invited' }), T0), { words: 'Waiting for an answer', clock: '0:30' });
  assert.is(battleClock(battle({ phase: 'result' }), T0).clock, null);
});

test('own side: the session watched or hosted is on the left, with its score', () => {
  const state = battle();
  assert.is(ownSideIndex(state, 'sa'), 0);
  assert.is(ownSideIndex(state, 'sb'), 1);
  const fromB = orientedSides(state, 'sb');
  assert.is(fromB.own.hostName, 'Bob');
  assert.is(fromB.opponent.hostName, 'Ada');
  assert.is(fromB.ownScore, 30);
  assert.is(fromB.opponentScore, 10);
  assert.is(orientedSides(state, 'sa', [1, 2]).ownScore, 1);
  assert.is(orientedSides(state, 'sb', [1, 2]).ownScore, 2);
});

test('a later phase or a later serverTime replaces the state; a stale push does not', () => {
  const live = battle();
  assert.ok(isNewerState(undefined, live));
  assert.ok(isNewerState(live, battle({ phase: 'result', serverTime: iso(1) })), 'a later phase wins even if older');
  assert.not.ok(isNewerState(live, battle({ phase: 'countdown', serverTime: iso(20_000) })));
  assert.ok(isNewerState(live, battle({ serverTime: iso(11_000) })));
  assert.not.ok(isNewerState(live, battle({ serverTime: iso(9_000) })));
  assert.ok(isNewerState(live, battle({ id: 'b2', phase: 'invited', serverTime: iso(0) })), 'another battle');
});

test('gift pushes move the scores; one older than the state is ignored', () => {
  const state = battle();
  const moved = applyScores(state, {
    battleId: 'b1',
    scores: [15, 30],
    streaks: [],
    omitted: 0,
    serverTime: iso(11_000),
  });
  assert.equal([moved.sides[0].score, moved.sides[1].score], [15, 30]);
  const stale = applyScores(state, { battleId: 'b1', scores: [1, 1], streaks: [], omitted: 0, serverTime: iso(9_000) });
  assert.is(stale, state);
  assert.is(
    applyScores(state, { battleId: 'x', scores: [1, 1], streaks: [], omitted: 0, serverTime: iso(11_000) }),
    state,
  );
});

test('the split shows from the countdown through the result only', () => {
  assert.ok(showsSplit(battle({ phase: 'countdown' })));
  assert.ok(showsSplit(battle({ phase: 'result' })));
  assert.not.ok(showsSplit(battle({ phase: 'invited' })));
  assert.not.ok(showsSplit(battle({ phase: 'ended' })));
  assert.not.ok(showsSplit(null));
});

test('result words: the winner from each side, draws, forfeits', () => {
  const won = battle({ phase: 'result', winnerSessionId: 'sb', endReason: 'time-up' });
  assert.is(resultWords(won, 'sb'), 'You win!');
  assert.is(resultWords(won, 'sa'), 'Bob wins');
  assert.is(resultWords(won, undefined), 'Bob wins');
  assert.is(resultWords(battle({ phase: 'result', endReason: 'time-up' }), 'sa'), 'Draw!');
  assert.match(
    resultWords(battle({ phase: 'result', winnerSessionId: 'sa', endReason: 'forfeit' }), 'sb'),
    /forfeited/,
  );
});

test('closed invitations and failed requests in words', () => {
  assert.is(closedWords(battle({ phase: 'declined' }), 'sa'), 'Bob declined the battle.');
  assert.is(closedWords(battle({ phase: 'expired' }), 'sa'), 'Bob did not answer in time.');
  assert.is(closedWords(battle({ phase: 'cancelled' }), 'sb'), 'Ada withdrew the invitation.');
  assert.is(closedWords(battle(), 'sa'), null);
  assert.is(
    battleErrorWords('CONFLICT', 'that session is already in a battle'),
    'That session is already in a battle.',
  );
  assert.is(battleErrorWords('TIMEOUT', ''), 'The server did not answer; try again.');
});

test.run();
