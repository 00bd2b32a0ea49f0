// PK battles: two live sessions head to head. The server owns the phase, the
// timer and the scores; every push carries absolute server times, and
// clients draw their own countdown from them (corrected by the clock offset
// they measure from `serverTime`).
import type { GiftStreak } from './gifts.ts';

/**
 * invited → declined | expired | cancelled, or accepted → countdown → live →
 * result → ended. A live battle may also end early (a side left, cancelled,
 * a session ended, the server restarted): it goes to result when it has one,
 * else straight to ended.
 */
export const battlePhases = [
  'invited',
  'declined',
  'expired',
  'cancelled',
  'countdown',
  'live',
  'result',
  'ended',
] as const;
export type BattlePhase = (typeof battlePhases)[number];

/** Phases in which a battle holds its two sessions (one battle per session at a time). */
export const activeBattlePhases: readonly BattlePhase[] = ['invited', 'countdown', 'live', 'result'];

/**
 * time-up: the clock ran out; forfeit: a side's host cancelled or left during
 * the battle (the other side wins); session-ended: a session ended before the
 * battle started; interrupted: the server stopped (scores stand, no winner).
 */
export const battleEndReasons = ['time-up', 'forfeit', 'session-ended', 'interrupted'] as const;
export type BattleEndReason = (typeof battleEndReasons)[number];

export const BATTLE_MIN_DURATION_S = 60;
export const BATTLE_MAX_DURATION_S = 600;
export const BATTLE_DEFAULT_DURATION_S = 300;
/** An invitation without an answer expires after this long. */
export const BATTLE_INVITE_TTL_S = 30;
/** From accepting to scoring. */
export const BATTLE_COUNTDOWN_S = 5;
/** The winner banner stays this long before both sessions return to their layouts. */
export const BATTLE_RESULT_S = 15;
/** Hosts of a side shown in the battle layout: its primary host and up to three co-hosts. */
export const BATTLE_HOSTS_PER_SIDE = 4;

export type BattleOutcome = 'win' | 'loss' | 'draw';

export interface BattleMvp {
  userId: string;
  displayName: string;
  /** Coins' worth of gifts they sent to this side. */
  value: number;
}

export interface BattleSideState {
  sessionId: string;
  sessionTitle: string;
  hostId: string;
  hostName: string;
  score: number;
  /** Set in the result phase. */
  outcome: BattleOutcome | null;
  /** The side's top gifter; set in the result phase. */
  mvp: BattleMvp | null;
}

export interface BattleState {
  id: string;
  phase: BattlePhase;
  durationS: number;
  /** The inviting primary host. */
  invitedBy: string;
  createdAt: string;
  /** The invitation expires then. */
  respondBy: string;
  /** Scoring starts (the end of the countdown). */
  startsAt: string | null;
  /** Scoring stops. */
  endsAt: string | null;
  /** The result banner goes then. */
  resultUntil: string | null;
  endedAt: string | null;
  endReason: BattleEndReason | null;
  /** Null: a draw, or no result. */
  winnerSessionId: string | null;
  /** [inviting side, invited side]. */
  sides: [BattleSideState, BattleSideState];
  /** The server's clock when this state was sent: clients compute their offset from it. */
  serverTime: string;
}

/** Pushed while a battle is live, at most ten times a second: the scores and the gifts since the last push. */
export interface BattleGiftPush {
  battleId: string;
  /** In side order. */
  scores: [number, number];
  streaks: GiftStreak[];
  omitted: number;
  serverTime: string;
}

export interface BattleInviteRequest {
  /** The inviting session (the caller is its primary host). */
  sessionId: string;
  opponentSessionId: string;
  /** Seconds, BATTLE_MIN_DURATION_S–BATTLE_MAX_DURATION_S; default BATTLE_DEFAULT_DURATION_S. */
  durationS?: number;
}

export interface BattleRef {
  battleId: string;
}

export interface QuickMatchRequest {
  sessionId: string;
  durationS?: number;
}

/** waiting: in the queue until another session asks; matched: the battle (in countdown). */
export type QuickMatchResult = { status: 'waiting' } | { status: 'matched'; battle: BattleState };

export const leaderboardPeriods = ['daily', 'weekly', 'monthly', 'all-time'] as const;
export type LeaderboardPeriod = (typeof leaderboardPeriods)[number];

export interface LeaderboardEntry {
  rank: number;
  userId: string;
  displayName: string;
  /** Wins, or coins' worth of gifts, by board. */
  value: number;
}

export interface Leaderboards {
  period: LeaderboardPeriod;
  /** ISO start of the period (null for all-time). */
  since: string | null;
  /** Hosts by battles won. */
  hostsByWins: LeaderboardEntry[];
  /** Hosts by coins' worth of gifts received in battles. */
  hostsByGifts: LeaderboardEntry[];
  /** Viewers by coins' worth of gifts sent in battles. */
  topGifters: LeaderboardEntry[];
}

/** A host's battle record. */
export interface BattleStatsView {
  userId: string;
  battles: number;
  wins: number;
  losses: number;
  draws: number;
  giftValue: number;
  winStreak: number;
  bestWinStreak: number;
  experience: number;
}
