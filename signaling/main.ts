// Entry point of `npm start`: validates the configuration, starts one node,
// prints its URL, and shuts down cleanly on SIGINT/SIGTERM.
import { loadConfigOrExit } from './config/config.ts';
import { startupFailure } from './config/startupFailure.ts';
import { createLogger } from './log/logger.ts';
import { startServer, type StagecastServer } from './server.ts';

const config = loadConfigOrExit();

const logger = createLogger(config.logLevel);
let server: StagecastServer;
try {
  // startServer closes what it opened (workers, database) before it throws.
  server = await startServer(config, logger);
} catch (error) {
  const line = startupFailure(error, config);
  if (!line) throw error;
  process.stderr.write(`stagecast: ${line}\n`);
  process.exit(1);
}
logger.info({ url: server.url, workers: config.mediasoup.workerCount }, 'stagecast listening');
process.stdout.write(`\nStagecast is running at ${server.url}\n\n`);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    // SIGTERM is the planned stop: in a cluster the sessions move to other nodes first.
    const drained = signal === 'SIGTERM' ? server.drain() : Promise.resolve();
    drained
      .catch((error: unknown) => logger.error({ err: error }, 'draining failed'))
      .then(() => server.close())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
  });
}
