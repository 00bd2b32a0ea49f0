// Typed pushes about a session's stream, to its audience (sockets that sent
// `stream:watch`, in their own room) and to its hosts (the session room), so
// the studio shows the same viewer count and recording state.
import { sessionChannel, type TypedServer } from '../multihost/SessionNotifier.ts';
import type { StreamStatusChange, StreamWarning, ViewerCount } from '../protocol/index.ts';

export const audienceChannel = (sessionId: string) => `audience:${sessionId}`;

/** What the stream pushes (StreamService's view of the notifier). */
export interface StreamPushes {
  viewers(count: ViewerCount): void;
  status(change: StreamStatusChange): void;
  /** Hosts only: the audience is not told. */
  warning(warning: StreamWarning): void;
}

export class StreamNotifier implements StreamPushes {
  readonly #io: TypedServer;

  constructor(io: TypedServer) {
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
