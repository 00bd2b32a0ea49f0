// The browser side of the typed Socket.io protocol: a connection, and the
// protocol's request helper (signaling/protocol/request.ts) for requests.
import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '../../../signaling/protocol/index.ts';

export { request, RequestFailed } from '../../../signaling/protocol/index.ts';

export type SignalingSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export interface SignalingOptions {
  /** Identity token (POST /api/auth/guest); without it the socket is anonymous (audiences). */
  token?: string;
}

export function connectSignaling(options: SignalingOptions = {}): SignalingSocket {
  return io({ transports: ['websocket'], ...(options.token ? { auth: { token: options.token } } : {}) });
}
