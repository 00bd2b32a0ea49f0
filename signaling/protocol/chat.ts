// Live chat of a session: what clients render, and the payloads of its
// requests and pushes. Request payloads are validated on the server by the
// zod schemas in signaling/chat/chatRequests.ts.

/** Reactions a message can get: a small fixed set keeps counts readable and rows bounded. */
export const chatReactionEmojis = ['👍', '❤️', '😂', '😮', '😢', '🎉', '🔥', '👏'] as const;
export type ChatReactionEmoji = (typeof chatReactionEmojis)[number];

/** Longest message, in characters (code points), after trimming. */
export const MAX_CHAT_MESSAGE_CHARS = 500;
/** Largest history page. */
export const MAX_CHAT_PAGE = 100;
/** Longest mute a moderator can give: a week. */
export const MAX_MUTE_MINUTES = 7 * 24 * 60;
/** Longest slow-mode interval. */
export const MAX_SLOW_MODE_SECONDS = 600;

/** How the author stands in the session: shown as a badge next to their name. */
export type ChatBadge = 'host' | 'moderator' | null;

export interface ChatMessageView {
  id: string;
  sessionId: string;
  userId: string;
  displayName: string;
  text: string;
  /** ISO 8601. */
  createdAt: string;
  badge: ChatBadge;
  /** Count per emoji; emojis nobody used are absent. */
  reactions: Partial<Record<ChatReactionEmoji, number>>;
}

/** One page of history, oldest first. */
export interface ChatPage {
  messages: ChatMessageView[];
  /** Pass as `before` for the next (older) page; null when there is none. */
  nextBefore: string | null;
  /** The caller's own reactions to these messages (in chat:join, to the pinned one too); empty when anonymous. */
  myReactions: ChatOwnReaction[];
}

/** One reaction the caller gave (told only to them: message views go to everyone). */
export interface ChatOwnReaction {
  messageId: string;
  emoji: ChatReactionEmoji;
}

/** The caller's standing in a session's chat. */
export interface ChatStanding {
  /** null for anonymous connections (they can read, not write). */
  userId: string | null;
  /** Primary host or appointed moderator: may delete, mute, ban, pin, set slow mode. */
  canModerate: boolean;
  /** The primary host: may also appoint and dismiss moderators. */
  isPrimaryHost: boolean;
  /** ISO 8601 while muted, else null. */
  mutedUntil: string | null;
  banned: boolean;
}

export interface ChatJoinResult extends ChatPage {
  sessionId: string;
  /** Whether new messages are accepted (false once the session has ended). */
  open: boolean;
  pinned: ChatMessageView | null;
  slowModeSeconds: number;
  /** Who outranks everyone (moderation controls are offered only where the server would allow them). */
  primaryHostId: string;
  /** To moderators: every user with a moderation state (moderator, muted, banned); to others, empty. */
  members: ChatMemberState[];
  /** How fast one user may post here: a burst of `burst` messages, then `perS` a second (beside slow mode). */
  messageRate: { burst: number; perS: number };
  you: ChatStanding;
}

/** A user's moderation state in one session's chat (pushed on every change). */
export interface ChatMemberState {
  sessionId: string;
  userId: string;
  moderator: boolean;
  /** ISO 8601 while muted, else null. */
  mutedUntil: string | null;
  banned: boolean;
}

export interface ChatReactions {
  sessionId: string;
  messageId: string;
  reactions: Partial<Record<ChatReactionEmoji, number>>;
}

export const reportReasons = ['spam', 'harassment', 'hate', 'sexual', 'violence', 'other'] as const;
export type ReportReason = (typeof reportReasons)[number];

export const reportStatuses = ['open', 'resolved', 'dismissed'] as const;
export type ReportStatus = (typeof reportStatuses)[number];

export interface ReportView {
  id: string;
  reporterId: string;
  targetUserId: string;
  messageId: string | null;
  sessionId: string | null;
  messageText: string | null;
  reason: ReportReason;
  details: string;
  status: ReportStatus;
  createdAt: string;
}

// --- requests ------------------------------------------------------------------

export interface ChatSessionRef {
  sessionId: string;
}
/** A private session's chat is read and written with its watch key (hosts need none). */
export interface ChatJoinRequest {
  sessionId: string;
  key?: string | undefined;
}
export interface ChatSendRequest {
  sessionId: string;
  text: string;
  key?: string | undefined;
}
export interface ChatHistoryRequest {
  sessionId: string;
  key?: string | undefined;
  /** `nextBefore` of the previous page; absent for the newest page. */
  before?: string;
  /** Default 50, at most MAX_CHAT_PAGE. */
  limit?: number;
}
export interface ChatMessageRef {
  messageId: string;
}
export interface ChatReactRequest {
  messageId: string;
  emoji: ChatReactionEmoji;
  /** Take your reaction back instead. Both directions are idempotent. */
  remove?: boolean;
}
export interface ChatUserRef {
  userId: string;
}
export interface ChatModerationTarget {
  sessionId: string;
  userId: string;
}
export interface ChatMuteRequest extends ChatModerationTarget {
  /** 1 … MAX_MUTE_MINUTES. */
  minutes: number;
}
export interface ChatSlowModeRequest {
  sessionId: string;
  /** 0 turns slow mode off; at most MAX_SLOW_MODE_SECONDS. */
  seconds: number;
}
