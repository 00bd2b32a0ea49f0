// Node-to-node messages over Redis pub/sub: each node listens on its own
// channel; `call` is a request with a reply (or a typed error), `send` a
// one-way message. Messages from one node to another arrive in the order they
// were sent (one publishing connection, one subscription), which the socket
// forwarding relies on: a room join sent before a reply is applied first.
// Redis delivers to whoever is subscribed at that moment and keeps nothing,
// so a PUBLISH that reached nobody means the node is not there: the caller
// learns it at once (NodeUnreachable) instead of waiting for a timeout.
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { AppError, toProtocolError } from '../errors.ts';
import type { Logger } from '../log/logger.ts';
import type { ProtocolError } from '../protocol/index.ts';

const channelOf = (nodeId: string) => `stagecast:bus:${nodeId}`;
const DEFAULT_CALL_TIMEOUT_MS = 10_000;

type BusMessage =
  | { kind: 'call'; id: string; from: string; method: string; args: unknown }
  | { kind: 'send'; from: string; method: string; args: unknown }
  | { kind: 'reply'; id: string; ok: true; data: unknown }
  | { kind: 'reply'; id: string; ok: false; error: ProtocolError };

export type BusHandler = (args: never, from: string) => unknown;

/** The node a message was for has no subscriber: it is dead, or cut off from Redis. */
export class NodeUnreachable extends AppError {
  constructor(readonly nodeId: string) {
    super('UNAVAILABLE', `node ${nodeId} is unreachable; try again`);
  }
}

interface PendingCall {
  resolve: (data: unknown) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

export class ClusterBus {
  readonly #publisher: Redis;
  readonly #subscriber: Redis;
  readonly #nodeId: string;
  readonly #logger: Logger;
  readonly #handlers = new Map<string, BusHandler>();
  readonly #pending = new Map<string, PendingCall>();

  /** `subscriber` becomes this bus's own (a subscribed connection can run no other commands). */
  static async open(publisher: Redis, subscriber: Redis, nodeId: string, logger: Logger): Promise<ClusterBus> {
    const bus = new ClusterBus(publisher, subscriber, nodeId, logger);
    await subscriber.subscribe(channelOf(nodeId));
    return bus;
  }

  private constructor(publisher: Redis, subscriber: Redis, nodeId: string, logger: Logger) {
    this.#publisher = publisher;
    this.#subscriber = subscriber;
    this.#nodeId = nodeId;
    this.#logger = logger.child({ component: 'cluster-bus' });
    subscriber.on('message', (_channel: string, raw: string) => this.#receive(raw));
  }

  get nodeId(): string {
    return this.#nodeId;
  }

  /** Answers `method` (calls and one-way messages alike); a thrown error reaches the caller as its protocol error. */
  handle<A>(method: string, handler: (args: A, from: string) => unknown): void {
    this.#handlers.set(method, handler as BusHandler);
  }

  async call<T>(nodeId: string, method: string, args: unknown, timeoutMs = DEFAULT_CALL_TIMEOUT_MS): Promise<T> {
    const id = randomUUID();
    const reply = new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new AppError('UNAVAILABLE', `node ${nodeId} did not answer in time; try again`));
      }, timeoutMs);
      this.#pending.set(id, { resolve, reject, timer });
    });
    try {
      await this.#publish(nodeId, { kind: 'call', id, from: this.#nodeId, method, args });
    } catch (error) {
      const pending = this.#pending.get(id);
      clearTimeout(pending?.timer);
      this.#pending.delete(id);
      throw error;
    }
    return (await reply) as T;
  }

  /** One-way; throws NodeUnreachable when the node is not listening. */
  async send(nodeId: string, method: string, args: unknown): Promise<void> {
    await this.#publish(nodeId, { kind: 'send', from: this.#nodeId, method, args });
  }

  /** For each node, whether anything listens on its channel (a dead process's subscription is gone at once). */
  async isListening(nodeIds: string[]): Promise<boolean[]> {
    if (nodeIds.length === 0) return [];
    const reply = (await this.#publisher.call('PUBSUB', 'NUMSUB', ...nodeIds.map(channelOf))) as (string | number)[];
    return nodeIds.map((_, index) => Number(reply[index * 2 + 1]) > 0);
  }

  close(): void {
    for (const [id, pending] of this.#pending) {
      clearTimeout(pending.timer);
      pending.reject(new AppError('UNAVAILABLE', 'this node is stopping'));
      this.#pending.delete(id);
    }
    this.#subscriber.disconnect();
  }

  async #publish(nodeId: string, message: BusMessage): Promise<void> {
    const receivers = await this.#publisher.publish(channelOf(nodeId), JSON.stringify(message));
    if (receivers === 0) throw new NodeUnreachable(nodeId);
  }

  #receive(raw: string): void {
    let message: BusMessage;
    try {
      message = JSON.parse(raw) as BusMessage;
    } catch {
      this.#logger.warn('unreadable bus message dropped');
      return;
    }
    if (message.kind === 'reply') {
      const pending = this.#pending.get(message.id);
      if (!pending) return; // timed out already
      this.#pending.delete(message.id);
      clearTimeout(pending.timer);
      if (message.ok) pending.resolve(message.data);
      else pending.reject(new AppError(message.error.code, message.error.message));
      return;
    }
    void this.#run(message);
  }

  async #run(message: Extract<BusMessage, { kind: 'call' | 'send' }>): Promise<void> {
    const handler = this.#handlers.get(message.method);
    let reply: BusMessage | undefined;
    try {
      if (!handler) throw new AppError('INTERNAL', `no bus handler for ${message.method}`);
      const data = await handler(message.args as never, message.from);
      if (message.kind === 'call') reply = { kind: 'reply', id: message.id, ok: true, data: data ?? null };
    } catch (error) {
      const failure = toProtocolError(error);
      if (failure.code === 'INTERNAL') this.#logger.error({ err: error, method: message.method }, 'bus handler failed');
      if (message.kind === 'call') reply = { kind: 'reply', id: message.id, ok: false, error: failure };
    }
    if (!reply) return;
    await this.#publish(message.from, reply).catch((error: unknown) =>
      this.#logger.warn({ err: error, method: message.method }, 'could not reply over the bus'),
    );
  }
}
