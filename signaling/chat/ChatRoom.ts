// The moderation state of one session's chat and the rules for changing it:
// who may write (bans, mutes, slow mode), who may moderate whom. No I/O:
// ChatService checks here, persists, then applies the change (so memory never
// holds what the database refused). Every rule that needs a permission names
// it first. The per-user message rate is not here: it is a limiter in
// signaling/limits, whose store can be shared by several nodes.
import { AppError } from '../errors.ts';
import type { ChatBadge, ChatMemberState, ChatStanding } from '../protocol/chat.ts';

/** A user's standing; users without one have the default (nothing). */
export interface ChatMemberRecord {
  moderator: boolean;
  mutedUntil: Date | null;
  banned: boolean;
}

export interface ChatRoomInit {
  sessionId: string;
  primaryHostId: string;
  slowModeSeconds: number;
  pinnedMessageId: string | null;
  members: ReadonlyMap<string, ChatMemberRecord>;
  /** Whether a user is a host (primary or co-host) of the session right now. */
  isHost: (userId: string) => boolean;
}

/** primary host > moderator > everyone else; you can only moderate those below you. */
type Rank = 0 | 1 | 2;

const noStanding: ChatMemberRecord = { moderator: false, mutedUntil: null, banned: false };

export class ChatRoom {
  readonly sessionId: string;
  readonly primaryHostId: string;
  #slowModeSeconds: number;
  #pinnedMessageId: string | null;
  readonly #members: Map<string, ChatMemberRecord>;
  readonly #isHost: (userId: string) => boolean;
  /** When each user's last message was accepted (slow mode). */
  readonly #lastSentAtMs = new Map<string, number>();

  constructor(init: ChatRoomInit) {
    this.sessionId = init.sessionId;
    this.primaryHostId = init.primaryHostId;
    this.#slowModeSeconds = init.slowModeSeconds;
    this.#pinnedMessageId = init.pinnedMessageId;
    this.#members = new Map(init.members);
    this.#isHost = init.isHost;
  }

  get slowModeSeconds(): number {
    return this.#slowModeSeconds;
  }

  get pinnedMessageId(): string | null {
    return this.#pinnedMessageId;
  }

  member(userId: string): ChatMemberRecord {
    return this.#members.get(userId) ?? noStanding;
  }

  canModerate(userId: string): boolean {
    return this.#rank(userId) > 0;
  }

