// Reads and writes the chat's rows: messages (soft-deleted), reactions, the
// chat's settings and members, blocks and reports. Queries only; the rules
// live in ChatRoom and ChatService.
import crypto from 'node:crypto';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Database } from '../../prisma/database.ts';
import { prismaErrorCode, prismaErrorCodes } from '../../prisma/prismaErrors.ts';
import {
  chatReactionEmojis,
  reportReasons,
  reportStatuses,
  type ChatOwnReaction,
  type ChatReactionEmoji,
  type ReportView,
} from '../protocol/chat.ts';
import { checkStoredRow } from '../storedRow.ts';
import { ChatMessageWriter } from './ChatMessageWriter.ts';
import type { MessageRow } from './MessageRow.ts';
import type { ChatMemberRecord } from './ChatRoom.ts';
import type { HistoryCursor } from './historyCursor.ts';

export type ReactionCounts = Partial<Record<ChatReactionEmoji, number>>;

/** A report as filed: the stored view without what the database assigns. */
export type NewReport = Omit<ReportView, 'id' | 'status' | 'createdAt'>;

export class ChatStore {
  readonly #database: Database;
  readonly #logger: Logger;
  /** New messages are written in batches (ChatMessageWriter); message reads flush it first. */
  readonly #writer: ChatMessageWriter;

  constructor(database: Database, logger: Logger) {
    this.#database = database;
    this.#logger = logger;
    this.#writer = new ChatMessageWriter(database, logger);
  }

  /** Writes the messages still waiting (at shutdown). */
  flush(): Promise<void> {
    return this.#writer.flush();
  }

  // --- sessions and rooms --------------------------------------------------------

