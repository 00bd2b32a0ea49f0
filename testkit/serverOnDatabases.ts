// A Stagecast node on each database the platform runs on, for tests that
// must hold on both (money under concurrency): an embedded SQLite file in the
// node's data folder, and a real PostgreSQL started for the test.
import { startPostgres } from './postgres.ts';
import { startTestServer, type TestServer } from './testServer.ts';

export interface ServerOnDatabase {
  server: TestServer;
  /** The node's database, for the test's own reads. */
  databaseUrl: string;
  /** What scripts run against the node's database need (makeAdmin's setRole). */
  databaseEnv: Record<string, string>;
  close(): Promise<void>;
}

export function serverOnDatabases(
  env: Record<string, string> = {},
): Record<'sqlite' | 'postgresql', () => Promise<ServerOnDatabase>> {
  return {
    async sqlite() {
      const server = await startTestServer(env);
      return {
        server,
        databaseUrl: `file:${server.dataDir}/stagecast.db`,
        databaseEnv: { DATA_DIR: server.dataDir },
        close: () => server.close(),
      };
    },
    async postgresql() {
      const postgres = await startPostgres();
      const server = await startTestServer({ ...env, DATABASE_URL: postgres.url });
      return {
        server,
        databaseUrl: postgres.url,
        databaseEnv: { DATABASE_URL: postgres.url },
        async close() {
          await server.close();
          await postgres.stop();
        },
      };
    },
  };
}
