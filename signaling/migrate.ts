// `npm start` runs this before the server: applies pending migrations to the
// configured database. Reads DATABASE_URL / DATA_DIR through the same config
// module as the server, so both always agree on which database they mean.
import { MigrationError, migrateDatabase } from '../prisma/migrateDatabase.ts';
import { loadConfigOrExit } from './config/config.ts';

const config = loadConfigOrExit();
try {
  await migrateDatabase(config.databaseUrl);
} catch (error) {
  if (!(error instanceof MigrationError)) throw error;
  process.stderr.write(`${error.output}\nstagecast: ${error.message}\n`);
  process.exit(1);
}
