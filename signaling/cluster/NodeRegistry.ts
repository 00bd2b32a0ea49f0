// The cluster's list of nodes, in Redis: each node writes its own entry (who
// it is, where to reach it, how loaded it is, whether it takes new sessions)
// every HEARTBEAT_MS with an expiry of EXPIRY_MS, so a node that dies or is
// cut off disappears by itself within EXPIRY_MS. Redis is a directory here,
// not the record of anything: a node that finds its entry gone (Redis
// restarted) simply writes it again at the next beat.
//
// A node is *gone* (its sessions may be taken over) once it has missed two
// beats (GONE_AFTER_MS) and nobody listens on its bus channel: a process
// that died has its Redis connections closed by the kernel at once, so the
// second test tells death from a node that is merely slow (starved of CPU, it
// beats late but stays subscribed). Right after this node's own connection
// to Redis (re)opens it judges nobody: after a Redis restart every node is
// resubscribing and re-registering for a moment.
//
//   stagecast:node:<id>  JSON NodeEntry, PX EXPIRY_MS
//   stagecast:nodes      set of ids ever registered; ids whose entry expired
//                        are removed by whoever lists them
import type { Redis } from 'ioredis';
import type { Logger } from '../log/logger.ts';

export const HEARTBEAT_MS = 500;
export const EXPIRY_MS = 5000;
export const GONE_AFTER_MS = 1000;
/** After this node's Redis connection (re)opens, how long it judges no other node gone. */
const REJOIN_GRACE_MS = 3000;

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

/** Whether anybody listens on a node's bus channel (ClusterBus.isListening). */
export type ListeningCheck = (nodeIds: string[]) => Promise<boolean[]>;

export class NodeRegistry {
  readonly #redis: Redis;
  readonly #self: Pick<NodeEntry, 'id' | 'rtcAddress'> & { url?: string };
  readonly #loadOf: () => NodeLoad;
  readonly #logger: Logger;
  readonly #isListening: ListeningCheck;
  readonly #goneListeners: NodeGoneListener[] = [];
  /** Nodes declared gone, with the beat they were last seen at: declared once, unless they beat again. */
  #declaredGone = new Map<string, number>();
  /** When this node's connection to Redis last became ready. */
  #readyAt = Date.now();
  #state: NodeState = 'serving';
  /** Nodes seen at the last listing, with the time they last wrote their entry. */
  #known = new Map<string, number>();
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(
    redis: Redis,
    self: Pick<NodeEntry, 'id' | 'rtcAddress'>,
    loadOf: () => NodeLoad,
    isListening: ListeningCheck,
    logger: Logger,
  ) {
    this.#redis = redis;
    this.#isListening = isListening;
    redis.on('ready', () => (this.#readyAt = Date.now()));
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
  onNodeGone(listener: NodeGoneListener): () => void {
    this.#goneListeners.push(listener);
    return () => {
      const index = this.#goneListeners.indexOf(listener);
      if (index >= 0) this.#goneListeners.splice(index, 1);
    };
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

  /** False for a while after this node's connection to Redis (re)opened: it judges no other node then. */
  get judging(): boolean {
    return Date.now() - this.#readyAt >= REJOIN_GRACE_MS;
  }

  /**
   * The node died or was cut off (see the top of this file); false while this
   * node cannot tell. `known`: its entry, already read by the caller.
   */
  async isGone(id: string, known?: { entry: NodeEntry | undefined }): Promise<boolean> {
    if (id === this.#self.id || !this.judging) return false;
    const entry = known ? known.entry : await this.node(id);
    const seenAt = entry?.seenAt ?? this.#known.get(id) ?? 0;
    if (Date.now() - seenAt < GONE_AFTER_MS) return false;
    const [listening] = await this.#isListening([id]);
    return listening === false;
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

  /** Tells the listeners about nodes that went since the last look (see isGone). */
  async #noticeGoneNodes(): Promise<void> {
    const listed = await this.nodes();
    const now = Date.now();
    const seen = new Map(this.#known);
    for (const node of listed) seen.set(node.id, node.seenAt);
    seen.delete(this.#self.id);
    for (const [id, seenAt] of this.#declaredGone) {
      if ((seen.get(id) ?? seenAt) > seenAt)
        this.#declaredGone.delete(id); // it is back
      else seen.delete(id);
    }
    const silent = [...seen].filter(([, seenAt]) => now - seenAt >= GONE_AFTER_MS).map(([id]) => id);
    const judging = this.judging;
    const listening = silent.length > 0 && judging ? await this.#isListening(silent) : [];
    for (const [index, id] of silent.entries()) {
      if (!judging || listening[index] !== false) continue;
      this.#declaredGone.set(id, seen.get(id)!);
      seen.delete(id);
      this.#logger.warn({ nodeId: id }, 'node left the cluster');
      for (const listener of [...this.#goneListeners]) listener(id);
    }
    this.#known = seen;
  }
}