  badgeOf(userId: string): ChatBadge {
    if (userId === this.primaryHostId || this.#isHost(userId)) return 'host';
    return this.member(userId).moderator ? 'moderator' : null;
  }

  standing(userId: string | undefined, now: Date): ChatStanding {
    if (!userId) return { userId: null, canModerate: false, isPrimaryHost: false, mutedUntil: null, banned: false };
    const member = this.member(userId);
    return {
      userId,
      canModerate: this.canModerate(userId),
      isPrimaryHost: userId === this.primaryHostId,
      mutedUntil: mutedUntil(member, now)?.toISOString() ?? null,
      banned: member.banned,
    };
  }

  memberState(userId: string, now: Date): ChatMemberState {
    const member = this.member(userId);
    return {
      sessionId: this.sessionId,
      userId,
      moderator: member.moderator,
      mutedUntil: mutedUntil(member, now)?.toISOString() ?? null,
      banned: member.banned,
    };
  }

  /** Every user with a moderation state now (an expired mute alone is none). */
  memberStates(now: Date): ChatMemberState[] {
    return [...this.#members.keys()]
      .map((userId) => this.memberState(userId, now))
      .filter((state) => state.moderator || state.banned || state.mutedUntil !== null);
  }

  // --- writing -------------------------------------------------------------

  /** Banned and muted users cannot write (messages or reactions). */
  assertCanWrite(userId: string, now: Date): void {
    const member = this.member(userId);
    if (member.banned) throw new AppError('NOT_ALLOWED', 'you are banned from this chat');
    const until = mutedUntil(member, now);
    if (until) throw new AppError('NOT_ALLOWED', `you are muted in this chat until ${until.toISOString()}`);
  }

  /** Whether the user may send a message now: not banned, not muted, not held back by slow mode. */
  assertCanSend(userId: string, now: Date): void {
    this.assertCanWrite(userId, now);
    if (this.#slowModeSeconds > 0 && !this.canModerate(userId) && !this.#isHost(userId)) {
      const waitMs = (this.#lastSentAtMs.get(userId) ?? -Infinity) + this.#slowModeSeconds * 1000 - now.getTime();
      if (waitMs > 0) {
        throw new AppError('RATE_LIMITED', `slow mode: wait ${Math.ceil(waitMs / 1000)} s before your next message`);
      }
    }
  }

  /**
   * Admits one message from the user now, or throws (assertCanSend). An
   * admitted message counts at once, so concurrent sends cannot slip past
   * slow mode.
   */
  admitMessage(userId: string, now: Date): void {
    this.assertCanSend(userId, now);
    this.#lastSentAtMs.set(userId, now.getTime());
  }

  // --- permissions -----------------------------------------------------------

  assertModerator(callerId: string, action: string): void {
    if (!this.canModerate(callerId)) {
      throw new AppError('NOT_ALLOWED', `only the primary host and moderators can ${action}`);
    }
  }

  assertPrimary(callerId: string, action: string): void {
    if (callerId !== this.primaryHostId) throw new AppError('NOT_ALLOWED', `only the primary host can ${action}`);
  }

  /** A moderator acting on another user: only users ranked below them. */
  assertCanModerateUser(callerId: string, targetId: string, action: string): void {
    this.assertModerator(callerId, action);
    if (callerId === targetId) throw new AppError('INVALID_INPUT', `you cannot ${action} yourself`);
    if (this.#rank(targetId) >= this.#rank(callerId)) {
      throw new AppError('NOT_ALLOWED', `you cannot ${action} the primary host or another moderator`);
    }
  }

  /** Authors delete their own messages; moderators those of users below them. */
  assertCanDelete(callerId: string, authorId: string): void {
    if (callerId === authorId) return;
    this.assertModerator(callerId, "delete others' messages");
    if (this.#rank(authorId) >= this.#rank(callerId)) {
      throw new AppError('NOT_ALLOWED', 'you cannot delete messages of the primary host or another moderator');
    }
  }

  // --- changes: plan (check, return the new value), persist, then apply --------

  planModerator(callerId: string, userId: string, moderator: boolean): ChatMemberRecord {
    this.assertPrimary(callerId, moderator ? 'appoint moderators' : 'dismiss moderators');
    if (userId === this.primaryHostId) throw new AppError('INVALID_INPUT', 'the primary host moderates already');
    return { ...this.member(userId), moderator };
  }

  planMute(callerId: string, userId: string, until: Date | null): ChatMemberRecord {
    this.assertCanModerateUser(callerId, userId, until ? 'mute' : 'unmute');
    return { ...this.member(userId), mutedUntil: until };
  }

  planBan(callerId: string, userId: string, banned: boolean): ChatMemberRecord {
    this.assertCanModerateUser(callerId, userId, banned ? 'ban' : 'unban');
    return { ...this.member(userId), banned };
  }

  setMember(userId: string, record: ChatMemberRecord): void {
    this.#members.set(userId, record);
  }

  setSlowMode(seconds: number): void {
    this.#slowModeSeconds = seconds;
  }

  setPinned(messageId: string | null): void {
    this.#pinnedMessageId = messageId;
  }

  #rank(userId: string): Rank {
    if (userId === this.primaryHostId) return 2;
    return this.member(userId).moderator ? 1 : 0;
  }
}

function mutedUntil(member: ChatMemberRecord, now: Date): Date | null {
  return member.mutedUntil && member.mutedUntil > now ? member.mutedUntil : null;
}
