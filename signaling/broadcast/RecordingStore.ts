// Recording rows: what a VOD recording holds (duration, size, hosts, layout
// changes), written when it starts, as it changes, and when it closes, so
// the record survives a crash of the process that made it.
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Database } from '../../prisma/database.ts';
import { layoutKinds } from '../protocol/layoutGeometry.ts';
import type { RecordingLayoutChange, RecordingStatus, RecordingView } from '../protocol/index.ts';
import { recordingPlaylistPath, recordingStatuses } from '../protocol/index.ts';
import { checkStoredRow } from '../storedRow.ts';

export interface RecordingHostEntry {
  userId: string;
  displayName: string;
}

export interface RecordingTotals {
  endedAt: Date;
  durationMs: number;
  sizeBytes: number;
  segments: number;
}

const withSessionAndHosts = {
  session: { select: { title: true } },
  hosts: { select: { userId: true, displayName: true }, orderBy: { displayName: 'asc' } },
} as const;

export interface RecordingRow {
  id: string;
  sessionId: string;
  status: string;
  startedAt: Date;
  endedAt: Date | null;
  durationMs: number;
  sizeBytes: bigint;
  segments: number;
  layoutChanges: string;
  session: { title: string };
  hosts: RecordingHostEntry[];
}

/** Most recordings one listing returns. */
const MAX_LISTED = 100;

export class RecordingStore {
  readonly #database: Database;
  readonly #logger: Logger;

  constructor(database: Database, logger: Logger) {
    this.#database = database;
    this.#logger = logger.child({ component: 'recordings' });
  }

  async create(input: {
    sessionId: string;
    startedAt: Date;
    hosts: RecordingHostEntry[];
    layout: RecordingLayoutChange;
  }): Promise<string> {
    const row = await this.#database.recording.create({
      data: {
        sessionId: input.sessionId,
        status: 'recording' satisfies RecordingStatus,
        startedAt: input.startedAt,
        layoutChanges: JSON.stringify([input.layout]),
        hosts: { create: input.hosts },
      },
      select: { id: true },
    });
    return row.id;
  }

  /** Adds hosts who came on stage; hosts already listed keep their first name. */
  async addHosts(recordingId: string, hosts: RecordingHostEntry[]): Promise<void> {
    for (const host of hosts) {
      await this.#database.recordingHost.upsert({
        where: { recordingId_userId: { recordingId, userId: host.userId } },
        create: { recordingId, ...host },
        update: {},
      });
    }
  }

  async saveLayoutChanges(recordingId: string, changes: RecordingLayoutChange[]): Promise<void> {
    await this.#database.recording.update({
      where: { id: recordingId },
      data: { layoutChanges: JSON.stringify(changes) },
    });
  }

  async finish(recordingId: string, totals: RecordingTotals): Promise<RecordingView> {
    const row = await this.#database.recording.update({
      where: { id: recordingId },
      data: {
        status: 'archived' satisfies RecordingStatus,
        endedAt: totals.endedAt,
        durationMs: Math.round(totals.durationMs),
        sizeBytes: BigInt(totals.sizeBytes),
        segments: totals.segments,
      },
      include: withSessionAndHosts,
    });
    return toRecordingView(row, this.#logger);
  }

  /** Recordings a stopped process left open; returns their ids (their playlists need closing). */
  /**
   * Marks recordings left open as interrupted (all of them, or one session's
   * that started before `now`: not one a node taking the session over has
   * just started); returns their ids.
   */
  async interruptOrphans(now: Date, sessionId?: string): Promise<string[]> {
    const open = await this.#database.recording.findMany({
      where: { status: 'recording', ...(sessionId === undefined ? {} : { sessionId, startedAt: { lt: now } }) },
      select: { id: true },
    });
    if (open.length === 0) return [];
    await this.#database.recording.updateMany({
      where: { id: { in: open.map((row) => row.id) } },
      data: { status: 'interrupted' satisfies RecordingStatus, endedAt: now },
    });
    return open.map((row) => row.id);
  }

  async get(recordingId: string): Promise<RecordingView | undefined> {
    const row = await this.#database.recording.findUnique({ where: { id: recordingId }, include: withSessionAndHosts });
    return row ? toRecordingView(row, this.#logger) : undefined;
  }

  async listForSession(sessionId: string): Promise<RecordingView[]> {
    const rows = await this.#database.recording.findMany({
      where: { sessionId },
      include: withSessionAndHosts,
      orderBy: { startedAt: 'asc' },
      take: MAX_LISTED,
    });
    return rows.map((row) => toRecordingView(row, this.#logger));
  }

  /** Recordings a user was a host in (or whose session they created), newest first. */
  /**
   * Whether `userId` is someone whose recordings page means anything: an
   * account, or a guest who hosted a session or was on stage in a recording.
   */
  async isKnownHost(userId: string): Promise<boolean> {
    const [account, hosted, onStage] = await Promise.all([
      this.#database.user.count({ where: { id: userId } }),
      this.#database.liveSession.count({ where: { primaryHostId: userId } }),
      this.#database.recordingHost.count({ where: { userId } }),
    ]);
    return account + hosted + onStage > 0;
  }

  /** The newest finished recordings of public sessions (a private session's row keeps its watch key). */
  async listRecentPublic(limit: number): Promise<RecordingView[]> {
    const rows = await this.#database.recording.findMany({
      where: { status: 'archived', session: { watchKey: null } },
      include: withSessionAndHosts,
      orderBy: { startedAt: 'desc' },
      take: Math.min(limit, MAX_LISTED),
    });
    return rows.map((row) => toRecordingView(row, this.#logger));
  }

  async listForHost(userId: string, limit = MAX_LISTED): Promise<RecordingView[]> {
    const rows = await this.#database.recording.findMany({
      where: { OR: [{ hosts: { some: { userId } } }, { session: { primaryHostId: userId } }] },
      include: withSessionAndHosts,
      orderBy: { startedAt: 'desc' },
      take: Math.min(limit, MAX_LISTED),
    });
    return rows.map((row) => toRecordingView(row, this.#logger));
  }
}

const recordingLayoutChange = z.object({
  at: z.string(),
  kind: z.enum(layoutKinds),
  pinnedUserId: z.string().nullable(),
}) satisfies z.ZodType<RecordingLayoutChange>;

/** The `layoutChanges` column: JSON text holding the changes in order. */
const layoutChangesJson = z
  .string()
  .transform((text, context): unknown => {
    try {
      return JSON.parse(text);
    } catch {
      context.addIssue({ code: 'custom', message: 'is not JSON' });
      return z.NEVER;
    }
  })
  .pipe(z.array(recordingLayoutChange));

/** The columns a Recording row stores as strings. */
const recordingColumns = z.object({
  status: z.enum(recordingStatuses),
  layoutChanges: layoutChangesJson,
});

/** A Recording row as the API shows it; a row whose status or layout changes do not parse is an INTERNAL error. */
export function toRecordingView(stored: RecordingRow, logger: Logger): RecordingView {
  const row = checkStoredRow(recordingColumns, stored, `Recording ${stored.id}`, logger);
  return {
    id: row.id,
    sessionId: row.sessionId,
    sessionTitle: row.session.title,
    status: row.status,
    startedAt: row.startedAt.toISOString(),
    endedAt: row.endedAt?.toISOString() ?? null,
    durationS: row.durationMs / 1000,
    sizeBytes: Number(row.sizeBytes),
    segments: row.segments,
    hosts: row.hosts,
    layoutChanges: row.layoutChanges,
    playlistUrl: recordingPlaylistPath(row.id),
    watchKey: null,
  };
}
