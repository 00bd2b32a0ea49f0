// The battle's client-side rules: the clock offset measured from the
// server's timestamps, which side is "own" for a session, the clock and the
// words each phase shows, which push is newer, and errors in words. Pure.
import {
  activeBattlePhases,
  formatBattleClock,
  type BattleGiftPush,
  type BattlePhase,
  type BattleSideState,
  type BattleState,
  type ErrorCode,
} from '../../../signaling/protocol/index.ts';

/**
 * The server's clock minus this browser's, from a push's `serverTime` and
 * when it arrived here (the push's own travel time is small and ignored).
 */
export function clockOffsetMs(serverTime: string, receivedAtMs: number): number {
  const server = Date.parse(serverTime);
  return Number.isFinite(server) ? server - receivedAtMs : 0;
}

/** The server's time now, by this browser's clock and the offset. */
export function serverNowMs(offsetMs: number, nowMs: number): number {
  return nowMs + offsetMs;
}

/** 0 when `sessionId` is the inviting side (or neither side), 1 when it is the invited side. */
export function ownSideIndex(battle: BattleState, sessionId: string): 0 | 1 {
  return battle.sides[1].sessionId === sessionId ? 1 : 0;
}

/** The battle seen from `sessionId`: its own side, the opponent's, and the scores in that order. */
export function orientedSides(
  battle: BattleState,
  sessionId: string,
  scores: readonly [number, number] = [battle.sides[0].score, battle.sides[1].score],
): { own: BattleSideState; opponent: BattleSideState; ownScore: number; opponentScore: number } {
  const index = ownSideIndex(battle, sessionId);
  const other = index === 0 ? 1 : 0;
  return {
    own: battle.sides[index],
    opponent: battle.sides[other],
    ownScore: scores[index],
    opponentScore: scores[other],
  };
}

/** The battle still holds its sessions (invited, countdown, live, result). */
export function isBattleActive(battle: BattleState | null | undefined): battle is BattleState {
  return battle !== null && battle !== undefined && activeBattlePhases.includes(battle.phase);
}

/** The split screen shows from the countdown through the result. */
export function showsSplit(battle: BattleState | null | undefined): battle is BattleState {
  return battle?.phase === 'countdown' || battle?.phase === 'live' || battle?.phase === 'result';
}

const PHASE_ORDER: Record<BattlePhase, number> = {
  invited: 0,
  countdown: 1,
  live: 2,
  result: 3,
  declined: 4,
  expired: 4,
  cancelled: 4,
  ended: 5,
};

/**
 * Whether a pushed state should replace the one shown: another battle
 * always does; for the same battle, a later phase does, and within a phase a
 * later serverTime (pushes may arrive out of order across reconnects).
 */
export function isNewerState(current: BattleState | null | undefined, incoming: BattleState): boolean {
  if (!current || current.id !== incoming.id) return true;
  const phaseStep = PHASE_ORDER[incoming.phase] - PHASE_ORDER[current.phase];
  if (phaseStep !== 0) return phaseStep > 0;
  return Date.parse(incoming.serverTime) >= Date.parse(current.serverTime);
}

/** Scores from a gift push onto the state (the push is newer than the state it follows, or ignored). */
export function applyScores(battle: BattleState, push: BattleGiftPush): BattleState {
  if (push.battleId !== battle.id || Date.parse(push.serverTime) < Date.parse(battle.serverTime)) return battle;
  const [first, second] = battle.sides;
  return {
    ...battle,
    sides: [
      { ...first, score: push.scores[0] },
      { ...second, score: push.scores[1] },
    ],
  };
}

export interface ClockView {
  /** What the phase is, in words ("Starting", "Live", "Result"). */
  words: string;
  /** "4:59", or null when the phase has no clock. */
  clock: string | null;
}

/** The clock band's content at server time `nowMs`. */
export function battleClock(battle: BattleState, nowMs: number): ClockView {
  const until = (iso: string | null) => (iso ? formatBattleClock(Date.parse(iso) - nowMs) : null);
  switch (battle.phase) {
    case 'invited':
      return { words: 'Waiting for an answer', clock: until(battle.respondBy) };
    case 'countdown':
      return { words: 'Starting in', clock: until(battle.startsAt) };
    case 'live':
      return { words: 'Live', clock: until(battle.endsAt) };
    case 'result':
      return { words: 'Result', clock: null };
    case 'declined':
      return { words: 'Declined', clock: null };
    case 'expired':
      return { words: 'No answer', clock: null };
    case 'cancelled':
      return { words: 'Cancelled', clock: null };
    case 'ended':
      return { words: 'Ended', clock: null };
  }
}

/** Whole seconds until an ISO time at `nowMs`, never below 0. */
export function secondsUntil(iso: string, nowMs: number): number {
  return Math.max(0, Math.ceil((Date.parse(iso) - nowMs) / 1000));
}

/** The result banner's headline, from `sessionId`'s side (hosts) or neutral (no session: the audience of both). */
export function resultWords(battle: BattleState, sessionId: string | undefined): string {
  const winner = battle.sides.find((side) => side.sessionId === battle.winnerSessionId);
  if (battle.endReason === 'interrupted' && !winner) return 'The battle was interrupted: no winner';
  if (!winner) return 'Draw!';
  const forfeit = battle.endReason === 'forfeit' ? ' (the other side forfeited)' : '';
  if (sessionId === undefined) return `${winner.hostName} wins${forfeit}`;
  return winner.sessionId === sessionId ? `You win${forfeit}!` : `${winner.hostName} wins${forfeit}`;
}

/** Why a battle that never started closed, in words (null when it did start). */
export function closedWords(battle: BattleState, ownSessionId: string): string | null {
  const { opponent } = orientedSides(battle, ownSessionId);
  const invitedUs = battle.sides[1].sessionId === ownSessionId;
  switch (battle.phase) {
    case 'declined':
      return invitedUs ? 'You declined the battle.' : `${opponent.hostName} declined the battle.`;
    case 'expired':
      return invitedUs ? 'The invitation expired.' : `${opponent.hostName} did not answer in time.`;
    case 'cancelled':
      return invitedUs ? `${opponent.hostName} withdrew the invitation.` : 'Invitation withdrawn.';
    default:
      return null;
  }
}

/** A failed battle request, in words for the host. */
export function battleErrorWords(code: ErrorCode | 'TIMEOUT', message: string): string {
  switch (code) {
    case 'CONFLICT':
      return /battle/i.test(message) ? 'That session is already in a battle.' : `Not possible right now: ${message}`;
    case 'BATTLE_NOT_ACTIVE':
      return 'That battle is over.';
    case 'NOT_FOUND':
      return 'That session or battle is not there any more (ended?).';
    case 'NOT_ALLOWED':
      return `Only the primary host can do that (${message}).`;
    case 'INVALID_INPUT':
      return `Check the battle's settings: ${message}`;
    case 'TIMEOUT':
    case 'UNAVAILABLE':
      return 'The server did not answer; try again.';
    default:
      return message;
  }
}
