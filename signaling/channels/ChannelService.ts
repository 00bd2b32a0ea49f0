// Channels: an account's public page (slug, title, description), its
// followers, and its owner's live sessions. Sessions are not tied to a
// channel: a channel shows what its owner has on air.
import type { Database } from '../../prisma/database.ts';
import { prismaErrorCode, prismaErrorCodes } from '../../prisma/prismaErrors.ts';
import { sql } from '../../prisma/rawSql.ts';
import type { Identity } from '../auth/identityToken.ts';
import { AppError } from '../errors.ts';
import { channelIdPattern, type CreateChannelBody, type UpdateChannelBody } from '../protocol/channelRequests.ts';
import {
  SEARCH_LIMIT,
  type ChannelSummary,
  type ChannelView,
  type FollowState,
  type RecordingView,
  type SessionState,
} from '../protocol/index.ts';

/** Channels one account may own. */
export const MAX_CHANNELS_PER_ACCOUNT = 5;

/** What a channel shows besides itself: its owner's live sessions and recordings. */
export interface ChannelStage {
  liveSessionsOf: (ownerId: string) => Promise<SessionState[]>;
  recordingsOf: (ownerId: string) => Promise<RecordingView[]>;
}

const withOwnerAndCount = {
  owner: { select: { id: true, displayName: true } },
  _count: { select: { followers: true } },
} as const;

interface ChannelRow {
  id: string;
  slug: string;
  title: string;
  description: string;
  createdAt: Date;
  owner: { id: string; displayName: string };
  _count: { followers: number };
}

export class ChannelService {
  readonly #database: Database;
  readonly #stage: ChannelStage;

  constructor(database: Database, stage: ChannelStage) {
    this.#database = database;
    this.#stage = stage;
  }

