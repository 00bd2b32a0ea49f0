// Writes sessions to the database, the record that outlives the process
// (recordings, battles and analytics refer to sessions after they end).
import type { Database } from '../../prisma/database.ts';
import type { Session } from './Session.ts';

export class SessionStore {
  readonly #database: Database;

  constructor(database: Database) {
    this.#database = database;
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
      },
    });
  }

  /** A session's row, also after it ended. */
  async find(sessionId: string) {
    return this.#database.liveSession.findUnique({ where: { id: sessionId } });
  }

  /** Raises the recorded peak audience (never lowers it). */
  async savePeakViewers(sessionId: string, peakViewers: number): Promise<void> {
    await this.#database.liveSession.updateMany({
      where: { id: sessionId, peakViewers: { lt: peakViewers } },
      data: { peakViewers },
    });
  }

  /** Sessions a user created, newest first (ended ones included). */
  async listByPrimaryHost(userId: string, limit = 50) {
    return this.#database.liveSession.findMany({
      where: { primaryHostId: userId },
      orderBy: { createdAt: 'desc' },
      take: limit,
    });
  }

  /** Sessions left "live" or "scheduled" by a process that stopped: they cannot resume. */
  async endOrphans(now: Date): Promise<number> {
    const result = await this.#database.liveSession.updateMany({
      where: { status: { in: ['scheduled', 'live'] } },
      data: { status: 'ended', endedAt: now },
    });
    return result.count;
  }
}
