// The battle state machine's transitions, as a table: what each event does
// in each phase. Pure; BattleService applies it and owns the timers.
import { AppError } from '../errors.ts';
import type { BattleEndReason, BattlePhase } from '../protocol/index.ts';

export type BattleEvent =
  | 'accept'
  | 'decline'
  /** The invitation's 30 s ran out. */
  | 'expire'
  /** A side's primary host cancels (withdraws an invitation, or forfeits). */
  | 'cancel'
  /** A side's session ended (its host left, or ended the show). */
  | 'session-ended'
  | 'countdown-over'
  | 'time-up'
  | 'result-over'
  /** The server is stopping (or found the battle unfinished at start-up). */
  | 'interrupt';

export interface Transition {
  phase: BattlePhase;
  /** Set when the battle stops being a contest. */
  endReason?: BattleEndReason;
}

const table: Record<BattlePhase, Partial<Record<BattleEvent, Transition>>> = {
  invited: {
    accept: { phase: 'countdown' },
    decline: { phase: 'declined' },
    expire: { phase: 'expired' },
    cancel: { phase: 'cancelled' },
    'session-ended': { phase: 'cancelled', endReason: 'session-ended' },
    interrupt: { phase: 'cancelled', endReason: 'interrupted' },
  },
  // Nothing is scored before `live`: stopping now leaves no result.
  countdown: {
    'countdown-over': { phase: 'live' },
    cancel: { phase: 'cancelled', endReason: 'forfeit' },
    'session-ended': { phase: 'cancelled', endReason: 'session-ended' },
    interrupt: { phase: 'cancelled', endReason: 'interrupted' },
  },
  live: {
    'time-up': { phase: 'result', endReason: 'time-up' },
    cancel: { phase: 'result', endReason: 'forfeit' },
    'session-ended': { phase: 'result', endReason: 'forfeit' },
    interrupt: { phase: 'ended', endReason: 'interrupted' },
  },
  result: {
    'result-over': { phase: 'ended' },
    interrupt: { phase: 'ended' },
  },
  declined: {},
  expired: {},
  cancelled: {},
  ended: {},
};

/** The phase after `event`, or a CONFLICT naming why the event does not apply now. */
export function nextPhase(phase: BattlePhase, event: BattleEvent): Transition {
  const transition = table[phase][event];
  if (!transition) throw new AppError('CONFLICT', `the battle is ${phase}: cannot ${event.replace('-', ' ')}`);
  return transition;
}

/** Whether `event` applies in `phase` (timers check before firing). */
export function canHappen(phase: BattlePhase, event: BattleEvent): boolean {
  return table[phase][event] !== undefined;
}

export function isFinal(phase: BattlePhase): boolean {
  return phase === 'declined' || phase === 'expired' || phase === 'cancelled' || phase === 'ended';
}
