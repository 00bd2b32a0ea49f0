// Socket.io handlers for audience pages: watching needs no identity (a
// private session needs its watch key). A
// socket counts as one viewer of each session it watches until it unwatches
// or disconnects.
import type { Logger } from 'pino';
import { requestRegistrar } from '../socket/registerRequest.ts';
import type { RequestSocket } from '../socket/socketData.ts';
import { audienceChannel } from './StreamNotifier.ts';
import type { StreamService } from './StreamService.ts';

export function registerStreamHandlers(socket: RequestSocket, streams: StreamService, logger: Logger): void {
  const on = requestRegistrar(socket, logger);

  on('stream:watch', async ({ sessionId, key }) => {
    const stats = await streams.watch(sessionId, socket.id, key, socket.data.identity);
    // Gone while the stats were read: its disconnect has already uncounted it, so uncount again.
    if (socket.disconnected) {
      streams.leaveAll(socket.id);
      return stats;
    }
    await socket.join(audienceChannel(sessionId));
    return stats;
  });

  on('stream:unwatch', async ({ sessionId }) => {
    streams.unwatch(sessionId, socket.id);
    await socket.leave(audienceChannel(sessionId));
    return null;
  });

  socket.on('disconnect', () => streams.leaveAll(socket.id));
}
