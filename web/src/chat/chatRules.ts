// What the chat panel decides without I/O: which moderation controls the
// viewer's role allows (mirroring the server's ranks, so nothing is offered
// that the server would refuse), the choices offered, errors in words, local
// times, and the gentle "you are sending fast" hint.
import type {
  ChatMemberState,
  ChatMessageView,
  ChatReactionEmoji,
  ChatStanding,
  ErrorCode,
} from '../../../signaling/protocol/index.ts';

/** primary host > moderator > everyone else (docs/protocol.md "Chat"). */
export type ChatRank = 0 | 1 | 2;

export interface ChatRoles {
  primaryHostId: string;
  /** Member states by user id (what chat:join and chat:member-updated said). */
  members: Readonly<Record<string, ChatMemberState>>;
}

export function rankOf(userId: string, roles: ChatRoles): ChatRank {
  if (userId === roles.primaryHostId) return 2;
  return roles.members[userId]?.moderator ? 1 : 0;
}

/** Authors delete their own messages; moderators those of users ranked below them. */
export function canDelete(you: ChatStanding, authorId: string, roles: ChatRoles): boolean {
  if (!you.userId) return false;
  if (you.userId === authorId) return true;
  return you.canModerate && rankOf(authorId, roles) < rankOf(you.userId, roles);
}

/** Mute, unmute, ban, unban: a moderator acting on someone ranked below them. */
export function canModerateUser(you: ChatStanding, userId: string, roles: ChatRoles): boolean {
  if (!you.userId || !you.canModerate || you.userId === userId) return false;
  return rankOf(userId, roles) < rankOf(you.userId, roles);
}

/** Appointing and dismissing moderators is the primary host's alone. */
export function canAppoint(you: ChatStanding, userId: string, roles: ChatRoles): boolean {
  return you.isPrimaryHost && userId !== roles.primaryHostId;
}

/** Slow mode does not hold back hosts and moderators. */
export function exemptFromSlowMode(you: ChatStanding, badge: ChatMessageView['badge'] | undefined): boolean {
  return you.canModerate || badge === 'host';
}

export const muteChoices: readonly { minutes: number; label: string }[] = [
  { minutes: 1, label: '1 minute' },
  { minutes: 5, label: '5 minutes' },
  { minutes: 10, label: '10 minutes' },
  { minutes: 60, label: '1 hour' },
  { minutes: 24 * 60, label: '1 day' },
  { minutes: 7 * 24 * 60, label: '1 week' },
];

export const slowModeChoices: readonly { seconds: number; label: string }[] = [
  { seconds: 0, label: 'Off' },
  { seconds: 5, label: '5 s' },
  { seconds: 10, label: '10 s' },
  { seconds: 30, label: '30 s' },
  { seconds: 60, label: '1 min' },
  { seconds: 120, label: '2 min' },
  { seconds: 300, label: '5 min' },
  { seconds: 600, label: '10 min' },
];

/** Names for the reaction set: labels for screen readers, and words beside emojis that a system may not draw. */
export const reactionNames: Record<ChatReactionEmoji, string> = {
  '👍': 'Like',
  '❤️': 'Love',
  '😂': 'Funny',
  '😮': 'Wow',
  '😢': 'Sad',
  '🎉': 'Party',
  '🔥': 'Fire',
  '👏': 'Clap',
};

export const reportReasonLabels = {
  spam: 'Spam',
  harassment: 'Harassment or bullying',
  hate: 'Hate speech',
  sexual: 'Sexual content',
  violence: 'Violence or threats',
  other: 'Something else',
} as const;

/** A time of day as this browser shows it; with the date when it is not today. */
export function localTime(iso: string, now: Date = new Date()): string {
  const at = new Date(iso);
  const time = at.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  if (at.toDateString() === now.toDateString()) return time;
  return `${at.toLocaleDateString([], { weekday: 'short', day: 'numeric', month: 'short' })} ${time}`;
}

/** Whole seconds left until `untilMs` (0 once passed). */
export function secondsLeft(untilMs: number, nowMs: number): number {
  return Math.max(0, Math.ceil((untilMs - nowMs) / 1000));
}

const ISO_TIME = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z/g;

/** A failed chat request, in words for the person who tried. */
export function describeChatError(code: ErrorCode | 'TIMEOUT', reason: string): string {
  // The server names times in ISO 8601 (a mute's end): show them as local times.
  const said = reason.replace(ISO_TIME, (iso) => localTime(iso));
  switch (code) {
    case 'RATE_LIMITED':
      return said.startsWith('slow mode') ? `Slow down: ${said.slice('slow mode: '.length)}.` : 'Slow down a little.';
    case 'NOT_ALLOWED':
      return capitalise(`${said}.`);
    case 'UNAUTHENTICATED':
      return 'Sign in to chat.';
    case 'CONFLICT':
      return said.includes('ended') ? 'The chat is closed: the show has ended.' : capitalise(`${said}.`);
    case 'NOT_FOUND':
      return 'That message or user is gone (deleted meanwhile?).';
    case 'INVALID_INPUT':
      return capitalise(`${said}.`);
    case 'TIMEOUT':
    case 'UNAVAILABLE':
      return 'The server did not answer; try again.';
    default:
      return `Something went wrong (${said}).`;
  }
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * The server lets one user post a burst of messages, then `perS` a second.
 * Mirrored here (a token bucket) only to warn before the server refuses.
 */
export interface SendBudget {
  tokens: number;
  atMs: number;
}

export function spendMessage(
  budget: SendBudget | undefined,
  rate: { burst: number; perS: number },
  nowMs: number,
): SendBudget {
  const tokens = refill(budget, rate, nowMs);
  return { tokens: Math.max(0, tokens - 1), atMs: nowMs };
}

/** Seconds until another message fits the rate (0: it fits now). */
export function rateWaitSeconds(
  budget: SendBudget | undefined,
  rate: { burst: number; perS: number },
  nowMs: number,
): number {
  const tokens = refill(budget, rate, nowMs);
  if (tokens >= 1 || rate.perS <= 0) return 0;
  return Math.ceil((1 - tokens) / rate.perS);
}

function refill(budget: SendBudget | undefined, rate: { burst: number; perS: number }, nowMs: number): number {
  if (!budget) return rate.burst;
  return Math.min(rate.burst, budget.tokens + ((nowMs - budget.atMs) / 1000) * rate.perS);
}
