// Battles in the database, the record: every phase change is written before
// it is announced, a battle's result (outcomes, MVPs, stats, the winner's
// coins) is one transaction, and a battle the process left unfinished is
// closed at start-up with the reason `interrupted` (its scores stand: they
// are the sums of the gifts written with them).
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Database, DatabaseProvider, DatabaseTransaction } from '../../prisma/database.ts';
import { AppError } from '../errors.ts';
import {
  battleEndReasons,
  battlePhases,
  type BattleMvp,
  type BattleOutcome,
  type BattleSideState,
  type BattleState,
  type BattleStatsView,
} from '../protocol/index.ts';
import { checkStoredRow } from '../storedRow.ts';
import type { Ledger } from '../wallet/Ledger.ts';
import { lockWallets } from '../wallet/transferBatch.ts';
import { experienceFor, outcomesOf, WINNER_REWARD_COINS } from './battleRewards.ts';

const battleColumns = z.object({
  status: z.enum(battlePhases),
  endReason: z.enum(battleEndReasons).nullable(),
});
const sideColumns = z.object({ outcome: z.enum(['win', 'loss', 'draw']).nullable() });

const TRANSACTION_OPTIONS = { maxWait: 15_000, timeout: 15_000 };

/** The result of a finished contest, as written. */
export interface BattleResult {
  scores: [number, number];
  outcomes: [BattleOutcome, BattleOutcome];
  mvps: [BattleMvp | null, BattleMvp | null];
  winnerSessionId: string | null;
}

export class BattleStore {
  readonly #database: Database;
  readonly #provider: DatabaseProvider;
  readonly #ledger: Ledger;
  readonly #logger: Logger;

  constructor(database: Database, provider: DatabaseProvider, ledger: Ledger, logger: Logger) {
    this.#database = database;
    this.#provider = provider;
    this.#ledger = ledger;
    this.#logger = logger.child({ component: 'battle-store' });
  }

