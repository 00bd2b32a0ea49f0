// Chat request payloads and HTTP bodies as zod schemas. Each `satisfies` the
// protocol type the client sends (signaling/protocol/chat.ts), so the two
// cannot drift apart.
import { z } from 'zod';
import {
  chatReactionEmojis,
  MAX_CHAT_MESSAGE_CHARS,
  MAX_CHAT_PAGE,
  MAX_MUTE_MINUTES,
  MAX_SLOW_MODE_SECONDS,
  reportReasons,
  reportStatuses,
  type ChatHistoryRequest,
  type ChatJoinRequest,
  type ChatMessageRef,
  type ChatModerationTarget,
  type ChatMuteRequest,
  type ChatReactRequest,
  type ChatSendRequest,
  type ChatSessionRef,
  type ChatSlowModeRequest,
  type ChatUserRef,
} from '../protocol/chat.ts';
import { entityId } from './commonRequests.ts';
import { watchKey } from './streamRequests.ts';

const id = entityId;
export const DEFAULT_CHAT_PAGE = 50;

/**
 * Chat text: control characters other than line breaks are dropped (they
 * render as nothing or break layouts), runs of blank lines are capped, and
 * the length counts characters as people see them (code points).
 */
export const chatText = z
  .string()
  .max(MAX_CHAT_MESSAGE_CHARS * 4, `must be at most ${MAX_CHAT_MESSAGE_CHARS} characters`)
  .transform((text) =>
    text
      .replace(/\r\n?/g, '\n')
      .replace(/[^\P{Cc}\n]/gu, '')
      .replace(/\n{3,}/g, '\n\n')
      .trim(),
  )
  .refine((text) => text.length > 0, 'must not be empty')
  .refine((text) => [...text].length <= MAX_CHAT_MESSAGE_CHARS, `must be at most ${MAX_CHAT_MESSAGE_CHARS} characters`);

export const historyLimit = z.coerce.number().int().min(1).max(MAX_CHAT_PAGE).default(DEFAULT_CHAT_PAGE);
/** An opaque history cursor (historyCursor.ts checks what is inside). */
export const historyCursor = z.string().min(1).max(200);

export const chatSessionRef = z.object({ sessionId: id }) satisfies z.ZodType<ChatSessionRef>;
export const chatJoinRequest = z.object({
  sessionId: id,
  key: watchKey.optional(),
}) satisfies z.ZodType<ChatJoinRequest>;
export const chatSendRequest = z.object({
  sessionId: id,
  text: chatText,
  key: watchKey.optional(),
}) satisfies z.ZodType<ChatSendRequest>;
export const chatHistoryRequest = z.object({
  sessionId: id,
  key: watchKey.optional(),
  before: historyCursor.optional(),
  limit: historyLimit,
}) satisfies z.ZodType<ChatHistoryRequest>;
export const chatMessageRef = z.object({ messageId: id }) satisfies z.ZodType<ChatMessageRef>;
export const chatReactRequest = z.object({
  messageId: id,
  emoji: z.enum(chatReactionEmojis, { error: `must be one of ${chatReactionEmojis.join(' ')}` }),
  remove: z.boolean().default(false),
}) satisfies z.ZodType<ChatReactRequest>;
export const chatUserRef = z.object({ userId: id }) satisfies z.ZodType<ChatUserRef>;
export const chatModerationTarget = z.object({ sessionId: id, userId: id }) satisfies z.ZodType<ChatModerationTarget>;
export const chatMuteRequest = z.object({
  sessionId: id,
  userId: id,
  minutes: z.number().int('must be a whole number').min(1).max(MAX_MUTE_MINUTES),
}) satisfies z.ZodType<ChatMuteRequest>;
export const chatSlowModeRequest = z.object({
  sessionId: id,
  seconds: z.number().int('must be a whole number').min(0).max(MAX_SLOW_MODE_SECONDS),
}) satisfies z.ZodType<ChatSlowModeRequest>;

// --- HTTP ----------------------------------------------------------------------

export const historyQuery = z.object({
  before: historyCursor.optional(),
  limit: historyLimit,
  key: watchKey.optional(),
});
export const idParam = id;

/** A report names a message (its author is the target) or a user, not both. */
export const reportBody = z
  .object({
    messageId: id.optional(),
    userId: id.optional(),
    reason: z.enum(reportReasons),
    details: z.string().trim().max(1000).default(''),
  })
  .strict()
  .refine((body) => (body.messageId === undefined) !== (body.userId === undefined), {
    message: 'give either messageId or userId',
  });
export const reportListQuery = z.object({
  status: z.enum(reportStatuses).default('open'),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export type ReportBody = z.infer<typeof reportBody>;
