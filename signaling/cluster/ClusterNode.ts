// This node's membership of a cluster (REDIS_URL set): its Redis
// connections, its entry in the node registry, its claims on sessions, the
// bus to the other nodes, and the cluster-wide questions built on them —
// who owns a session, where a new one goes, how to reach a node.
// server.ts creates one in cluster mode and none otherwise; nothing here
// holds a socket (the Socket.io adapter gets its two connections from here).
import type { Redis } from 'ioredis';
import type { Logger } from '../log/logger.ts';
import { ClusterBus, NodeUnreachable } from './ClusterBus.ts';
import { Failover, TAKE_OVER_METHOD } from './Failover.ts';
import { NodeRegistry, type NodeEntry, type NodeLoad } from './NodeRegistry.ts';
import { chooseNode } from './placement.ts';
import { connectRedis } from './redisConnection.ts';
import { SessionOwnership } from './SessionOwnership.ts';
import { AppError } from '../errors.ts';

export interface ClusterNodeOptions {
  redisUrl: string;
  nodeId: string;
  rtcAddress: string;
  loadOf: () => NodeLoad;
  logger: Logger;
}

/** What failover needs of the session service and its store. */
export interface FailoverSessions {
  /** Reads a session to restore here: undefined when it has ended, else the step that restores it. */
  prepareAdoption(sessionId: string): Promise<(() => void) | undefined>;
  activeIds(): Promise<string[]>;
  isActive(sessionId: string): Promise<boolean>;
  /** Drops this node's copy of a session another node took over (its hosts rejoin there). */
  letGo(sessionId: string): Promise<void>;
}

/** What draining needs of the session service. */
export interface DrainingSessions {
  ids(): string[];
  /** Writes a session's state, so the node taking it over reads it as it is. */
  save(sessionId: string): Promise<void>;
  handOver(sessionId: string): Promise<void>;
}

/** Placements this node made are counted for this long (about until the chosen node's next beat shows them). */
const RECENT_PLACEMENT_MS = 2000;

export class ClusterNode {
  readonly nodeId: string;
  readonly registry: NodeRegistry;
  readonly ownership: SessionOwnership;
  readonly bus: ClusterBus;
  /** For the Socket.io Redis adapter: a publishing and a subscribed connection. */
  readonly adapterClients: { pub: Redis; sub: Redis };
  /** For rate limits every node shares: fails fast while Redis is away (limits fall back to memory). */
  readonly limitStore: Redis;
  /**
   * The node's command connection (registry, claims, bus publishing), also
   * for the cluster's small shared state: the quick-match queue, where each
   * live playlist is.
   */
  readonly commands: Redis;
  readonly #connections: Redis[];
  readonly #recentPlacements: { nodeId: string; at: number }[] = [];
  readonly #logger: Logger;
  #failover: Failover | undefined;

  static async join(options: ClusterNodeOptions): Promise<ClusterNode> {
    const { redisUrl, logger } = options;
    const opened: Redis[] = [];
    try {
      for (const purpose of ['the cluster registry', 'the cluster bus', 'Socket.io pushes', 'Socket.io pushes']) {
        opened.push(await connectRedis(redisUrl, purpose, logger));
      }
      opened.push(
        await connectRedis(redisUrl, 'rate limits', logger, { maxRetriesPerRequest: 1, enableOfflineQueue: false }),
      );
      const [commands, busSubscriber, adapterPub, adapterSub, limits] = opened as [Redis, Redis, Redis, Redis, Redis];
      const bus = await ClusterBus.open(commands, busSubscriber, options.nodeId, logger);
      const registry = new NodeRegistry(
        commands,
        { id: options.nodeId, rtcAddress: options.rtcAddress },
        options.loadOf,
        (nodeIds) => bus.isListening(nodeIds),
        logger,
      );
      const ownership = new SessionOwnership(commands, options.nodeId, logger);
      return new ClusterNode(
        options.nodeId,
        registry,
        ownership,
        bus,
        { pub: adapterPub, sub: adapterSub },
        { limits, commands },
        opened,
        logger,
      );
    } catch (error) {
      for (const connection of opened) connection.disconnect();
      throw error;
    }
  }

  private constructor(
    nodeId: string,
    registry: NodeRegistry,
    ownership: SessionOwnership,
    bus: ClusterBus,
    adapterClients: { pub: Redis; sub: Redis },
    { limits, commands }: { limits: Redis; commands: Redis },
    connections: Redis[],
    logger: Logger,
  ) {
    this.#logger = logger;
    this.nodeId = nodeId;
    this.registry = registry;
    this.ownership = ownership;
    this.bus = bus;
    this.adapterClients = adapterClients;
    this.limitStore = limits;
    this.commands = commands;
    this.#connections = connections;
  }

