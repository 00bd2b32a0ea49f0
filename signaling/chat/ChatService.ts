// The chat actions, shared by the socket handlers and the HTTP routes: each
// finds the session's ChatRoom, checks there, persists, applies, and pushes.
// Rooms of sessions that have not ended are kept in memory (moderation state
// is read on every message); the rooms of ended sessions are read from the
// database per request (history, late clean-up) and not kept.
import type { Logger } from 'pino';
import type { Identity } from '../auth/identityToken.ts';
import { AppError } from '../errors.ts';
import { RateLimiter, type RateLimit } from '../limits/rateLimits.ts';
import type {
  ChatJoinResult,
  ChatMemberState,
  ChatMessageView,
  ChatPage,
  ChatReactionEmoji,
  ChatReactions,
  ReportView,
} from '../protocol/chat.ts';
import type { ChatConfig } from './chatConfig.ts';
import type { ChatPushes } from './ChatPushes.ts';
import { DEFAULT_CHAT_PAGE, type ReportBody } from '../protocol/chatRequests.ts';
import {
  COMMENT_AUTHOR_MAX_LENGTH,
  COMMENT_TEXT_MAX_LENGTH,
  onScreenText,
  type OnScreenComment,
  type OnScreenState,
} from '../protocol/onScreen.ts';
import { ChatRoom, type ChatMemberRecord } from './ChatRoom.ts';
import type { ChatStore, ReactionCounts } from './ChatStore.ts';
import type { MessageRow } from './MessageRow.ts';
import { decodeCursor, encodeCursor } from './historyCursor.ts';
import { createWordFilter, type WordFilter } from './wordFilter.ts';

/** The live sessions, as the chat needs them (signaling/chat/chatSessions.ts adapts SessionService). */
export interface ChatSessions {
  /** The session while it has not ended (its chat takes messages), else undefined. */
  active(sessionId: string): { isHost(userId: string): boolean } | undefined;
  /** Puts a message on the session's picture, as `caller` (who must manage the stage). */
  showComment(caller: Identity, sessionId: string, comment: OnScreenComment): Promise<OnScreenState>;
  /** Refuses (PRIVATE_SESSION, NOT_FOUND) who may not read a private session's chat: no key, not a host. */
  admit(sessionId: string, key: string | undefined, caller: Identity | undefined): Promise<unknown>;
}

export interface ChatServiceOptions {
  store: ChatStore;
  sessions: ChatSessions;
  pushes: ChatPushes;
  config: ChatConfig;
  logger: Logger;
  /** The clock (tests move it to end mutes and slow mode). Default: the real one. */
  now?: () => Date;
}

/** Users one account may block: each is a Socket.io room on every socket of theirs. */
export const MAX_BLOCKS = 1000;

export class ChatService {
  readonly #store: ChatStore;
  readonly #sessions: ChatSessions;
  readonly #pushes: ChatPushes;
  readonly #filter: WordFilter;
  readonly #logger: Logger;
  readonly #now: () => Date;
  /** Rooms of sessions that have not ended, by session id. */
  readonly #rooms = new Map<string, Promise<ChatRoom>>();
  /** Messages per user and session: a burst, then the configured rate. */
  readonly #messageRate: RateLimiter;
  /** That limit as readers are told it (chat:join). */
  readonly #messageRateLimit: RateLimit;

  constructor(options: ChatServiceOptions) {
    this.#store = options.store;
    this.#sessions = options.sessions;
    this.#pushes = options.pushes;
    this.#filter = createWordFilter(options.config.filteredWords, options.config.filterMode);
    this.#logger = options.logger.child({ component: 'chat' });
    this.#now = options.now ?? (() => new Date());
    this.#messageRate = new RateLimiter('chat-messages', options.config.rate);
    this.#messageRateLimit = { ...options.config.rate };
  }

  // --- reading -----------------------------------------------------------------

