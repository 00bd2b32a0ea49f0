// The cluster's list of nodes, in Redis: each node writes its own entry (who
// it is, where to reach it, how loaded it is, whether it takes new sessions)
// every HEARTBEAT_MS with an expiry of EXPIRY_MS, so a node that dies or is
// cut off disappears by itself within EXPIRY_MS. Redis is a directory here,
// not the record of anything: a node that finds its entry gone (Redis
// restarted) simply writes it again at the next beat.
//
//   stagecast:node:<id>  JSON NodeEntry, PX EXPIRY_MS
//   stagecast:nodes      set of ids ever registered; ids whose entry expired
//                        are removed by whoever lists them
import type { Redis } from 'ioredis';
import type { Logger } from '../log/logger.ts';

export const HEARTBEAT_MS = 1000;
export const EXPIRY_MS = 3000;

const NODES_KEY = 'stagecast:nodes';
const nodeKey = (id: string) => `stagecast:node:${id}`;

export interface NodeLoad {
  sessions: number;
  hosts: number;
  consumers: number;
  /** Share of one core the media workers used since the last beat, 0…workers. */
  workerCpu: number;
}

/** `serving` takes new sessions; `draining` finishes the ones it has and takes no more. */
export type NodeState = 'serving' | 'draining';

export interface NodeEntry {
  id: string;
  /** Where other nodes reach it over HTTP. */
  url: string;
  /** The address its media is announced on. */
  rtcAddress: string;
  state: NodeState;
  load: NodeLoad;
  /** When it last wrote its entry (ms since the epoch). */
  seenAt: number;
}

export type NodeGoneListener = (nodeId: string) => void;

export class NodeRegistry {
  readonly #redis: Redis;
  readonly #self: Pick<NodeEntry, 'id' | 'rtcAddress'> & { url?: string };
  readonly #loadOf: () => NodeLoad;
  readonly #logger: Logger;
  readonly #goneListeners: NodeGoneListener[] = [];
  #state: NodeState = 'serving';
  /** Nodes seen at the last listing, with the time they last wrote their entry. */
  #known = new Map<string, number>();
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(redis: Redis, self: Pick<NodeEntry, 'id' | 'rtcAddress'>, loadOf: () => NodeLoad, logger: Logger) {
    this.#redis = redis;
    this.#self = self;
    this.#loadOf = loadOf;
    this.#logger = logger.child({ component: 'node-registry' });
  }

  get nodeId(): string {
    return this.#self.id;
  }

  get state(): NodeState {
    return this.#state;
  }

  /**
   * Writes this node's entry, once it listens at `url` (awaited: a node is
   * listed before it is sent work), and keeps it fresh.
   */
  async start(url: string): Promise<void> {
    this.#self.url = url;
    await this.#beat();
    this.#timer = setInterval(() => void this.#tick(), HEARTBEAT_MS);
  }

  /** Calls `listener` with the id of a node whose entry expired (it died or lost Redis). */
  onNodeGone(listener: NodeGoneListener): void {
    this.#goneListeners.push(listener);
  }

  /** Takes no new sessions from now on (written at once, not at the next beat). */
  async drain(): Promise<void> {
    this.#state = 'draining';
    await this.#beat();
  }

  /** Every node with a fresh entry, this one included. */
  async nodes(): Promise<NodeEntry[]> {
    const ids = await this.#redis.smembers(NODES_KEY);
    if (ids.length === 0) return [];
    const values = await this.#redis.mget(ids.map(nodeKey));
    const stale = ids.filter((_, index) => values[index] === null);
    if (stale.length > 0) await this.#redis.srem(NODES_KEY, ...stale);
    return values.flatMap((value) => (value === null ? [] : [JSON.parse(value) as NodeEntry]));
  }

  async node(id: string): Promise<NodeEntry | undefined> {
    const value = await this.#redis.get(nodeKey(id));
    return value === null ? undefined : (JSON.parse(value) as NodeEntry);
  }

  /** Removes this node's entry: the others stop sending it work now rather than in EXPIRY_MS. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    await this.#redis
      .multi()
      .del(nodeKey(this.#self.id))
      .srem(NODES_KEY, this.#self.id)
      .exec()
      .catch((error: unknown) => this.#logger.warn({ err: error }, 'could not remove this node from the registry'));
  }

  async #tick(): Promise<void> {
    try {
      await this.#beat();
      await this.#noticeGoneNodes();
    } catch (error) {
      // Redis away: the entry expires, the others stop routing here until it is back.
      this.#logger.warn({ err: error }, 'heartbeat failed');
    }
  }

  async #beat(): Promise<void> {
    if (this.#closed || this.#self.url === undefined) return;
    const entry: NodeEntry = {
      ...this.#self,
      url: this.#self.url,
      state: this.#state,
      load: this.#loadOf(),
      seenAt: Date.now(),
    };
    await this.#redis
      .multi()
      .set(nodeKey(entry.id), JSON.stringify(entry), 'PX', EXPIRY_MS)
      .sadd(NODES_KEY, entry.id)
      .exec();
  }

  /**
   * A node is gone when its entry is missing and it last wrote it longer than
   * EXPIRY_MS ago: an entry missing sooner was lost with a restarted Redis and
   * comes back at its node's next beat.
   */
  async #noticeGoneNodes(): Promise<void> {
    const listed = new Map((await this.nodes()).map((node) => [node.id, node.seenAt]));
    const now = Date.now();
    for (const [id, seenAt] of this.#known) {
      if (listed.has(id)) continue;
      if (now - seenAt < EXPIRY_MS) {
        listed.set(id, seenAt);
        continue;
      }
      this.#logger.warn({ nodeId: id }, 'node left the cluster');
      for (const listener of this.#goneListeners) listener(id);
    }
    this.#known = listed;
  }
}
