// Entry point of `npm start`: validates the configuration, starts one node,
// prints its URL, and shuts down cleanly on SIGINT/SIGTERM.
import { loadConfigOrExit } from './config/config.ts';
import { createLogger } from './log/logger.ts';
import { startServer } from './server.ts';

const config = loadConfigOrExit();

const logger = createLogger(config.logLevel);
const server = await startServer(config, logger);
logger.info({ url: server.url, workers: config.mediasoup.workerCount }, 'stagecast listening');
process.stdout.write(`\nStagecast is running at ${server.url}\n\n`);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  });
}
