// The battle state machine's table: every phase's allowed events, and that
// nothing leaves a final phase.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AppError } from '../errors.ts';
import { battlePhases } from '../protocol/index.ts';
import { canHappen, isFinal, nextPhase, type BattleEvent } from './battlePhase.ts';
import { outcomesOf } from './battleRewards.ts';

const events: BattleEvent[] = [
  'accept',
  'decline',
  'expire',
  'cancel',
  'session-ended',
  'countdown-over',
  'time-up',
  'result-over',
  'interrupt',
];

test('the happy path: invited → countdown → live → result → ended', () => {
  assert.equal(nextPhase('invited', 'accept'), { phase: 'countdown' });
  assert.equal(nextPhase('countdown', 'countdown-over'), { phase: 'live' });
  assert.equal(nextPhase('live', 'time-up'), { phase: 'result', endReason: 'time-up' });
  assert.equal(nextPhase('result', 'result-over'), { phase: 'ended' });
});

test('ways out of an invitation and a countdown leave no result', () => {
  assert.is(nextPhase('invited', 'decline').phase, 'declined');
  assert.is(nextPhase('invited', 'expire').phase, 'expired');
  assert.is(nextPhase('invited', 'cancel').phase, 'cancelled');
  assert.equal(nextPhase('invited', 'session-ended'), { phase: 'cancelled', endReason: 'session-ended' });
  assert.equal(nextPhase('countdown', 'cancel'), { phase: 'cancelled', endReason: 'forfeit' });
  assert.equal(nextPhase('countdown', 'interrupt'), { phase: 'cancelled', endReason: 'interrupted' });
});

test('a live battle cut short: a forfeit has a result, an interruption has none', () => {
  assert.equal(nextPhase('live', 'cancel'), { phase: 'result', endReason: 'forfeit' });
  assert.equal(nextPhase('live', 'session-ended'), { phase: 'result', endReason: 'forfeit' });
  assert.equal(nextPhase('live', 'interrupt'), { phase: 'ended', endReason: 'interrupted' });
});

test('final phases take no event; the rest refuse what does not apply with a CONFLICT', () => {
  for (const phase of battlePhases) {
    for (const event of events) {
      if (isFinal(phase)) assert.not.ok(canHappen(phase, event), `${phase} + ${event}`);
      if (canHappen(phase, event)) continue;
      try {
        nextPhase(phase, event);
        assert.unreachable(`${phase} + ${event}`);
      } catch (error) {
        assert.instance(error, AppError);
        assert.is((error as AppError).code, 'CONFLICT');
      }
    }
  }
  assert.not.ok(canHappen('live', 'accept'), 'accepting twice');
  assert.not.ok(canHappen('result', 'cancel'), 'cancelling after the bell');
});

test('outcomes: the higher score wins, a tie is a draw, a forfeit loses whatever the score', () => {
  assert.equal(outcomesOf([30, 10], null), ['win', 'loss']);
  assert.equal(outcomesOf([10, 30], null), ['loss', 'win']);
  assert.equal(outcomesOf([0, 0], null), ['draw', 'draw']);
  assert.equal(outcomesOf([500, 0], 0), ['loss', 'win']);
  assert.equal(outcomesOf([0, 500], 1), ['win', 'loss']);
});

test.run();
