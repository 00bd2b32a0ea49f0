// Writes sessions to the database, the record that outlives the process
// (recordings, battles and analytics refer to sessions after they end).
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Database } from '../../prisma/database.ts';
import { DEFAULT_THEME, NO_PICTURES } from '../protocol/onScreen.ts';
import { layoutKinds } from '../protocol/layoutGeometry.ts';
import { sessionStatuses, sessionTypes } from '../protocol/multihost.ts';
import { checkStoredRow, type CheckedRow } from '../storedRow.ts';
import { planState, type SavedSession, type Session, type StoredPlan } from './Session.ts';
import type { UpcomingSession } from '../protocol/index.ts';

/** A planned session whose host has not come a day after its time is not waited for on the next start. */
export const PLANNED_SESSION_WAIT_MS = 24 * 3_600_000;

/** A LiveSession row as read. */
export interface SessionRow {
  id: string;
  title: string;
  type: string;
  layout: string;
  status: string;
  primaryHostId: string;
  primaryHostName: string;
  createdAt: Date;
  startedAt: Date | null;
  endedAt: Date | null;
  peakViewers: number;
  failoverState: string;
  watchKey: string | null;
  watchPasswordHash: string | null;
  scheduledFor: Date | null;
  description: string;
  tags: string;
  coverImage: string | null;
}

const permissionsSchema = z.object({ layout: z.boolean(), stage: z.boolean() });
// Rows written before backstage existed have none of its fields: everyone was on air.
const failoverStateSchema = z.object({
  coHosts: z
    .array(
      z.object({
        userId: z.string().min(1),
        displayName: z.string(),
        onAir: z.boolean().optional(),
        permissions: permissionsSchema.optional(),
      }),
    )
    .default([]),
  primaryOnAir: z.boolean().optional(),
  onScreen: z
    .object({
      banner: z.string().nullable(),
      ticker: z.string().nullable(),
      comment: z.object({ author: z.string(), text: z.string() }).nullable().default(null),
      // Saved before the show had colours: the default ones.
      theme: z
        .object({ background: z.string(), nameTag: z.string(), banner: z.string() })
        .default({ ...DEFAULT_THEME }),
      // Saved before the show had pictures: none.
      pictures: z.object({ logo: z.string().nullable(), backdrop: z.string().nullable() }).default({ ...NO_PICTURES }),
    })
    .optional(),
  pinnedUserId: z.string().nullable().default(null),
  settings: z
    .object({
      allowJoinRequests: z.boolean(),
      backstage: z.boolean().default(false),
      maxViewers: z.number().int().positive().nullable().default(null),
    })
    .default({ allowJoinRequests: true, backstage: false, maxViewers: null }),
});

/** The columns a LiveSession row stores as strings. */
const sessionColumns = z.object({
  type: z.enum(sessionTypes),
  layout: z.enum(layoutKinds),
  status: z.enum(sessionStatuses),
});

/** A session's row with its type, layout and status checked. */
export type StoredSession = CheckedRow<SessionRow, typeof sessionColumns>;

/** Checks a LiveSession row; one whose type, layout or status does not parse is an INTERNAL error. */
export function toStoredSession(row: SessionRow, logger: Logger): StoredSession {
  return checkStoredRow(sessionColumns, row, `LiveSession ${row.id}`, logger);
}

export class SessionStore {
  readonly #database: Database;
  readonly #logger: Logger;

  constructor(database: Database, logger: Logger) {
    this.#database = database;
    this.#logger = logger.child({ component: 'session-store' });
  }

