// The browser side of the typed Socket.io protocol.
import { io, type Socket } from 'socket.io-client';
import type {
  Ack,
  ClientToServerEvents,
  ProtocolError,
  ServerToClientEvents,
} from '../../../signaling/protocol/index.ts';

export type SignalingSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export class RequestError extends Error {
  constructor(readonly error: ProtocolError) {
    super(error.message);
    this.name = 'RequestError';
  }
}

export interface SignalingOptions {
  /** Identity token (POST /api/auth/guest); without it the socket is anonymous (audiences). */
  token?: string;
}

export function connectSignaling(options: SignalingOptions = {}): SignalingSocket {
  return io({ transports: ['websocket'], ...(options.token ? { auth: { token: options.token } } : {}) });
}

type RequestEvent = keyof ClientToServerEvents;
export type RequestOf<E extends RequestEvent> = Parameters<ClientToServerEvents[E]>[0];
export type ResponseOf<E extends RequestEvent> = Parameters<ClientToServerEvents[E]>[1] extends (
  response: Ack<infer T>,
) => void
  ? T
  : never;

/** Sends a request and resolves with its data, or rejects with a RequestError. */
export async function request<E extends RequestEvent>(
  socket: SignalingSocket,
  event: E,
  payload: RequestOf<E>,
  timeoutMs = 10_000,
): Promise<ResponseOf<E>> {
  // The event map types each event's ack; the generic `emitWithAck` cannot
  // narrow over a union of event names, so the call is typed by hand here.
  // Bound: emitWithAck uses `this`, which an extracted method loses.
  const timed = socket.timeout(timeoutMs);
  const emit = timed.emitWithAck.bind(timed) as (event: E, payload: RequestOf<E>) => Promise<Ack<ResponseOf<E>>>;
  const response = await emit(event, payload);
  if (!response.ok) throw new RequestError(response.error);
  return response.data;
}
