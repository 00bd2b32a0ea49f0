// The browser side of the typed Socket.io protocol: a connection, and the
// protocol's request helper (signaling/protocol/request.ts) for requests.
import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '../../../signaling/protocol/index.ts';
import { usableToken } from './accessToken.ts';

export { request, RequestFailed } from '../../../signaling/protocol/index.ts';

export type SignalingSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export interface SignalingOptions {
  /** Identity token (POST /api/auth/guest); without it the socket is anonymous (audiences). */
  token?: string;
}

/**
 * WebSocket only: behind a load balancer a long-polling client would need
 * sticky sessions (docs/scale-out.md). A dropped connection is tried again
 * after 0.25–0.75 s (Socket.io's default is 0.5–1.5 s): a node that died is
 * replaced by another behind the same address at once.
 */
export function connectSignaling(options: SignalingOptions = {}): SignalingSocket {
  return io({
    transports: ['websocket'],
    reconnectionDelay: 500,
    // Asked at every (re)connection: an account's token is renewed first when it ran out meanwhile.
    ...(options.token
      ? { auth: (send: (auth: { token: string }) => void) => void authFor(options.token!).then(send) }
      : {}),
  });
}

async function authFor(token: string): Promise<{ token: string }> {
  return { token: (await usableToken(token)) ?? token };
}
