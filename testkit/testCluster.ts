// A whole Stagecast cluster for a test or the bench, on loopback: Debian's
// Redis and PostgreSQL, N node processes (testkit/clusterNode.ts) and nginx
// in front of them (testkit/nginx.ts). Everything is started here and
// stopped by `stop()`, by PID.
//   const cluster = await startTestCluster(3); … cluster.lb.url, cluster.nodes[i] … await cluster.stop();
import crypto from 'node:crypto';
import { Redis } from 'ioredis';
import { migrateDatabase } from '../prisma/migrateDatabase.ts';
import { startClusterNode, type ClusterNodeProcess } from './clusterNode.ts';
import { startNginx, type LoadBalancer } from './nginx.ts';
import { startPostgres, type PostgresServer } from './postgres.ts';
import { startRedis, type RedisServer } from './redis.ts';

export interface TestCluster {
  readonly redis: RedisServer;
  readonly postgres: PostgresServer;
  readonly nodes: ClusterNodeProcess[];
  readonly lb: LoadBalancer;
  readonly tokenSecret: string;
  /** The id of the node that owns a session (its claim in Redis), if any. */
  ownerOf(sessionId: string): Promise<string | undefined>;
  /** Starts node `index` again (after it was killed): same id and RTC ports, a new HTTP port, nginx told. */
  restartNode(index: number): Promise<ClusterNodeProcess>;
  stop(): Promise<void>;
}

/** RTC ports of node i: RTC_BASE_PORT + i × 500 … + 499, below the ephemeral range (32768–60999) so no outgoing connection holds one. */
const RTC_BASE_PORT = 27000;

export async function startTestCluster(nodeCount: number, env: Record<string, string> = {}): Promise<TestCluster> {
  const started: { stop(): Promise<void> }[] = [];
  const stopAll = async () => {
    for (const part of started.reverse()) await part.stop().catch(() => undefined);
  };
  try {
    const redis = await startRedis();
    started.push(redis);
    const postgres = await startPostgres();
    started.push(postgres);
    await migrateDatabase(postgres.url);
    const tokenSecret = crypto.randomBytes(32).toString('hex');
    const nodes: ClusterNodeProcess[] = [];
    const startNode = (index: number) =>
      startClusterNode({
        id: `node-${index + 1}`,
        redisUrl: redis.url,
        databaseUrl: postgres.url,
        tokenSecret,
        rtcBasePort: RTC_BASE_PORT + index * 500,
        env,
      });
    // One at a time: each builds its worker and connects while the machine is otherwise idle.
    for (let index = 0; index < nodeCount; index++) {
      const node = await startNode(index);
      nodes.push(node);
      started.push(node);
    }
    const lb = await startNginx(nodes.map((node) => `127.0.0.1:${node.port}`));
    started.push(lb);
    const restartNode = async (index: number) => {
      await nodes[index]!.stop();
      const node = await startNode(index);
      nodes[index] = node;
      started.push(node);
      await lb.reconfigure(nodes.map((each) => `127.0.0.1:${each.port}`));
      return node;
    };
    // Reconnects by itself across a Redis restart (ioredis).
    const reader = new Redis(redis.url);
    started.push({ stop: async () => reader.disconnect() });
    // A claim is "<nodeId>/<incarnation>" (signaling/cluster/SessionOwnership.ts).
    const ownerOf = async (sessionId: string) =>
      (await reader.get(`stagecast:session-owner:${sessionId}`))?.replace(/\/[^/]*$/, '');
    return { redis, postgres, nodes, lb, tokenSecret, ownerOf, restartNode, stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