  /** What a reader needs on joining: recent history, the pinned message, settings, their standing. */
  async open(
    caller: Identity | undefined,
    sessionId: string,
    hiddenUserIds: readonly string[],
    key?: string,
  ): Promise<ChatJoinResult> {
    await this.#sessions.admit(sessionId, key, caller);
    const room = await this.#room(sessionId);
    const [page, pinned] = await Promise.all([
      this.#page(room, caller, hiddenUserIds, undefined, DEFAULT_CHAT_PAGE),
      this.#pinnedView(room),
    ]);
    const pinnedOutsidePage = pinned && !page.messages.some((message) => message.id === pinned.id);
    const myReactions =
      caller && pinnedOutsidePage
        ? [...page.myReactions, ...(await this.#store.reactionsBy(caller.userId, [pinned.id]))]
        : page.myReactions;
    const now = this.#now();
    const you = room.standing(caller?.userId, now);
    return {
      sessionId,
      open: this.#sessions.active(sessionId) !== undefined,
      pinned,
      slowModeSeconds: room.slowModeSeconds,
      primaryHostId: room.primaryHostId,
      // Moderators need them to offer unmute, unban and dismiss after a reload.
      members: you.canModerate ? room.memberStates(now) : [],
      messageRate: { ...this.#messageRateLimit },
      you,
      ...page,
      myReactions,
    };
  }

  async history(
    caller: Identity | undefined,
    sessionId: string,
    before: string | undefined,
    limit: number,
    key?: string,
  ): Promise<ChatPage> {
    await this.#sessions.admit(sessionId, key, caller);
    const cursor = before === undefined ? undefined : decodeCursor(before);
    const room = await this.#room(sessionId);
    const hidden = caller ? await this.#store.blockedBy(caller.userId) : [];
    return this.#page(room, caller, hidden, cursor, limit);
  }

  // --- writing -----------------------------------------------------------------

  async send(caller: Identity, sessionId: string, text: string, key?: string): Promise<ChatMessageView> {
    await this.#sessions.admit(sessionId, key, caller);
    const room = await this.#room(sessionId);
    this.#assertOpen(sessionId);
    room.assertCanWrite(caller.userId, this.#now());
    const filtered = this.#filter.apply(text);
    if (filtered.matched && this.#filter.mode === 'reject') {
      throw new AppError('INVALID_INPUT', 'the message contains a word this chat does not allow');
    }
    // Checked before the rate so that refused messages spend none of it.
    room.assertCanSend(caller.userId, this.#now());
    if (!(await this.#messageRate.take(`${sessionId}:${caller.userId}`)).allowed) {
      throw new AppError('RATE_LIMITED', 'you are sending messages too fast');
    }
    // Again after the wait: the session may have ended, or another message of the user been admitted.
    this.#assertOpen(sessionId);
    const now = this.#now();
    room.admitMessage(caller.userId, now);
    const row = this.#store.insertMessage({
      sessionId,
      userId: caller.userId,
      displayName: caller.displayName,
      text: filtered.text,
      createdAt: now,
    });
    const view = this.#view(room, row, {});
    this.#pushes.message(view);
    return view;
  }

  async react(caller: Identity, messageId: string, emoji: ChatReactionEmoji, remove: boolean): Promise<ChatReactions> {
    const message = await this.#visibleMessage(messageId);
    const room = await this.#room(message.sessionId);
    this.#assertOpen(message.sessionId);
    room.assertCanWrite(caller.userId, this.#now());
    await this.#store.setReaction(messageId, caller.userId, emoji, !remove);
    const counts = await this.#store.reactionCounts([messageId]);
    const event = { sessionId: message.sessionId, messageId, reactions: counts.get(messageId) ?? {} };
    this.#pushes.reaction(event);
    return event;
  }

  // --- moderation ----------------------------------------------------------------

  async deleteMessage(caller: Identity, messageId: string): Promise<void> {
    const message = await this.#visibleMessage(messageId);
    const room = await this.#room(message.sessionId);
    room.assertCanDelete(caller.userId, message.userId);
    if (!(await this.#store.softDelete(messageId, caller.userId, this.#now()))) {
      throw new AppError('NOT_FOUND', 'no such message (it may have been deleted)');
    }
    this.#pushes.messageDeleted(message.sessionId, messageId);
    if (caller.userId !== message.userId) {
      this.#logger.info({ sessionId: message.sessionId, messageId, by: caller.userId }, 'message deleted by moderator');
    }
    if (room.pinnedMessageId === messageId) await this.#setPinned(room, null);
  }

  async pin(caller: Identity, messageId: string): Promise<ChatMessageView> {
    const message = await this.#visibleMessage(messageId);
    const room = await this.#room(message.sessionId);
    room.assertModerator(caller.userId, 'pin messages');
    const counts = await this.#store.reactionCounts([messageId]);
    const view = this.#view(room, message, counts.get(messageId) ?? {});
    await this.#setPinned(room, view);
    return view;
  }

  /**
   * A message on the broadcast's picture with its author's name, as the
   * chat has them (a host picks it; nobody types someone else's words).
   * What the compositor cannot draw is left out; a message with nothing
   * left (only emoji) is refused in words.
   */
  async showOnScreen(caller: Identity, messageId: string): Promise<OnScreenState> {
    const message = await this.#visibleMessage(messageId);
    const text = onScreenText(message.text, COMMENT_TEXT_MAX_LENGTH);
    if (!text)
      throw new AppError('INVALID_INPUT', 'this message has nothing the picture can show (only emoji or marks)');
    const author = onScreenText(message.displayName, COMMENT_AUTHOR_MAX_LENGTH) || 'Viewer';
    return this.#sessions.showComment(caller, message.sessionId, { author, text });
  }

  async unpin(caller: Identity, sessionId: string): Promise<void> {
    const room = await this.#room(sessionId);
    room.assertModerator(caller.userId, 'unpin messages');
    if (room.pinnedMessageId !== null) await this.#setPinned(room, null);
  }

  async setModerator(caller: Identity, sessionId: string, userId: string, moderator: boolean) {
    const room = await this.#room(sessionId);
    return this.#changeMember(room, caller, userId, room.planModerator(caller.userId, userId, moderator));
  }

  async mute(caller: Identity, sessionId: string, userId: string, minutes: number | null): Promise<ChatMemberState> {
    const room = await this.#room(sessionId);
    const until = minutes === null ? null : new Date(this.#now().getTime() + minutes * 60_000);
    return this.#changeMember(room, caller, userId, room.planMute(caller.userId, userId, until));
  }

  async ban(caller: Identity, sessionId: string, userId: string, banned: boolean): Promise<ChatMemberState> {
    const room = await this.#room(sessionId);
    return this.#changeMember(room, caller, userId, room.planBan(caller.userId, userId, banned));
  }

  async setSlowMode(caller: Identity, sessionId: string, seconds: number): Promise<void> {
    const room = await this.#room(sessionId);
    room.assertModerator(caller.userId, 'set slow mode');
    await this.#store.saveSettings(sessionId, { slowModeSeconds: seconds });
    room.setSlowMode(seconds);
    this.#pushes.slowMode(sessionId, seconds);
  }

  // --- blocks and reports ----------------------------------------------------------

  blockedIds(userId: string): Promise<string[]> {
    return this.#store.blockedBy(userId);
  }

  async block(caller: Identity, userId: string): Promise<void> {
    if (userId === caller.userId) throw new AppError('INVALID_INPUT', 'you cannot block yourself');
    await this.#assertKnown(userId);
    if ((await this.#store.countBlocks(caller.userId)) >= MAX_BLOCKS) {
      throw new AppError('CONFLICT', `you have blocked ${MAX_BLOCKS} users already; unblock some first`);
    }
    await this.#store.block(caller.userId, userId);
    this.#pushes.hide(caller.userId, userId, true);
  }

  async unblock(caller: Identity, userId: string): Promise<void> {
    await this.#store.unblock(caller.userId, userId);
    this.#pushes.hide(caller.userId, userId, false);
  }

  async report(caller: Identity, body: ReportBody): Promise<ReportView> {
    let target: { userId: string; messageId: string | null; sessionId: string | null; text: string | null };
    if (body.messageId !== undefined) {
      // Deleted messages stay reportable: the report may be why it was deleted.
      const message = await this.#store.findMessage(body.messageId);
      if (!message) throw new AppError('NOT_FOUND', 'no such message');
      target = { userId: message.userId, messageId: message.id, sessionId: message.sessionId, text: message.text };
    } else {
      const userId = body.userId as string;
      await this.#assertKnown(userId);
      target = { userId, messageId: null, sessionId: null, text: null };
    }
    if (target.userId === caller.userId) throw new AppError('INVALID_INPUT', 'you cannot report yourself');
    const report = await this.#store.insertReport({
      reporterId: caller.userId,
      targetUserId: target.userId,
      messageId: target.messageId,
      sessionId: target.sessionId,
      messageText: target.text,
      reason: body.reason,
      details: body.details,
    });
    this.#logger.info({ reportId: report.id, reason: report.reason }, 'report filed');
    return report;
  }

  listReports(status: ReportView['status'], limit: number): Promise<ReportView[]> {
    return this.#store.listReports(status, limit);
  }

  // --- lifecycle -----------------------------------------------------------------

  /** The session ended: its chat takes no more messages, and its room leaves memory. */
  sessionEnded(sessionId: string): void {
    this.#rooms.delete(sessionId);
    this.#pushes.closed(sessionId);
  }

  /** The session runs on another node now: its chat goes on there (the room is loaded again from the database). */
  sessionMovedAway(sessionId: string): void {
    this.#rooms.delete(sessionId);
  }

  // --- internals -----------------------------------------------------------------

  #room(sessionId: string): Promise<ChatRoom> {
    const cached = this.#rooms.get(sessionId);
    if (cached) return cached;
    const loading = this.#loadRoom(sessionId);
    if (this.#sessions.active(sessionId)) {
      this.#rooms.set(sessionId, loading);
      // A failed load is not cached: the next request tries again. (The
      // error itself reaches the caller, who gets `loading`.)
      loading.catch(() => {
        if (this.#rooms.get(sessionId) === loading) this.#rooms.delete(sessionId);
      });
    }
    return loading;
  }

  async #loadRoom(sessionId: string): Promise<ChatRoom> {
    const session = await this.#store.findSession(sessionId);
    if (!session) throw new AppError('NOT_FOUND', 'no such session');
    const state = await this.#store.loadRoom(sessionId);
    return new ChatRoom({
      sessionId,
      primaryHostId: session.primaryHostId,
      ...state,
      isHost: (userId) => this.#sessions.active(sessionId)?.isHost(userId) ?? false,
    });
  }

  #assertOpen(sessionId: string): void {
    if (!this.#sessions.active(sessionId)) throw new AppError('CONFLICT', 'the session has ended: its chat is closed');
  }

  async #visibleMessage(messageId: string): Promise<MessageRow> {
    const message = await this.#store.findMessage(messageId);
    if (!message || message.deletedAt) throw new AppError('NOT_FOUND', 'no such message (it may have been deleted)');
    return message;
  }

  async #assertKnown(userId: string): Promise<void> {
    if (!(await this.#store.isKnownUser(userId))) throw new AppError('NOT_FOUND', 'no such user');
  }

  async #changeMember(room: ChatRoom, caller: Identity, userId: string, next: ChatMemberRecord) {
    await this.#assertKnown(userId);
    await this.#store.saveMember(room.sessionId, userId, next);
    room.setMember(userId, next);
    const state = room.memberState(userId, this.#now());
    this.#pushes.memberUpdated(state);
    this.#logger.info({ ...state, by: caller.userId }, 'chat member updated');
    return state;
  }

  async #setPinned(room: ChatRoom, message: ChatMessageView | null): Promise<void> {
    await this.#store.saveSettings(room.sessionId, { pinnedMessageId: message?.id ?? null });
    room.setPinned(message?.id ?? null);
    this.#pushes.pinned(room.sessionId, message);
  }

  async #pinnedView(room: ChatRoom): Promise<ChatMessageView | null> {
    if (room.pinnedMessageId === null) return null;
    const message = await this.#store.findMessage(room.pinnedMessageId);
    if (!message || message.deletedAt) return null;
    const counts = await this.#store.reactionCounts([message.id]);
    return this.#view(room, message, counts.get(message.id) ?? {});
  }

  async #page(
    room: ChatRoom,
    caller: Identity | undefined,
    hiddenUserIds: readonly string[],
    before: ReturnType<typeof decodeCursor> | undefined,
    limit: number,
  ): Promise<ChatPage> {
    const { rows, more } = await this.#store.page(room.sessionId, { before, limit, hiddenUserIds });
    const ids = rows.map((row) => row.id);
    const [counts, myReactions] = await Promise.all([
      this.#store.reactionCounts(ids),
      caller ? this.#store.reactionsBy(caller.userId, ids) : [],
    ]);
    const oldest = rows.at(-1);
    return {
      messages: rows.reverse().map((row) => this.#view(room, row, counts.get(row.id) ?? {})),
      nextBefore: more && oldest ? encodeCursor(oldest) : null,
      myReactions,
    };
  }

  #view(room: ChatRoom, row: MessageRow, reactions: ReactionCounts): ChatMessageView {
    return {
      id: row.id,
      sessionId: row.sessionId,
      userId: row.userId,
      displayName: row.displayName,
      text: row.text,
      createdAt: row.createdAt.toISOString(),
      badge: room.badgeOf(row.userId),
      reactions,
    };
  }
}
