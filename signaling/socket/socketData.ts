import type { Identity } from '../auth/identityToken.ts';

/** What the server keeps on each socket (Socket.io `socket.data`). */
export interface SocketData {
  /** Signed-in identity; undefined for anonymous audience connections. */
  identity: Identity | undefined;
  /** The session whose media room this socket has joined, if any. */
  sessionId: string | undefined;
}
