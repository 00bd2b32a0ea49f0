// Generates both Prisma clients: prisma/generated/sqlite (from
// prisma/schema.prisma) and prisma/generated/postgres (from the rendered
// prisma/postgres/schema.prisma). Set-up runs this when either schema changes.
//   node --import tsx prisma/generateClients.ts
import { cliOutput, postgresConfig, runPrisma, sqliteConfig } from './prismaCli.ts';

// No connection is made, but the CLI wants a URL of the schema's provider
// (with another one it tries to download a query engine).
const placeholderUrls = [
  [sqliteConfig, 'file:./data/stagecast.db'],
  [postgresConfig, 'postgresql://localhost/stagecast'],
] as const;

for (const [config, placeholderUrl] of placeholderUrls) {
  try {
    await runPrisma(['generate'], config, placeholderUrl);
  } catch (error) {
    process.stderr.write(`${cliOutput(error)}\nstagecast: prisma generate failed (${config})\n`);
    process.exit(1);
  }
}
