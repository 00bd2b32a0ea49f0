// Socket.io handlers for audience pages: watching needs no identity. A
// socket counts as one viewer of each session it watches until it unwatches
// or disconnects.
import type { Logger } from 'pino';
import type { ChatSocket } from '../chat/chatSocket.ts';
import { requestRegistrar } from '../socket/registerRequest.ts';
import { audienceChannel } from './StreamNotifier.ts';
import { streamRef } from './streamRequests.ts';
import type { StreamService } from './StreamService.ts';

export function registerStreamHandlers(socket: ChatSocket, streams: StreamService, logger: Logger): void {
  const on = requestRegistrar(socket, logger);

  on('stream:watch', streamRef, async ({ sessionId }) => {
    const stats = await streams.watch(sessionId, socket.id);
    await socket.join(audienceChannel(sessionId));
    return stats;
  });

  on('stream:unwatch', streamRef, async ({ sessionId }) => {
    streams.unwatch(sessionId, socket.id);
    await socket.leave(audienceChannel(sessionId));
    return null;
  });

  socket.on('disconnect', () => streams.leaveAll(socket.id));
}
