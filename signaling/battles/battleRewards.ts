// What a battle's end pays: coins to the winner (through the ledger, in the
// transaction that records the result) and experience points to both hosts.
import type { BattleOutcome } from '../protocol/index.ts';

export const WINNER_REWARD_COINS = 100;

export const experienceFor: Record<BattleOutcome, number> = { win: 100, draw: 40, loss: 20 };

/** Outcome per side: forfeits lose whatever the score; a tie at the bell is a draw. */
export function outcomesOf(
  scores: readonly [number, number],
  forfeitedSide: 0 | 1 | null,
): [BattleOutcome, BattleOutcome] {
  if (forfeitedSide !== null) return forfeitedSide === 0 ? ['loss', 'win'] : ['win', 'loss'];
  if (scores[0] === scores[1]) return ['draw', 'draw'];
  return scores[0] > scores[1] ? ['win', 'loss'] : ['loss', 'win'];
}