  async insert(state: BattleState): Promise<void> {
    await this.#database.battle.create({
      data: {
        id: state.id,
        status: state.phase,
        durationS: state.durationS,
        invitedBy: state.invitedBy,
        createdAt: new Date(state.createdAt),
        respondBy: new Date(state.respondBy),
        startsAt: dateOrNull(state.startsAt),
        endsAt: dateOrNull(state.endsAt),
        sides: {
          create: state.sides.map((side, position) => ({
            position,
            sessionId: side.sessionId,
            hostId: side.hostId,
            hostName: side.hostName,
            sessionTitle: side.sessionTitle,
          })),
        },
      },
    });
  }

  /**
   * Writes a phase change, only if the row is still in `from` (another node
   * or an earlier timer may have moved it): false when it was not.
   */
  async movePhase(state: BattleState, from: BattleState['phase']): Promise<boolean> {
    const changed = await this.#database.battle.updateMany({
      where: { id: state.id, status: from },
      data: {
        status: state.phase,
        startsAt: dateOrNull(state.startsAt),
        endsAt: dateOrNull(state.endsAt),
        resultUntil: dateOrNull(state.resultUntil),
        endedAt: dateOrNull(state.endedAt),
        endReason: state.endReason,
      },
    });
    return changed.count === 1;
  }

  /**
   * Ends the contest: live → result in one transaction with everything the
   * result pays. The status change waits for a gift batch in flight (it
   * locks the same row), so the scores read here are final.
   */
  async finish(state: BattleState, forfeitedSide: 0 | 1 | null, now: Date): Promise<BattleResult | undefined> {
    const hostIds = state.sides.map((side) => side.hostId);
    for (const hostId of hostIds) await this.#ledger.ensureWallet(hostId);
    return this.#database.$transaction(async (tx) => {
      // Wallets first, then the battle row: the order gift batches take them in, so the two never deadlock.
      await lockWallets(tx, hostIds, this.#provider);
      const moved = await tx.battle.updateMany({
        where: { id: state.id, status: 'live' },
        data: {
          status: 'result',
          endReason: state.endReason,
          resultUntil: dateOrNull(state.resultUntil),
          endsAt: now < new Date(state.endsAt ?? now) ? now : undefined,
        },
      });
      if (moved.count === 0) return undefined;
      const sides = await tx.battleSide.findMany({ where: { battleId: state.id }, orderBy: { position: 'asc' } });
      if (sides.length !== 2) throw new AppError('INTERNAL', `battle ${state.id} has ${sides.length} sides`);
      const scores: [number, number] = [sides[0]!.score, sides[1]!.score];
      const outcomes = outcomesOf(scores, forfeitedSide);
      const mvps: [BattleMvp | null, BattleMvp | null] = [
        await mvpOf(tx, state.id, sides[0]!.sessionId),
        await mvpOf(tx, state.id, sides[1]!.sessionId),
      ];
      const winnerPosition = outcomes.indexOf('win');
      const winnerSessionId = winnerPosition >= 0 ? sides[winnerPosition]!.sessionId : null;
      await tx.battle.update({ where: { id: state.id }, data: { winnerSessionId } });
      for (const [position, side] of sides.entries()) {
        const mvp = mvps[position]!;
        await tx.battleSide.update({
          where: { battleId_position: { battleId: state.id, position } },
          data: {
            outcome: outcomes[position]!,
            mvpUserId: mvp?.userId ?? null,
            mvpName: mvp?.displayName ?? null,
            mvpValue: mvp?.value ?? 0,
          },
        });
        await recordStats(tx, side.hostId, outcomes[position]!, side.score);
      }
      if (winnerPosition >= 0) {
        await this.#ledger.creditWithin(tx, {
          userId: sides[winnerPosition]!.hostId,
          amount: WINNER_REWARD_COINS,
          kind: 'reward',
          idempotencyKey: `battle-win-${state.id}`,
          reference: `battle:${state.id}`,
        });
      }
      return { scores, outcomes, mvps, winnerSessionId };
    }, TRANSACTION_OPTIONS);
  }

  /** Battles a previous run of the process left unfinished: closed with the reason `interrupted`. */
  async closeInterrupted(now: Date, ownerSessionId?: string): Promise<number> {
    // A cluster node taking over a dead node's session closes the battles that
    // session ran (it invited: side 0); a battle it was invited to is the
    // inviting node's to end.
    const owned = ownerSessionId === undefined ? {} : { sides: { some: { sessionId: ownerSessionId, position: 0 } } };
    const unanswered = await this.#database.battle.updateMany({
      where: { status: { in: ['invited', 'countdown'] }, ...owned },
      data: { status: 'cancelled', endReason: 'interrupted', endedAt: now },
    });
    const live = await this.#database.battle.updateMany({
      where: { status: 'live', ...owned },
      data: { status: 'ended', endReason: 'interrupted', endedAt: now },
    });
    // Their result is written (and paid): only the banner was cut short.
    const inResult = await this.#database.battle.updateMany({
      where: { status: 'result', ...owned },
      data: { status: 'ended', endedAt: now },
    });
    return unanswered.count + live.count + inResult.count;
  }

  async find(battleId: string): Promise<BattleState | undefined> {
    const row = await this.#database.battle.findUnique({
      where: { id: battleId },
      include: { sides: { orderBy: { position: 'asc' } } },
    });
    return row ? this.#toState(row) : undefined;
  }

  /** A user's battles as a host, newest first. */
  async listForHost(userId: string, limit = 50): Promise<BattleState[]> {
    const rows = await this.#database.battle.findMany({
      where: { sides: { some: { hostId: userId } } },
      include: { sides: { orderBy: { position: 'asc' } } },
      orderBy: { createdAt: 'desc' },
      take: limit,
    });
    return rows.map((row) => this.#toState(row));
  }

  async stats(userId: string): Promise<BattleStatsView> {
    const row = await this.#database.battleStats.findUnique({ where: { userId } });
    return {
      userId,
      battles: row?.battles ?? 0,
      wins: row?.wins ?? 0,
      losses: row?.losses ?? 0,
      draws: row?.draws ?? 0,
      giftValue: row?.giftValue ?? 0,
      winStreak: row?.winStreak ?? 0,
      bestWinStreak: row?.bestWinStreak ?? 0,
      experience: row?.experience ?? 0,
    };
  }

  #toState(row: BattleRow): BattleState {
    const battle = checkStoredRow(battleColumns, row, `Battle ${row.id}`, this.#logger);
    if (row.sides.length !== 2) throw new AppError('INTERNAL', `Battle ${row.id} has ${row.sides.length} sides`);
    const sides = row.sides.map((stored): BattleSideState => {
      const side = checkStoredRow(sideColumns, stored, `BattleSide ${row.id}/${stored.position}`, this.#logger);
      return {
        sessionId: side.sessionId,
        sessionTitle: side.sessionTitle,
        hostId: side.hostId,
        hostName: side.hostName,
        score: side.score,
        outcome: side.outcome,
        mvp: side.mvpUserId ? { userId: side.mvpUserId, displayName: side.mvpName ?? '', value: side.mvpValue } : null,
      };
    }) as [BattleSideState, BattleSideState];
    return {
      id: battle.id,
      phase: battle.status,
      durationS: battle.durationS,
      invitedBy: battle.invitedBy,
      createdAt: battle.createdAt.toISOString(),
      respondBy: battle.respondBy.toISOString(),
      startsAt: isoOrNull(battle.startsAt),
      endsAt: isoOrNull(battle.endsAt),
      resultUntil: isoOrNull(battle.resultUntil),
      endedAt: isoOrNull(battle.endedAt),
      endReason: battle.endReason,
      winnerSessionId: battle.winnerSessionId,
      sides,
      serverTime: new Date().toISOString(),
    };
  }
}

