// A lean typed Socket.io client for synthetic peers: requests go through
// the protocol's request helper (resolving with the ack's data or throwing
// a RequestFailed with the protocol's error code). Unlike the test client it
// keeps no log of pushes, so a long run with hundreds of peers does not grow
// without bound.
import { io, type Socket } from 'socket.io-client';
import {
  request,
  type ClientToServerEvents,
  type PushEvent,
  type RequestEvent,
  type RequestOf,
  type ResponseOf,
  type ServerToClientEvents,
} from '../../signaling/protocol/index.ts';

export { RequestFailed } from '../../signaling/protocol/index.ts';

export interface SignalingChannel {
  request<E extends RequestEvent>(event: E, payload: RequestOf<E>): Promise<ResponseOf<E>>;
  on<E extends PushEvent>(event: E, listener: ServerToClientEvents[E]): void;
  close(): void;
}

export async function openSignalingChannel(
  url: string,
  token: string,
  { timeoutMs = 10_000 }: { timeoutMs?: number } = {},
): Promise<SignalingChannel> {
  const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(url, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    timeout: timeoutMs,
    auth: { token },
  });
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', (error) => reject(new Error(`cannot connect to ${url}: ${error.message}`)));
    });
  } catch (error) {
    socket.disconnect();
    throw error;
  }

  return {
    request: (event, payload) => request(socket, event, payload, timeoutMs),
    on(event, listener) {
      socket.on(event, listener as never);
    },
    close: () => socket.disconnect(),
  };
}
