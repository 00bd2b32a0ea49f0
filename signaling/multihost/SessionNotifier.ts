// The Socket.io side of SessionPushes: a session's hosts are a room, a
// user's sockets are a room, and a connection id is its socket's id (also a
// room), so every push is a room broadcast that the Redis adapter carries
// to other nodes.
import type { AppServer } from '../socket/socketData.ts';
import type { PushTarget, SessionPushes } from './SessionPushes.ts';

export const sessionChannel = (sessionId: string) => `session:${sessionId}`;
export const userChannel = (userId: string) => `user:${userId}`;

type Broadcast = ReturnType<AppServer['to']>;

/**
 * A room broadcast as a PushTarget. Socket.io's emit is typed per event
 * through its own helper types, which TypeScript cannot match to
 * PushTarget's generic signature; both are the protocol's event map, so the
 * call is passed through as it is.
 */
export function pushTargetOf(broadcast: Broadcast): PushTarget {
  return {
    emit(event, payload) {
      (broadcast as unknown as { emit(event: string, payload: unknown): boolean }).emit(event, payload);
    },
  };
}

export class SessionNotifier implements SessionPushes {
  readonly #io: AppServer;

  constructor(io: AppServer) {
    this.#io = io;
  }

  session(sessionId: string, exceptConnectionId?: string): PushTarget {
    const hosts = this.#io.to(sessionChannel(sessionId));
    return pushTargetOf(exceptConnectionId ? hosts.except(exceptConnectionId) : hosts);
  }

  user(userId: string): PushTarget {
    return pushTargetOf(this.#io.to(userChannel(userId)));
  }

  connection(connectionId: string): PushTarget {
    return pushTargetOf(this.#io.to(connectionId));
  }

  attach(connectionId: string, sessionId: string): void {
    this.#io.in(connectionId).socketsJoin(sessionChannel(sessionId));
  }

  detach(connectionId: string, sessionId: string): void {
    this.#io.in(connectionId).socketsLeave(sessionChannel(sessionId));
  }
}
