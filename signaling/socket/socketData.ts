import type { Server, Socket } from 'socket.io';
import type { Identity } from '../auth/identityToken.ts';
import type { ClientToServerEvents, InterServerEvents, ServerToClientEvents } from '../protocol/index.ts';

/** What the server keeps on each socket (Socket.io `socket.data`). */
export interface SocketData {
  /**
   * Signed-in identity; undefined for anonymous audience connections, and
   * once the token behind it has expired (signaling/socket/socketIdentity.ts).
   */
  identity: Identity | undefined;
  /**
   * The token the socket signed in with: whose it is and when it expires.
   * Kept after expiry, so `auth:refresh` renews this user only.
   */
  credential?: SocketCredential | undefined;
}

export interface SocketCredential {
  userId: string;
  /** ms since the epoch. */
  expiresAtMs: number;
}

/** A client's socket, typed by the protocol. */
export type AppSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
/** The Socket.io server, typed by the protocol. */
export type AppServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