  async create(owner: Identity, body: CreateChannelBody): Promise<ChannelView> {
    const owned = await this.#database.channel.count({ where: { ownerId: owner.userId } });
    if (owned >= MAX_CHANNELS_PER_ACCOUNT) {
      throw new AppError('CONFLICT', `an account can own at most ${MAX_CHANNELS_PER_ACCOUNT} channels`);
    }
    try {
      const row = await this.#database.channel.create({
        data: { ...body, ownerId: owner.userId },
        include: withOwnerAndCount,
      });
      return await this.#view(row, false);
    } catch (error) {
      const code = prismaErrorCode(error);
      if (code === prismaErrorCodes.uniqueViolation) throw new AppError('CONFLICT', 'that address is taken');
      if (code === prismaErrorCodes.foreignKeyViolation) throw new AppError('NOT_FOUND', 'no such account');
      throw error;
    }
  }

  /** By id or slug (`ref`). `viewer` undefined or a guest: `following` is null. */
  async byRef(ref: string, viewer: Identity | undefined): Promise<ChannelView> {
    const { id } = await this.#find(ref);
    const row = await this.#database.channel.findUnique({ where: { id }, include: withOwnerAndCount });
    if (!row) throw new AppError('NOT_FOUND', 'no such channel');
    return await this.#view(row, await this.#follows(viewer, row.id));
  }

  async listOwnedBy(ownerId: string): Promise<ChannelSummary[]> {
    const rows = await this.#database.channel.findMany({
      where: { ownerId },
      include: withOwnerAndCount,
      orderBy: { createdAt: 'asc' },
    });
    return rows.map(toSummary);
  }

  /**
   * Channels whose title or address contains `words`, ignoring case, newest
   * first. One hand-written statement: the model API's `contains` ignores
   * case on SQLite but not on PostgreSQL; lower() on both sides does on both.
   */
  async search(words: string): Promise<ChannelSummary[]> {
    const pattern = `%${likeEscaped(words.toLowerCase())}%`;
    const found = await this.#database.$queryRaw<{ id: string }[]>(
      sql`SELECT "id" FROM "Channel" WHERE lower("title") LIKE ${pattern} ESCAPE '\\' OR "slug" LIKE ${pattern} ESCAPE '\\' ORDER BY "createdAt" DESC LIMIT ${SEARCH_LIMIT}`,
    );
    if (found.length === 0) return [];
    const rows = await this.#database.channel.findMany({
      where: { id: { in: found.map((row) => row.id) } },
      include: withOwnerAndCount,
      orderBy: { createdAt: 'desc' },
    });
    return rows.map(toSummary);
  }

  /** The channels an account follows, the newest follow first (the home page lists their shows first). */
  async followedBy(userId: string): Promise<ChannelSummary[]> {
    const follows = await this.#database.follow.findMany({
      where: { userId },
      include: { channel: { include: withOwnerAndCount } },
      orderBy: { createdAt: 'desc' },
    });
    return follows.map((follow) => toSummary(follow.channel));
  }

  async update(caller: Identity, ref: string, changes: UpdateChannelBody): Promise<ChannelView> {
    const channel = await this.#find(ref);
    const channelId = channel.id;
    if (channel.ownerId !== caller.userId) throw new AppError('NOT_ALLOWED', 'only the owner can change a channel');
    const row = await this.#database.channel.update({
      where: { id: channelId },
      data: changes,
      include: withOwnerAndCount,
    });
    return await this.#view(row, await this.#follows(caller, channelId));
  }

  /** Follows or unfollows; both are idempotent. */
  async setFollowing(caller: Identity, ref: string, following: boolean): Promise<FollowState> {
    const channel = await this.#find(ref);
    const channelId = channel.id;
    if (following) {
      if (channel.ownerId === caller.userId) throw new AppError('INVALID_INPUT', 'you cannot follow your own channel');
      try {
        await this.#database.follow.create({ data: { userId: caller.userId, channelId } });
      } catch (error) {
        const code = prismaErrorCode(error);
        if (code === prismaErrorCodes.foreignKeyViolation) throw new AppError('NOT_FOUND', 'no such account');
        if (code !== prismaErrorCodes.uniqueViolation) throw error;
      }
    } else {
      await this.#database.follow.deleteMany({ where: { userId: caller.userId, channelId } });
    }
    const followerCount = await this.#database.follow.count({ where: { channelId } });
    return { channelId, following, followerCount };
  }

  /**
   * A channel by id or slug. New slugs never have an id's shape; a slug
   * stored before that rule is still found when no channel has it as id.
   */
  async #find(ref: string): Promise<{ id: string; ownerId: string }> {
    const select = { id: true, ownerId: true } as const;
    const byId = channelIdPattern.test(ref)
      ? await this.#database.channel.findUnique({ where: { id: ref }, select })
      : null;
    const channel = byId ?? (await this.#database.channel.findUnique({ where: { slug: ref }, select }));
    if (!channel) throw new AppError('NOT_FOUND', 'no such channel');
    return channel;
  }

  async #follows(viewer: Identity | undefined, channelId: string): Promise<boolean | null> {
    if (!viewer?.role) return null;
    const follow = await this.#database.follow.findUnique({
      where: { userId_channelId: { userId: viewer.userId, channelId } },
      select: { userId: true },
    });
    return follow !== null;
  }

  async #view(row: ChannelRow, following: boolean | null): Promise<ChannelView> {
    return {
      ...toSummary(row),
      following,
      live: await this.#stage.liveSessionsOf(row.owner.id),
      recordings: await this.#stage.recordingsOf(row.owner.id),
    };
  }
}

/** LIKE's wildcards and its escape character, taken literally. */
function likeEscaped(text: string): string {
  return text.replace(/[\\%_]/g, (character) => `\\${character}`);
}

function toSummary(row: ChannelRow): ChannelSummary {
  return {
    id: row.id,
    slug: row.slug,
    title: row.title,
    description: row.description,
    owner: { userId: row.owner.id, displayName: row.owner.displayName },
    createdAt: row.createdAt.toISOString(),
    followerCount: row._count.followers,
  };
}