  async insert(session: Session, primaryHostName: string): Promise<void> {
    const state = session.toState();
    await this.#database.liveSession.create({
      data: {
        id: state.id,
        title: state.title,
        type: state.type,
        layout: state.layout.kind,
        status: state.status,
        primaryHostId: state.primaryHostId,
        primaryHostName,
        createdAt: session.createdAt,
        failoverState: JSON.stringify(session.failoverState()),
        ...watchColumns(session),
        ...planColumns(session),
      },
    });
  }

  async update(session: Session): Promise<void> {
    const state = session.toState();
    await this.#database.liveSession.update({
      where: { id: state.id },
      data: {
        title: state.title,
        layout: state.layout.kind,
        status: state.status,
        startedAt: state.startedAt ? new Date(state.startedAt) : null,
        endedAt: state.endedAt ? new Date(state.endedAt) : null,
        failoverState: JSON.stringify(session.failoverState()),
        ...watchColumns(session),
        ...planColumns(session),
      },
    });
  }

  /**
   * A session that has not ended, as a node taking it over needs it
   * (cluster failover); undefined when it ended or never existed.
   */
  async findSaved(sessionId: string): Promise<SavedSession | undefined> {
    const row = await this.find(sessionId);
    if (!row || row.status === 'ended') return undefined;
    let failover: SavedSession['failover'];
    try {
      failover = failoverStateSchema.parse(JSON.parse(row.failoverState));
    } catch (error) {
      // Unreadable: the session comes back with its primary host only.
      this.#logger.warn({ err: error, sessionId }, 'unreadable failover state');
      failover = failoverStateSchema.parse({});
    }
    return {
      id: row.id,
      title: row.title,
      type: row.type,
      layout: row.layout,
      status: row.status,
      primaryHost: { userId: row.primaryHostId, displayName: row.primaryHostName },
      createdAt: row.createdAt,
      startedAt: row.startedAt,
      failover,
      watchKey: row.watchKey,
      watchPasswordHash: row.watchPasswordHash,
      plan: storedPlan(row, this.#logger),
    };
  }

  /** A session's row, also after it ended. */
  async find(sessionId: string): Promise<StoredSession | null> {
    const row = await this.#database.liveSession.findUnique({ where: { id: sessionId } });
    return row ? toStoredSession(row, this.#logger) : null;
  }

  /** Raises the recorded peak audience (never lowers it). */
  async savePeakViewers(sessionId: string, peakViewers: number): Promise<void> {
    await this.#database.liveSession.updateMany({
      where: { id: sessionId, peakViewers: { lt: peakViewers } },
      data: { peakViewers },
    });
  }

  /** Sessions a user created, newest first (ended ones included). */
  async listByPrimaryHost(userId: string, limit = 50): Promise<StoredSession[]> {
    const rows = await this.#database.liveSession.findMany({
      where: { primaryHostId: userId },
      orderBy: { createdAt: 'desc' },
      take: limit,
    });
    return rows.map((row) => toStoredSession(row, this.#logger));
  }

  /** Ids of the sessions that have not ended (cluster mode: who might need a node). */
  async activeIds(): Promise<string[]> {
    const rows = await this.#database.liveSession.findMany({
      where: { status: { in: ['scheduled', 'live'] } },
      select: { id: true },
    });
    return rows.map((row) => row.id);
  }

  /**
   * Sessions left "live" or "scheduled" by a process that stopped: they
   * cannot resume — except planned ones (scheduled for a time, not started),
   * which wait for it (plannedIds), up to a day past it.
   */
  async endOrphans(now: Date): Promise<number> {
    const result = await this.#database.liveSession.updateMany({
      where: {
        OR: [
          { status: 'live' },
          { status: 'scheduled', scheduledFor: null },
          { status: 'scheduled', scheduledFor: { lt: new Date(now.getTime() - PLANNED_SESSION_WAIT_MS) } },
        ],
      },
      data: { status: 'ended', endedAt: now },
    });
    return result.count;
  }

  /** Planned sessions (scheduled for a time, not started, not a day past it), to bring back on start. */
  async plannedIds(now: Date): Promise<string[]> {
    const rows = await this.#database.liveSession.findMany({
      where: { status: 'scheduled', scheduledFor: { gte: new Date(now.getTime() - PLANNED_SESSION_WAIT_MS) } },
      select: { id: true },
    });
    return rows.map((row) => row.id);
  }

  /**
   * Public sessions announced and not started, soonest first (one host's
   * only, with `hostId`). Those past their time by more than `graceMs` are
   * left out: a show that never started is not "upcoming".
   */
  async listUpcoming(now: Date, { hostId, limit = 50, graceMs = 3_600_000 }: UpcomingQuery = {}) {
    const rows = await this.#database.liveSession.findMany({
      where: {
        status: 'scheduled',
        scheduledFor: { gte: new Date(now.getTime() - graceMs) },
        watchKey: null,
        ...(hostId === undefined ? {} : { primaryHostId: hostId }),
      },
      orderBy: { scheduledFor: 'asc' },
      take: limit,
    });
    return rows.map((row): UpcomingSession => ({
      id: row.id,
      title: row.title,
      type: row.type,
      primaryHostId: row.primaryHostId,
      primaryHostName: row.primaryHostName,
      ...planState(storedPlan(row, this.#logger)),
    }));
  }
}

function watchColumns(session: Session): { watchKey: string | null; watchPasswordHash: string | null } {
  const { key, passwordHash } = session.storedWatchAccess();
  return { watchKey: key, watchPasswordHash: passwordHash };
}

function planColumns(session: Session): {
  scheduledFor: Date | null;
  description: string;
  tags: string;
  coverImage: string | null;
} {
  const { scheduledFor, description, tags, coverImage } = session.plan;
  return { scheduledFor, description, tags: JSON.stringify(tags), coverImage };
}

const storedTags = z.array(z.string());

/** The row's plan; unreadable tags are dropped (logged), not an error: the session still runs. */
export function storedPlan(
  row: Pick<SessionRow, 'id' | 'scheduledFor' | 'description' | 'tags' | 'coverImage'>,
  logger: Logger,
): StoredPlan {
  let tags: string[] = [];
  try {
    tags = storedTags.parse(JSON.parse(row.tags));
  } catch (error) {
    logger.warn({ err: error, sessionId: row.id }, 'unreadable session tags');
  }
  return { scheduledFor: row.scheduledFor, description: row.description, tags, coverImage: row.coverImage };
}

export interface UpcomingQuery {
  hostId?: string | undefined;
  limit?: number;
  graceMs?: number;
}
