// Starts a real Stagecast node in-process for a test: loopback only, an
// OS-assigned HTTP port, one mediasoup worker, a throwaway data folder.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { migrateDatabase } from '../prisma/migrateDatabase.ts';
import { loadConfig } from '../signaling/config/config.ts';
import { createLogger } from '../signaling/log/logger.ts';
import { startServer, type StagecastServer } from '../signaling/server.ts';

export interface TestServer extends StagecastServer {
  readonly dataDir: string;
}

export async function startTestServer(env: Record<string, string> = {}): Promise<TestServer> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'stagecast-test-'));
  const config = loadConfig({
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: '0',
    MEDIASOUP_WORKERS: '1',
    RTC_SERVER_PORT: '0',
    DATA_DIR: dataDir,
    // Tests of the SFU's features run every room through it; the mesh's tests ask for MESH_MAX_HOSTS.
    MESH_MAX_HOSTS: '0',
    // The compositor's cost is about proportional to its frame rate, and here it shares two cores
    // with the browsers and the test itself; a test of the frame rate asks for the default (30).
    HLS_FPS: '15',
    ...env,
  });
  await migrateDatabase(config.databaseUrl);
  const server = await startServer(config, createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'));
  return {
    url: server.url,
    pool: server.pool,
    dataDir,
    drain: () => server.drain(),
    async close() {
      await server.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
