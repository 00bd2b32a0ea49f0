// Socket.io handlers for session chats. Reading needs no identity (audiences
// watch anonymously); everything else acts as the socket's signed-in
// identity, account or guest. Every request is validated by its schema and
// rate-limited per socket (registerRequest); messages also per user
// (ChatRoom).
import type { Logger } from 'pino';
import type { Identity } from '../auth/identityToken.ts';
import { AppError } from '../errors.ts';
import { requestRegistrar } from '../socket/registerRequest.ts';
import type { RequestSocket } from '../socket/socketData.ts';
import { chatChannel, hiddenFromChannel } from './ChatNotifier.ts';
import type { ChatService } from './ChatService.ts';

/** Chats one connection may read at once. */
export const MAX_CHATS_PER_SOCKET = 8;

export function registerChatHandlers(socket: RequestSocket, chat: ChatService, logger: Logger): void {
  const on = requestRegistrar(socket, logger);
  const identity = (): Identity => {
    const found = socket.data.identity;
    if (!found) throw new AppError('UNAUTHENTICATED', 'sign in to chat (as a guest or with an account)');
    return found;
  };
  const chatsJoined = () => [...socket.rooms].filter((room) => room.startsWith('chat:')).length;

  on('chat:join', async ({ sessionId, key }) => {
    const channel = chatChannel(sessionId);
    if (!socket.rooms.has(channel) && chatsJoined() >= MAX_CHATS_PER_SOCKET) {
      throw new AppError('CONFLICT', `a connection reads at most ${MAX_CHATS_PER_SOCKET} chats; leave one first`);
    }
    const caller = socket.data.identity;
    const hidden = caller ? await chat.blockedIds(caller.userId) : [];
    const result = await chat.open(caller, sessionId, hidden, key);
    // Gone meanwhile: joining rooms now would leave them in the adapter for good.
    if (socket.disconnected) return result;
    // Blocked users' messages skip this socket from now on (ChatNotifier).
    if (hidden.length > 0) await socket.join(hidden.map(hiddenFromChannel));
    await socket.join(channel);
    return result;
  });

  on('chat:leave', async ({ sessionId }) => {
    await socket.leave(chatChannel(sessionId));
    return null;
  });

  on('chat:history', ({ sessionId, before, limit, key }) =>
    chat.history(socket.data.identity, sessionId, before, limit, key),
  );

  on('chat:send', ({ sessionId, text, key }) => chat.send(identity(), sessionId, text, key));

  on('chat:react', ({ messageId, emoji, remove }) => chat.react(identity(), messageId, emoji, remove));

  on('chat:delete', async ({ messageId }) => {
    await chat.deleteMessage(identity(), messageId);
    return null;
  });

  on('chat:pin', ({ messageId }) => chat.pin(identity(), messageId));
  on('chat:show-on-screen', ({ messageId }) => chat.showOnScreen(identity(), messageId));

  on('chat:unpin', async ({ sessionId }) => {
    await chat.unpin(identity(), sessionId);
    return null;
  });

  on('chat:appoint-moderator', ({ sessionId, userId }) => chat.setModerator(identity(), sessionId, userId, true));
  on('chat:dismiss-moderator', ({ sessionId, userId }) => chat.setModerator(identity(), sessionId, userId, false));
  on('chat:mute', ({ sessionId, userId, minutes }) => chat.mute(identity(), sessionId, userId, minutes));
  on('chat:unmute', ({ sessionId, userId }) => chat.mute(identity(), sessionId, userId, null));
  on('chat:ban', ({ sessionId, userId }) => chat.ban(identity(), sessionId, userId, true));
  on('chat:unban', ({ sessionId, userId }) => chat.ban(identity(), sessionId, userId, false));

  on('chat:slow-mode', async ({ sessionId, seconds }) => {
    await chat.setSlowMode(identity(), sessionId, seconds);
    return null;
  });

  on('chat:block', async ({ userId }) => {
    await chat.block(identity(), userId);
    return null;
  });
  on('chat:unblock', async ({ userId }) => {
    await chat.unblock(identity(), userId);
    return null;
  });
}
