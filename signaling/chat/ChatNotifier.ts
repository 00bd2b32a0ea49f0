// Typed pushes to a session's chat readers, through Socket.io rooms (which
// the Redis adapter extends across nodes). Readers need their own room:
// `session:<id>` holds only the hosts joined to the media room.
//
// Messages go out in batches (one packet per reader every 40 ms at most).
// Blocks are rooms too: every socket of a user who blocked X is in
// `chat-hidden:X`; a batch goes to the chat room *except* the rooms of its
// authors' blockers, who then get the batch without the authors they
// blocked, one socket at a time. Blockers are few, so the hot path stays one
// broadcast. A node knows only its own sockets' rooms: in a cluster the
// owner also hands each batch to every other node (`serverSideEmit`), which
// serves its own blockers the same way.
import { userChannel } from '../multihost/SessionNotifier.ts';
import type { AppServer } from '../socket/socketData.ts';
import type { ChatMemberState, ChatMessageView, ChatReactions } from '../protocol/chat.ts';
import type { ChatPushes } from './ChatPushes.ts';

export const chatChannel = (sessionId: string) => `chat:${sessionId}`;
/** The sockets of everyone who blocked `userId`. */
export const hiddenFromChannel = (userId: string) => `chat-hidden:${userId}`;

/**
 * Messages are pushed in batches this often: at 100 messages a second a
 * push per message is 100 socket writes per reader per second, which for a
 * thousand readers costs a core; batched, 25.
 */
const MESSAGE_BATCH_MS = 40;

export class ChatNotifier implements ChatPushes {
  readonly #io: AppServer;
  readonly #acrossNodes: boolean;
  readonly #pendingBySession = new Map<string, ChatMessageView[]>();
  #timer: NodeJS.Timeout | undefined;

  /** `acrossNodes`: a cluster node (the Redis adapter carries the pushes and the batches for blockers). */
  constructor(io: AppServer, { acrossNodes = false }: { acrossNodes?: boolean } = {}) {
    this.#io = io;
    this.#acrossNodes = acrossNodes;
    if (acrossNodes) {
      io.on('chat:batch-for-blockers', ({ sessionId, messages }) => this.#serveBlockers(sessionId, messages));
    }
  }

  message(view: ChatMessageView): void {
    const pending = this.#pendingBySession.get(view.sessionId);
    if (pending) pending.push(view);
    else this.#pendingBySession.set(view.sessionId, [view]);
    this.#timer ??= setTimeout(() => this.#flushAll(), MESSAGE_BATCH_MS);
  }

  #flushAll(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const sessionId of [...this.#pendingBySession.keys()]) this.#flush(sessionId);
  }

  /**
   * Sends a chat's pending messages: one packet to every reader who blocked
   * none of their authors, and to each reader who blocked one of them (few)
   * the batch without that author's messages.
   */
  #flush(sessionId: string): void {
    const messages = this.#pendingBySession.get(sessionId);
    if (!messages) return;
    this.#pendingBySession.delete(sessionId);
    const hiddenRooms = [...new Set(messages.map((message) => hiddenFromChannel(message.userId)))];
    this.#io.to(chatChannel(sessionId)).except(hiddenRooms).emit('chat:messages', { sessionId, messages });
    this.#serveBlockers(sessionId, messages);
    if (this.#acrossNodes) this.#io.serverSideEmit('chat:batch-for-blockers', { sessionId, messages });
  }

  /** This node's readers who blocked an author of the batch: the batch without what they blocked. */
  #serveBlockers(sessionId: string, messages: ChatMessageView[]): void {
    const channel = chatChannel(sessionId);
    const hiddenRooms = new Set(messages.map((message) => hiddenFromChannel(message.userId)));
    const rooms = this.#io.of('/').adapter.rooms;
    const readers = rooms.get(channel);
    const blockers = new Set<string>();
    for (const room of hiddenRooms) {
      for (const socketId of rooms.get(room) ?? []) if (readers?.has(socketId)) blockers.add(socketId);
    }
    for (const socketId of blockers) {
      const visible = messages.filter((message) => !rooms.get(hiddenFromChannel(message.userId))?.has(socketId));
      // Local: the socket is on this node (every node serves its own).
      if (visible.length > 0) this.#io.local.to(socketId).emit('chat:messages', { sessionId, messages: visible });
    }
  }

  messageDeleted(sessionId: string, messageId: string): void {
    this.#flush(sessionId); // after the messages it may refer to
    this.#io.to(chatChannel(sessionId)).emit('chat:message-deleted', { sessionId, messageId });
  }

  reaction(reactions: ChatReactions): void {
    this.#flush(reactions.sessionId); // after the messages it may refer to
    this.#io.to(chatChannel(reactions.sessionId)).emit('chat:reaction', reactions);
  }

  pinned(sessionId: string, message: ChatMessageView | null): void {
    this.#flush(sessionId); // after the messages it may refer to
    this.#io.to(chatChannel(sessionId)).emit('chat:pinned', { sessionId, message });
  }

  slowMode(sessionId: string, seconds: number): void {
    this.#flush(sessionId); // after the messages it may refer to
    this.#io.to(chatChannel(sessionId)).emit('chat:slow-mode', { sessionId, seconds });
  }

  memberUpdated(state: ChatMemberState): void {
    this.#io.to(chatChannel(state.sessionId)).emit('chat:member-updated', state);
    // The user hears it even when not reading the chat (e.g. muted from another tab).
    this.#io.to(userChannel(state.userId)).except(chatChannel(state.sessionId)).emit('chat:member-updated', state);
  }

  closed(sessionId: string): void {
    this.#flush(sessionId); // after the messages it may refer to
    this.#io.to(chatChannel(sessionId)).emit('chat:closed', { sessionId });
  }

  /** Every socket of `blockerId`, on every node, stops (or resumes) hearing `blockedId`. */
  hide(blockerId: string, blockedId: string, hidden: boolean): void {
    const sockets = this.#io.in(userChannel(blockerId));
    if (hidden) sockets.socketsJoin(hiddenFromChannel(blockedId));
    else sockets.socketsLeave(hiddenFromChannel(blockedId));
  }
}
