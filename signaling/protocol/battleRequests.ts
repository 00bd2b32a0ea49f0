// Battle request payloads as zod schemas (socket `pk-battle:*` and the HTTP
// routes under /api/pk-battles), each checked against the protocol's type.
import { z } from 'zod';
import {
  BATTLE_DEFAULT_DURATION_S,
  BATTLE_MAX_DURATION_S,
  BATTLE_MIN_DURATION_S,
  leaderboardPeriods,
  type BattleInviteRequest,
  type BattleRef,
  type QuickMatchRequest,
} from './battles.ts';
import { entityId } from './commonRequests.ts';

const durationS = z
  .number()
  .int('must be a whole number of seconds')
  .min(BATTLE_MIN_DURATION_S, `must be at least ${BATTLE_MIN_DURATION_S} s (1 minute)`)
  .max(BATTLE_MAX_DURATION_S, `must be at most ${BATTLE_MAX_DURATION_S} s (10 minutes)`)
  .default(BATTLE_DEFAULT_DURATION_S);

export const battleInviteRequest = z.object({
  sessionId: entityId,
  opponentSessionId: entityId,
  durationS,
}) satisfies z.ZodType<Required<BattleInviteRequest>, BattleInviteRequest>;

export const battleRef = z.object({ battleId: entityId }) satisfies z.ZodType<BattleRef>;

export const quickMatchRequest = z.object({ sessionId: entityId, durationS }) satisfies z.ZodType<
  Required<QuickMatchRequest>,
  QuickMatchRequest
>;

/** `GET /api/pk-battles/leaderboard/rankings?period=`. */
export const leaderboardQuery = z.object({ period: z.enum(leaderboardPeriods).default('weekly') });
