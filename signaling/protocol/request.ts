// The one typed request helper every client uses (web app, bench peers,
// test clients): a request is an emit with an ack that resolves to
// `{ ok: true, data }` or `{ ok: false, error }`. The server's registrar
// (signaling/socket/registerRequest.ts) types its handlers with the same
// RequestOf/ResponseOf.
import type { Ack, ErrorCode } from './ack.ts';
import type { ClientToServerEvents, ServerToClientEvents } from './events.ts';

export type RequestEvent = keyof ClientToServerEvents;
/** What a client sends with event E. */
export type RequestOf<E extends RequestEvent> = Parameters<ClientToServerEvents[E]>[0];
/** What the server answers event E with, when it succeeds. */
export type ResponseOf<E extends RequestEvent> = Parameters<ClientToServerEvents[E]>[1] extends (
  response: Ack<infer T>,
) => void
  ? T
  : never;
export type PushEvent = keyof ServerToClientEvents;
/** What the server pushes with event E. */
export type PushOf<E extends PushEvent> = Parameters<ServerToClientEvents[E]>[0];

/**
 * What a request needs of a socket: Socket.io's client `timeout(ms).emitWithAck`.
 * Structural, so this module does not depend on socket.io-client.
 */
export interface AckEmitter {
  timeout(ms: number): { emitWithAck(event: string, ...args: unknown[]): Promise<unknown> };
}

/** A request failed: the server's error code, or TIMEOUT when no answer came in time. */
export class RequestFailed extends Error {
  constructor(
    readonly event: RequestEvent,
    readonly code: ErrorCode | 'TIMEOUT',
    readonly reason: string,
  ) {
    super(`${event}: ${code} ${reason}`);
    this.name = 'RequestFailed';
  }
}

export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

/** Sends a request and resolves with its ack as it came (tests assert on error acks); rejects on TIMEOUT. */
export async function requestAck<E extends RequestEvent>(
  socket: AckEmitter,
  event: E,
  payload: RequestOf<E>,
  timeoutMs = DEFAULT_REQUEST_TIMEOUT_MS,
): Promise<Ack<ResponseOf<E>>> {
  try {
    // `timeout()` makes emitWithAck reject when no ack arrives in time. The
    // ack's shape is the server's side of this same contract.
    return (await socket.timeout(timeoutMs).emitWithAck(event, payload)) as Ack<ResponseOf<E>>;
  } catch {
    throw new RequestFailed(event, 'TIMEOUT', `no answer within ${timeoutMs} ms`);
  }
}

/** Sends a request and resolves with its data, or rejects with a RequestFailed. */
export async function request<E extends RequestEvent>(
  socket: AckEmitter,
  event: E,
  payload: RequestOf<E>,
  timeoutMs = DEFAULT_REQUEST_TIMEOUT_MS,
): Promise<ResponseOf<E>> {
  const response = await requestAck(socket, event, payload, timeoutMs);
  if (!response.ok) throw new RequestFailed(event, response.error.code, response.error.message);
  return response.data;
}
