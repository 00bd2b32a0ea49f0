import type { Identity } from '../auth/identityToken.ts';

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
  /** The session whose media room this socket has joined, if any. */
  sessionId: string | undefined;
}

export interface SocketCredential {
  userId: string;
  /** ms since the epoch. */
  expiresAtMs: number;
}
