// What the session service needs to reach clients, as plain values: a
// session's hosts, a user's connections, one connection. The service never
// sees a socket; the Socket.io implementation is SessionNotifier (rooms,
// which the Redis adapter extends across nodes), and another node's
// messages could implement it as well.
import type { PushEvent, PushOf } from '../protocol/index.ts';

/** Sends typed pushes to whoever it stands for. */
export interface PushTarget {
  emit<E extends PushEvent>(event: E, payload: PushOf<E>): void;
}

export interface SessionPushes {
  /** Every connection joined to the session's media room, except one (the one that caused the event). */
  session(sessionId: string, exceptConnectionId?: string): PushTarget;
  /** Every connection of one user (invitations and approvals reach all their tabs). */
  user(userId: string): PushTarget;
  /** One connection. */
  connection(connectionId: string): PushTarget;
  /** From now on the connection hears the session's pushes. */
  attach(connectionId: string, sessionId: string): void;
  /** The connection no longer hears the session's pushes. */
  detach(connectionId: string, sessionId: string): void;
}
