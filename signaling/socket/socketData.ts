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

/**
 * What request handlers use of a socket: a client's own socket on this node,
 * or (cluster mode) a RemoteSocket standing for a client connected to another
 * node whose requests about a session this node owns are forwarded here.
 */
export interface RequestSocket {
  readonly id: string;
  readonly data: SocketData;
  /** The Socket.io rooms the socket is in (for a RemoteSocket: those joined through it). */
  readonly rooms: ReadonlySet<string>;
  readonly disconnected: boolean;
  join(rooms: string | string[]): Promise<void> | void;
  leave(room: string): Promise<void> | void;
  /** A request listener (the last argument is the ack), or `disconnect`. */
  on(event: string, listener: (...args: unknown[]) => void): unknown;
}