  /** Enters the registry: other nodes start sending work here (call once listening at `url`). */
  announce(url: string): Promise<void> {
    return this.registry.start(url);
  }

  /**
   * Lets this node take sessions over from nodes that die (and let go of the
   * ones it lost while cut off from Redis).
   */
  enableFailover(sessions: FailoverSessions): void {
    this.#failover = new Failover({
      bus: this.bus,
      ownership: this.ownership,
      registry: this.registry,
      prepareAdoption: sessions.prepareAdoption,
      activeSessionIds: sessions.activeIds,
      isActive: sessions.isActive,
      logger: this.#logger,
    });
    // Cut off long enough for another node to take a session over: this node lets go of its copy.
    this.ownership.onClaimLost((sessionId) => {
      sessions
        .letGo(sessionId)
        .catch((error: unknown) =>
          this.#logger.error({ err: error, sessionId }, 'letting go of a lost session failed'),
        );
    });
  }

  ownerOf(sessionId: string): Promise<string | undefined> {
    return this.ownership.ownerOf(sessionId);
  }

  /**
   * The node that serves a session whose owner did not answer (`NodeUnreachable`):
   * after a failover, this node or another survivor.
   */
  ownerAfterFailure(sessionId: string): Promise<string | undefined> {
    if (!this.#failover) throw new NodeUnreachable('owner');
    return this.#failover.ownerAfterFailure(sessionId);
  }

  /**
   * The node serving a session and where to reach it (no URL: this node),
   * taking the session over first if its owner is gone (or if none holds a
   * session that has not ended). One registry read when the owner is alive:
   * every HTTP request about another node's session comes through here.
   */
  async servingNode(sessionId: string): Promise<{ id: string; url: string | undefined } | undefined> {
    const owner = await this.ownerOf(sessionId);
    if (owner === this.nodeId) return { id: owner, url: undefined };
    if (owner !== undefined) {
      const entry = await this.registry.node(owner);
      if (!(await this.registry.isGone(owner, { entry }))) return { id: owner, url: entry?.url };
    }
    const next = await this.ownerAfterFailure(sessionId);
    if (next === undefined) return undefined;
    return { id: next, url: next === this.nodeId ? undefined : await this.urlOf(next) };
  }

  async urlOf(nodeId: string): Promise<string | undefined> {
    return (await this.registry.node(nodeId))?.url;
  }

  /** The node a new session goes to (this one when it is the only one serving). */
  async placeNewSession(): Promise<string> {
    const now = Date.now();
    while (this.#recentPlacements.length > 0 && now - this.#recentPlacements[0]!.at > RECENT_PLACEMENT_MS) {
      this.#recentPlacements.shift();
    }
    const recent = (nodeId: string) => this.#recentPlacements.filter((placement) => placement.nodeId === nodeId).length;
    const chosen: NodeEntry | undefined = chooseNode(await this.registry.nodes(), recent);
    if (!chosen) throw new AppError('UNAVAILABLE', 'no node takes new sessions right now; try again shortly');
    this.#recentPlacements.push({ nodeId: chosen.id, at: now });
    return chosen.id;
  }

  /**
   * SIGTERM in a cluster: takes no new sessions, and hands each running one to
   * another node (the least loaded of two, as for a new session): saved
   * first, taken over there, then let go here. What no node can take is left
   * to finish here (it ends when the node closes).
   */
  async drain(sessions: DrainingSessions): Promise<{ movedSessions: number; keptSessions: number }> {
    await this.registry.drain();
    let movedSessions = 0;
    for (const sessionId of sessions.ids()) {
      try {
        await sessions.save(sessionId);
        const target = await this.placeNewSession();
        const taken = await this.bus.call<boolean>(target, TAKE_OVER_METHOD, {
          sessionId,
          token: this.ownership.token,
        });
        if (!taken) continue;
        await this.ownership.release(sessionId);
        await sessions.handOver(sessionId);
        movedSessions += 1;
      } catch (error) {
        this.#logger.warn({ err: error, sessionId }, 'could not hand a session over; it ends here');
      }
    }
    return { movedSessions, keptSessions: sessions.ids().length };
  }

  /** Leaves the cluster: claims released, entry removed, connections closed. */
  async close(): Promise<void> {
    this.#failover?.close();
    await this.ownership.close();
    await this.registry.close();
    this.bus.close();
    for (const connection of this.#connections) connection.disconnect();
  }
}
