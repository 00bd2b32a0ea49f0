// Typed pushes to a session's chat readers, through Socket.io rooms (which
// the Redis adapter extends across nodes). Readers need their own room:
// `session:<id>` holds only the hosts joined to the media room.
//
// Blocks are rooms too: every socket of a user who blocked X is in
// `chat-hidden:X`, and X's messages go to the chat room *except* that room.
// Delivery then costs the same with or without blocks, and no per-socket
// filtering runs on the hot path.
import type { TypedServer } from '../multihost/SessionNotifier.ts';
import { userChannel } from '../multihost/SessionNotifier.ts';
import type { ChatMemberState, ChatMessageView, ChatReactions } from '../protocol/chat.ts';

export const chatChannel = (sessionId: string) => `chat:${sessionId}`;
/** The sockets of everyone who blocked `userId`. */
export const hiddenFromChannel = (userId: string) => `chat-hidden:${userId}`;

/** What the chat pushes (ChatService's view of the notifier; tests record it). */
export interface ChatPushes {
  message(view: ChatMessageView): void;
  messageDeleted(sessionId: string, messageId: string): void;
  reaction(reactions: ChatReactions): void;
  pinned(sessionId: string, message: ChatMessageView | null): void;
  slowMode(sessionId: string, seconds: number): void;
  memberUpdated(state: ChatMemberState): void;
  closed(sessionId: string): void;
  hide(blockerId: string, blockedId: string, hidden: boolean): void;
}

export class ChatNotifier implements ChatPushes {
  readonly #io: TypedServer;

  constructor(io: TypedServer) {
    this.#io = io;
  }

  message(view: ChatMessageView): void {
    this.#io.to(chatChannel(view.sessionId)).except(hiddenFromChannel(view.userId)).emit('chat:message', view);
  }

  messageDeleted(sessionId: string, messageId: string): void {
    this.#io.to(chatChannel(sessionId)).emit('chat:message-deleted', { sessionId, messageId });
  }

  reaction(reactions: ChatReactions): void {
    this.#io.to(chatChannel(reactions.sessionId)).emit('chat:reaction', reactions);
  }

  pinned(sessionId: string, message: ChatMessageView | null): void {
    this.#io.to(chatChannel(sessionId)).emit('chat:pinned', { sessionId, message });
  }

  slowMode(sessionId: string, seconds: number): void {
    this.#io.to(chatChannel(sessionId)).emit('chat:slow-mode', { sessionId, seconds });
  }

  memberUpdated(state: ChatMemberState): void {
    this.#io.to(chatChannel(state.sessionId)).emit('chat:member-updated', state);
    // The user hears it even when not reading the chat (e.g. muted from another tab).
    this.#io.to(userChannel(state.userId)).except(chatChannel(state.sessionId)).emit('chat:member-updated', state);
  }

  closed(sessionId: string): void {
    this.#io.to(chatChannel(sessionId)).emit('chat:closed', { sessionId });
  }

  /** Every socket of `blockerId`, on every node, stops (or resumes) hearing `blockedId`. */
  hide(blockerId: string, blockedId: string, hidden: boolean): void {
    const sockets = this.#io.in(userChannel(blockerId));
    if (hidden) sockets.socketsJoin(hiddenFromChannel(blockedId));
    else sockets.socketsLeave(hiddenFromChannel(blockedId));
  }
}
