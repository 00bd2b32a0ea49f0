// Cluster mode, on a session's owner: stands for a client's socket that is
// connected to another node (its entry node) and whose requests about a
// session this node owns are forwarded here (forwardToOwner.ts). The same
// request handlers as for a local socket are registered on it; a forwarded
// request is delivered to them as if the client had sent it here, and the
// ack goes back over the bus. Room joins go through the Socket.io adapter,
// which applies them on the entry node, in order with the pushes that follow.
import type { Ack } from '../protocol/index.ts';
import type { AppServer, RequestSocket, SocketData } from './socketData.ts';

type Listener = (...args: unknown[]) => void;

export class RemoteSocket implements RequestSocket {
  readonly id: string;
  /** The node the client is connected to. */
  readonly entryNodeId: string;
  readonly data: SocketData = { identity: undefined };
  readonly #io: AppServer;
  readonly #rooms = new Set<string>();
  readonly #listeners = new Map<string, Listener[]>();
  #disconnected = false;

  constructor(io: AppServer, id: string, entryNodeId: string) {
    this.#io = io;
    this.id = id;
    this.entryNodeId = entryNodeId;
  }

  get rooms(): ReadonlySet<string> {
    return this.#rooms;
  }

  get disconnected(): boolean {
    return this.#disconnected;
  }

  join(rooms: string | string[]): void {
    if (this.#disconnected) return;
    const list = typeof rooms === 'string' ? [rooms] : rooms;
    for (const room of list) this.#rooms.add(room);
    this.#io.in(this.id).socketsJoin(list);
  }

  leave(room: string): void {
    this.#rooms.delete(room);
    this.#io.in(this.id).socketsLeave(room);
  }

  on(event: string, listener: Listener): this {
    this.#listeners.set(event, [...(this.#listeners.get(event) ?? []), listener]);
    return this;
  }

  /** Runs a forwarded request through this socket's handlers; resolves with their ack. */
  deliver(event: string, payload: unknown): Promise<Ack<unknown>> {
    const [listener] = this.#listeners.get(event) ?? [];
    if (!listener) {
      return Promise.resolve({ ok: false, error: { code: 'INVALID_INPUT', message: `unknown request ${event}` } });
    }
    return new Promise((resolve) => listener(payload, resolve));
  }

  /** The client went away (or its entry node did): its handlers' disconnect listeners run once. */
  disconnect(): void {
    if (this.#disconnected) return;
    this.#disconnected = true;
    for (const listener of this.#listeners.get('disconnect') ?? []) listener('remote disconnect');
    this.#listeners.clear();
  }
}
