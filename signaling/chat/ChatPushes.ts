// What the chat service pushes to readers, as plain calls: the service
// holds no sockets. ChatNotifier is the Socket.io implementation; tests
// record the calls.
import type { ChatMemberState, ChatMessageView, ChatReactions } from '../protocol/chat.ts';

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