interface BattleRow {
  id: string;
  status: string;
  durationS: number;
  invitedBy: string;
  createdAt: Date;
  respondBy: Date;
  startsAt: Date | null;
  endsAt: Date | null;
  resultUntil: Date | null;
  endedAt: Date | null;
  endReason: string | null;
  winnerSessionId: string | null;
  sides: {
    position: number;
    sessionId: string;
    sessionTitle: string;
    hostId: string;
    hostName: string;
    score: number;
    outcome: string | null;
    mvpUserId: string | null;
    mvpName: string | null;
    mvpValue: number;
  }[];
}

/** The side's top gifter: most coins' worth; on a tie, who reached it first. */
async function mvpOf(tx: DatabaseTransaction, battleId: string, sessionId: string): Promise<BattleMvp | null> {
  const [top] = await tx.gift.groupBy({
    by: ['senderId'],
    where: { battleId, sessionId },
    _sum: { value: true },
    _max: { createdAt: true },
    orderBy: [{ _sum: { value: 'desc' } }, { _max: { createdAt: 'asc' } }],
    take: 1,
  });
  if (!top) return null;
  const latest = await tx.gift.findFirst({
    where: { battleId, senderId: top.senderId },
    orderBy: { createdAt: 'desc' },
    select: { senderName: true },
  });
  return { userId: top.senderId, displayName: latest?.senderName ?? '', value: top._sum.value ?? 0 };
}

async function recordStats(
  tx: DatabaseTransaction,
  userId: string,
  outcome: BattleOutcome,
  giftValue: number,
): Promise<void> {
  const current = await tx.battleStats.findUnique({ where: { userId } });
  const winStreak = outcome === 'win' ? (current?.winStreak ?? 0) + 1 : 0;
  const data = {
    battles: (current?.battles ?? 0) + 1,
    wins: (current?.wins ?? 0) + (outcome === 'win' ? 1 : 0),
    losses: (current?.losses ?? 0) + (outcome === 'loss' ? 1 : 0),
    draws: (current?.draws ?? 0) + (outcome === 'draw' ? 1 : 0),
    giftValue: (current?.giftValue ?? 0) + giftValue,
    winStreak,
    bestWinStreak: Math.max(current?.bestWinStreak ?? 0, winStreak),
    experience: (current?.experience ?? 0) + experienceFor[outcome],
  };
  await tx.battleStats.upsert({ where: { userId }, create: { userId, ...data }, update: data });
}

function dateOrNull(iso: string | null): Date | null {
  return iso === null ? null : new Date(iso);
}

function isoOrNull(date: Date | null): string | null {
  return date === null ? null : date.toISOString();
}
