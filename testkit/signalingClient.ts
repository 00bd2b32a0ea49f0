// A typed Socket.io client for integration tests: requests return the raw
// ack (so tests can assert on errors), and pushes can be awaited. Requests go
// through the protocol's request helper, like every client's.
import { io, type Socket } from 'socket.io-client';
import {
  request as requestData,
  requestAck,
  type Ack,
  type ChatMessageView,
  type ClientToServerEvents,
  type GuestSignIn,
  type PushEvent,
  type PushOf,
  type RequestEvent,
  type RequestOf,
  type ResponseOf,
  type ServerToClientEvents,
} from '../signaling/protocol/index.ts';

export interface TestClient {
  readonly socket: Socket<ServerToClientEvents, ClientToServerEvents>;
  /** The ack as it came; `timeoutMs` (default: the protocol's) for floods whose answers queue. */
  request<E extends RequestEvent>(event: E, payload: RequestOf<E>, timeoutMs?: number): Promise<Ack<ResponseOf<E>>>;
  /** Like request, but returns data and throws on an error ack. */
  call<E extends RequestEvent>(event: E, payload: RequestOf<E>): Promise<ResponseOf<E>>;
  /** Resolves with the next push of `event` matching `where` (bounded by timeoutMs). */
  next<E extends PushEvent>(event: E, where?: (payload: PushOf<E>) => boolean, timeoutMs?: number): Promise<PushOf<E>>;
  /** Every push of `event` received so far. */
  received<E extends PushEvent>(event: E): PushOf<E>[];
  close(): void;
}

export async function connectClient(url: string, token?: string): Promise<TestClient> {
  const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(url, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    auth: token ? { token } : {},
  });
  const log = new Map<string, unknown[]>();
  socket.onAny((event: string, payload: unknown) => {
    const list = log.get(event) ?? [];
    list.push(payload);
    log.set(event, list);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });

  return {
    socket,
    request: (event, payload, timeoutMs) => requestAck(socket, event, payload, timeoutMs),
    call: (event, payload) => requestData(socket, event, payload),
    next(event, where = () => true, timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        const listener = (payload: never) => {
          if (!where(payload)) return;
          clearTimeout(timer);
          socket.off(event, listener as never);
          resolve(payload);
        };
        const timer = setTimeout(() => {
          socket.off(event, listener as never);
          reject(new Error(`no ${event} within ${timeoutMs} ms`));
        }, timeoutMs);
        socket.on(event, listener as never);
      });
    },
    received: (event) => (log.get(event) ?? []) as never[],
    close: () => socket.disconnect(),
  };
}

/** JSON over HTTP with an optional bearer token; returns status and the parsed body. */
export async function api<T = unknown>(
  baseUrl: string,
  method: string,
  path: string,
  token?: string,
  body?: unknown,
): Promise<{ status: number; body: { ok: true; data: T } | { ok: false; error: { code: string; message: string } } }> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as never };
}

export interface Guest {
  token: string;
  userId: string;
  displayName: string;
}

/** An account as the pages keep an identity (signed in): what openPage and studio pages take. */
export function identityOf(account: { token: string; user: { userId: string; displayName: string } }): Guest {
  return { token: account.token, userId: account.user.userId, displayName: account.user.displayName };
}

export async function signInGuest(baseUrl: string, displayName: string): Promise<Guest> {
  const { body } = await api<GuestSignIn>(baseUrl, 'POST', '/api/auth/guest', undefined, { displayName });
  if (!body.ok) throw new Error(`guest sign-in failed: ${body.error.message}`);
  return { token: body.data.token, ...body.data.user };
}

/** The next chat message matching `where` (chat messages arrive in batches: `chat:messages`). */
export async function nextChatMessage(
  client: TestClient,
  where: (message: ChatMessageView) => boolean,
  timeoutMs = 5000,
): Promise<ChatMessageView> {
  const batch = await client.next('chat:messages', (event) => event.messages.some(where), timeoutMs);
  return batch.messages.find(where)!;
}

/** Every chat message received so far, in order. */
export function receivedChatMessages(client: TestClient): ChatMessageView[] {
  return client.received('chat:messages').flatMap((event) => event.messages);
}
