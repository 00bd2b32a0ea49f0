// An account's notifications: written once per event (the row's dedupe key:
// the same event told again — a retried request, a session going live after
// a failover — adds nothing and pushes nothing), pushed live to every open
// page of the account, listed newest first, marked read. Guests have no
// account row, so they get only the live pushes the features send already.
import type { Database } from '../../prisma/database.ts';
import { prismaErrorCode, prismaErrorCodes } from '../../prisma/prismaErrors.ts';
import type { Logger } from 'pino';
import type { PushTarget } from '../multihost/SessionPushes.ts';
import {
  NOTIFICATIONS_LISTED,
  type MarkReadBody,
  type NotificationKind,
  type NotificationList,
  type NotificationView,
} from '../protocol/index.ts';

/** One event to tell one account about. */
export interface Notice {
  kind: NotificationKind;
  /** Same key, same event: see the model's comment (prisma/schema.prisma). */
  dedupeKey: string;
  text: string;
  path: string;
}

interface NotificationRow {
  id: string;
  kind: string;
  text: string;
  path: string;
  createdAt: Date;
  readAt: Date | null;
}

const viewOf = (row: NotificationRow): NotificationView => ({
  id: row.id,
  kind: row.kind as NotificationKind,
  text: row.text,
  path: row.path,
  createdAt: row.createdAt.toISOString(),
  read: row.readAt !== null,
});

/** Guest ids (signaling/auth/guestRoutes.ts) have no account row to hang a notification on. */
const isGuest = (userId: string) => userId.startsWith('g_');

export class NotificationService {
  readonly #database: Database;
  readonly #toUser: (userId: string) => PushTarget;
  readonly #logger: Logger;

  constructor(database: Database, toUser: (userId: string) => PushTarget, logger: Logger) {
    this.#database = database;
    this.#toUser = toUser;
    this.#logger = logger;
  }

  /**
   * Tells each account once; returns how many were new. Never throws: a
   * notification that cannot be written must not fail what caused it.
   */
  async notify(userIds: Iterable<string>, notice: Notice): Promise<number> {
    let created = 0;
    for (const userId of new Set(userIds)) {
      if (isGuest(userId)) continue;
      try {
        const row = await this.#database.notification.create({ data: { userId, ...notice } });
        created += 1;
        this.#toUser(userId).emit('notification:new', viewOf(row));
      } catch (error) {
        const code = prismaErrorCode(error);
        // Told before (the same event again), or the account is gone.
        if (code === prismaErrorCodes.uniqueViolation || code === prismaErrorCodes.foreignKeyViolation) continue;
        this.#logger.warn({ err: error, kind: notice.kind, userId }, 'writing a notification failed');
      }
    }
    return created;
  }

  async list(userId: string): Promise<NotificationList> {
    const [rows, unread] = await Promise.all([
      this.#database.notification.findMany({
        where: { userId },
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        take: NOTIFICATIONS_LISTED,
      }),
      this.#unread(userId),
    ]);
    return { items: rows.map(viewOf), unread };
  }

  /** Marks them read (the account's own only) and tells its other pages; answers the unread count left. */
  async markRead(userId: string, which: MarkReadBody): Promise<{ unread: number }> {
    const ids = 'ids' in which ? which.ids : undefined;
    await this.#database.notification.updateMany({
      where: { userId, readAt: null, ...(ids && { id: { in: ids } }) },
      data: { readAt: new Date() },
    });
    const unread = await this.#unread(userId);
    this.#toUser(userId).emit('notification:read', { ids: ids ?? 'all', unread });
    return { unread };
  }

  /** Accounts that follow any channel of `ownerId`, but not `ownerId` itself. */
  async followersOf(ownerId: string): Promise<string[]> {
    const follows = await this.#database.follow.findMany({
      where: { channel: { ownerId }, userId: { not: ownerId } },
      select: { userId: true },
    });
    return follows.map((follow) => follow.userId);
  }

  #unread(userId: string): Promise<number> {
    return this.#database.notification.count({ where: { userId, readAt: null } });
  }
}
