// Recording rows: what a VOD recording holds (duration, size, hosts, layout
// changes), written when it starts, as it changes, and when it closes, so
// the record survives a crash of the process that made it.
import type { Database } from '../../prisma/database.ts';
import type { RecordingLayoutChange, RecordingStatus, RecordingView } from '../protocol/index.ts';
import { recordingPlaylistPath } from '../protocol/index.ts';

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

interface RecordingRow {
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

  constructor(database: Database) {
    this.#database = database;
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
    return toRecordingView(row);
  }

  /** Recordings a stopped process left open; returns their ids (their playlists need closing). */
  async interruptOrphans(now: Date): Promise<string[]> {
    const open = await this.#database.recording.findMany({ where: { status: 'recording' }, select: { id: true } });
    if (open.length === 0) return [];
    await this.#database.recording.updateMany({
      where: { id: { in: open.map((row) => row.id) } },
      data: { status: 'interrupted' satisfies RecordingStatus, endedAt: now },
    });
    return open.map((row) => row.id);
  }

  async get(recordingId: string): Promise<RecordingView | undefined> {
    const row = await this.#database.recording.findUnique({ where: { id: recordingId }, include: withSessionAndHosts });
    return row ? toRecordingView(row) : undefined;
  }

  async listForSession(sessionId: string): Promise<RecordingView[]> {
    const rows = await this.#database.recording.findMany({
      where: { sessionId },
      include: withSessionAndHosts,
      orderBy: { startedAt: 'asc' },
      take: MAX_LISTED,
    });
    return rows.map(toRecordingView);
  }

  /** Recordings a user was a host in (or whose session they created), newest first. */
  async listForHost(userId: string, limit = MAX_LISTED): Promise<RecordingView[]> {
    const rows = await this.#database.recording.findMany({
      where: { OR: [{ hosts: { some: { userId } } }, { session: { primaryHostId: userId } }] },
      include: withSessionAndHosts,
      orderBy: { startedAt: 'desc' },
      take: Math.min(limit, MAX_LISTED),
    });
    return rows.map(toRecordingView);
  }
}

function toRecordingView(row: RecordingRow): RecordingView {
  return {
    id: row.id,
    sessionId: row.sessionId,
    sessionTitle: row.session.title,
    status: row.status as RecordingStatus,
    startedAt: row.startedAt.toISOString(),
    endedAt: row.endedAt?.toISOString() ?? null,
    durationS: row.durationMs / 1000,
    sizeBytes: Number(row.sizeBytes),
    segments: row.segments,
    hosts: row.hosts,
    layoutChanges: JSON.parse(row.layoutChanges) as RecordingLayoutChange[],
    playlistUrl: recordingPlaylistPath(row.id),
  };
}