  findSession(sessionId: string): Promise<{ id: string; primaryHostId: string } | null> {
    return this.#database.liveSession.findUnique({
      where: { id: sessionId },
      select: { id: true, primaryHostId: true },
    });
  }

  async loadRoom(sessionId: string) {
    const [settings, members] = await Promise.all([
      this.#database.chatRoom.findUnique({ where: { sessionId } }),
      this.#database.chatMember.findMany({ where: { sessionId } }),
    ]);
    return {
      slowModeSeconds: settings?.slowModeSeconds ?? 0,
      pinnedMessageId: settings?.pinnedMessageId ?? null,
      members: new Map<string, ChatMemberRecord>(
        members.map((row) => [
          row.userId,
          { moderator: row.moderator, mutedUntil: row.mutedUntil, banned: row.banned },
        ]),
      ),
    };
  }

  async saveSettings(sessionId: string, settings: { slowModeSeconds?: number; pinnedMessageId?: string | null }) {
    await this.#database.chatRoom.upsert({
      where: { sessionId },
      create: { sessionId, ...settings },
      update: settings,
    });
  }

  async saveMember(sessionId: string, userId: string, record: ChatMemberRecord): Promise<void> {
    await this.#database.chatMember.upsert({
      where: { sessionId_userId: { sessionId, userId } },
      create: { sessionId, userId, ...record },
      update: record,
    });
  }

  /** An account, or a guest who has written in some chat (guests have no other trace). */
  async isKnownUser(userId: string): Promise<boolean> {
    await this.#writer.flush();
    const [account, message] = await Promise.all([
      this.#database.user.findUnique({ where: { id: userId }, select: { id: true } }),
      this.#database.chatMessage.findFirst({ where: { userId }, select: { id: true } }),
    ]);
    return account !== null || message !== null;
  }

  // --- messages ----------------------------------------------------------------

  /** Accepts a message: it has its id at once and reaches the database within one writer interval. */
  insertMessage(message: Omit<MessageRow, 'id' | 'deletedAt'>): MessageRow {
    const row = { id: newMessageId(), ...message };
    this.#writer.add(row);
    return { ...row, deletedAt: null };
  }

  async findMessage(messageId: string): Promise<MessageRow | null> {
    await this.#writer.flush();
    return this.#database.chatMessage.findUnique({ where: { id: messageId }, select: messageColumns });
  }

  /** Soft delete; false when it was deleted already. */
  async softDelete(messageId: string, deletedBy: string, at: Date): Promise<boolean> {
    await this.#writer.flush();
    const { count } = await this.#database.chatMessage.updateMany({
      where: { id: messageId, deletedAt: null },
      data: { deletedAt: at, deletedBy },
    });
    return count === 1;
  }

  /**
   * Up to `limit` visible messages before `before` (newest first), without
   * those of `hiddenUserIds`, and whether older ones remain.
   */
  async page(
    sessionId: string,
    options: { before: HistoryCursor | undefined; limit: number; hiddenUserIds: readonly string[] },
  ): Promise<{ rows: MessageRow[]; more: boolean }> {
    const { before, limit, hiddenUserIds } = options;
    await this.#writer.flush();
    const rows = await this.#database.chatMessage.findMany({
      where: {
        sessionId,
        deletedAt: null,
        ...(hiddenUserIds.length > 0 ? { userId: { notIn: [...hiddenUserIds] } } : {}),
        ...(before
          ? {
              OR: [{ createdAt: { lt: before.createdAt } }, { createdAt: before.createdAt, id: { lt: before.id } }],
            }
          : {}),
      },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: limit + 1,
      select: messageColumns,
    });
    return { rows: rows.slice(0, limit), more: rows.length > limit };
  }

  // --- reactions ---------------------------------------------------------------

  /** Adds or removes one user's emoji; both are idempotent. */
  async setReaction(messageId: string, userId: string, emoji: ChatReactionEmoji, present: boolean): Promise<void> {
    await this.#writer.flush(); // the reaction's message row must exist
    if (!present) {
      await this.#database.chatReaction.deleteMany({ where: { messageId, userId, emoji } });
      return;
    }
    try {
      await this.#database.chatReaction.create({ data: { messageId, userId, emoji } });
    } catch (error) {
      if (prismaErrorCode(error) !== prismaErrorCodes.uniqueViolation) throw error;
    }
  }

  /** The reactions one user gave to these messages. */
  async reactionsBy(userId: string, messageIds: readonly string[]): Promise<ChatOwnReaction[]> {
    if (messageIds.length === 0) return [];
    const rows = await this.#database.chatReaction.findMany({
      where: { userId, messageId: { in: [...messageIds] } },
      select: { messageId: true, emoji: true },
    });
    return rows.flatMap(({ messageId, emoji }) => {
      const parsed = chatReactionEmoji.safeParse(emoji);
      return parsed.success ? [{ messageId, emoji: parsed.data }] : []; // emojis no longer in the set: skipped
    });
  }

  async reactionCounts(messageIds: readonly string[]): Promise<Map<string, ReactionCounts>> {
    const counts = new Map<string, ReactionCounts>();
    if (messageIds.length === 0) return counts;
    const groups = await this.#database.chatReaction.groupBy({
      by: ['messageId', 'emoji'],
      where: { messageId: { in: [...messageIds] } },
      _count: { _all: true },
    });
    for (const group of groups) {
      const emoji = chatReactionEmoji.safeParse(group.emoji);
      // Only emojis of the set are ever written; should the set shrink, the
      // old rows stay and are no longer shown (skipped, not an error).
      if (!emoji.success) continue;
      const forMessage = counts.get(group.messageId) ?? {};
      forMessage[emoji.data] = group._count._all;
      counts.set(group.messageId, forMessage);
    }
    return counts;
  }

  // --- blocks ------------------------------------------------------------------

  async blockedBy(blockerId: string): Promise<string[]> {
    const rows = await this.#database.block.findMany({
      where: { blockerId },
      select: { blockedId: true },
      orderBy: { createdAt: 'asc' },
    });
    return rows.map((row) => row.blockedId);
  }

  countBlocks(blockerId: string): Promise<number> {
    return this.#database.block.count({ where: { blockerId } });
  }

  async block(blockerId: string, blockedId: string): Promise<void> {
    try {
      await this.#database.block.create({ data: { blockerId, blockedId } });
    } catch (error) {
      if (prismaErrorCode(error) !== prismaErrorCodes.uniqueViolation) throw error;
    }
  }

  async unblock(blockerId: string, blockedId: string): Promise<void> {
    await this.#database.block.deleteMany({ where: { blockerId, blockedId } });
  }

  // --- reports -----------------------------------------------------------------

  async insertReport(report: NewReport): Promise<ReportView> {
    return toReportView(await this.#database.report.create({ data: report }), this.#logger);
  }

  async listReports(status: ReportView['status'], limit: number): Promise<ReportView[]> {
    const rows = await this.#database.report.findMany({
      where: { status },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: limit,
    });
    return rows.map((row) => toReportView(row, this.#logger));
  }
}

const messageColumns = {
  id: true,
  sessionId: true,
  userId: true,
  displayName: true,
  text: true,
  createdAt: true,
  deletedAt: true,
} as const;

const chatReactionEmoji = z.enum(chatReactionEmojis);

/** A Report row as read. */
export interface ReportRow {
  id: string;
  reporterId: string;
  targetUserId: string;
  messageId: string | null;
  sessionId: string | null;
  messageText: string | null;
  reason: string;
  details: string;
  status: string;
  createdAt: Date;
}

/** The columns a Report row stores as strings. */
const reportColumns = z.object({ reason: z.enum(reportReasons), status: z.enum(reportStatuses) });

/** A Report row as the API shows it; a row whose reason or status does not parse is an INTERNAL error. */
export function toReportView(stored: ReportRow, logger: Logger): ReportView {
  const row = checkStoredRow(reportColumns, stored, `Report ${stored.id}`, logger);
  return { ...row, createdAt: row.createdAt.toISOString() };
}

let idMillis = 0;
let idSequence = 0;

/**
 * Message ids sort in the order this process accepted them (history breaks
 * ties of equal `createdAt` by id): milliseconds and a sequence within the
 * millisecond, both fixed-width base 36, then a random part against other
 * nodes' ids.
 */
function newMessageId(): string {
  const now = Date.now();
  idSequence = now === idMillis ? idSequence + 1 : 0;
  idMillis = now;
  const time = now.toString(36).padStart(9, '0');
  const sequence = idSequence.toString(36).padStart(4, '0');
  return `m${time}${sequence}${crypto.randomBytes(6).toString('hex')}`;
}
