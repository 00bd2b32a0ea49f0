// Typed pushes about a session's stream, to its audience (sockets that sent
// `stream:watch`, in their own room) and to its hosts (the session room), so
// the studio shows the same viewer count and recording state.
import { sessionChannel } from '../multihost/SessionNotifier.ts';
import type { AppServer } from '../socket/socketData.ts';
import type { StreamStatusChange, StreamWarning, ViewerCount } from '../protocol/index.ts';
import type { StreamPushes } from './StreamPushes.ts';

export const audienceChannel = (sessionId: string) => `audience:${sessionId}`;

export class StreamNotifier implements StreamPushes {
  readonly #io: AppServer;

  constructor(io: AppServer) {
    this.#io = io;
  }

  viewers(count: ViewerCount): void {
    this.#everyone(count.sessionId).emit('stream:viewers', count);
  }

  status(change: StreamStatusChange): void {
    this.#everyone(change.sessionId).emit('stream:status', change);
  }

  warning(warning: StreamWarning): void {
    this.#io.to(sessionChannel(warning.sessionId)).emit('stream:warning', warning);
  }

  #everyone(sessionId: string) {
    return this.#io.to([audienceChannel(sessionId), sessionChannel(sessionId)]);
  }
}
