// Typed pushes to the clients of a session or a user, through Socket.io
// rooms (which the Redis adapter extends across nodes).
import type { Server } from 'socket.io';
import type { ClientToServerEvents, InterServerEvents, ServerToClientEvents } from '../protocol/index.ts';
import type { SocketData } from '../socket/socketData.ts';

export type TypedServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

export const sessionChannel = (sessionId: string) => `session:${sessionId}`;
export const userChannel = (userId: string) => `user:${userId}`;

export class SessionNotifier {
  readonly #io: TypedServer;

  constructor(io: TypedServer) {
    this.#io = io;
  }

  /** Everyone joined to the session's media room. */
  session(sessionId: string) {
    return this.#io.to(sessionChannel(sessionId));
  }

  /** Everyone in the session except one socket (the one that caused the event). */
  sessionExcept(sessionId: string, socketId: string) {
    return this.#io.to(sessionChannel(sessionId)).except(socketId);
  }

  /** Every socket of one user (invitations, approvals reach all their tabs). */
  user(userId: string) {
    return this.#io.to(userChannel(userId));
  }
}
