// A lean typed Socket.io client for synthetic peers: requests resolve with
// the ack's data or throw a RequestFailed carrying the protocol's error
// code. Unlike the test client it keeps no log of pushes, so a long run
// with hundreds of peers does not grow without bound.
import { io, type Socket } from 'socket.io-client';
import type { Ack, ClientToServerEvents, ServerToClientEvents } from '../../signaling/protocol/index.ts';

type RequestEvent = keyof ClientToServerEvents;
export type RequestOf<E extends RequestEvent> = Parameters<ClientToServerEvents[E]>[0];
export type ResponseOf<E extends RequestEvent> = Parameters<ClientToServerEvents[E]>[1] extends (
  response: Ack<infer T>,
) => void
  ? T
  : never;
type PushEvent = keyof ServerToClientEvents;

export class RequestFailed extends Error {
  constructor(
    readonly event: string,
    readonly code: string,
    message: string,
  ) {
    super(`${event}: ${code} ${message}`);
    this.name = 'RequestFailed';
  }
}

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
      socket.once('connect_error', (error) => reject(new RequestFailed('connect', 'CONNECT_FAILED', error.message)));
    });
  } catch (error) {
    socket.disconnect();
    throw error;
  }

  return {
    async request(event, payload) {
      const timed = socket.timeout(timeoutMs);
      const emit = timed.emitWithAck.bind(timed) as unknown as (
        e: typeof event,
        p: typeof payload,
      ) => Promise<Ack<ResponseOf<typeof event>>>;
      let response: Ack<ResponseOf<typeof event>>;
      try {
        response = await emit(event, payload);
      } catch {
        throw new RequestFailed(event, 'TIMEOUT', `no answer within ${timeoutMs} ms`);
      }
      if (!response.ok) throw new RequestFailed(event, response.error.code, response.error.message);
      return response.data;
    },
    on(event, listener) {
      socket.on(event, listener as never);
    },
    close: () => socket.disconnect(),
  };
}
