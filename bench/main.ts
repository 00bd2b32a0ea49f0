// `npm run bench -- <scenario> [--flags]`: runs one scenario against a
// Stagecast it starts (or --url) and prints one JSON object as the last
// line of stdout; progress goes to stderr. `report` renders the results.
// Every phase is bounded in peers and seconds, and a watchdog ends the
// process if anything hangs, so the bench always exits by itself.
import path from 'node:path';
import { parseCli, usage, UsageError, type BenchOptions } from './cli.ts';
import { commitInfo, machineInfo } from './machine.ts';
import { prepareClip } from './media/clip.ts';
import { Progress } from './progress.ts';
import { writeReport } from './report/report.ts';
import { defaultResultsDir, readResults, writeResult } from './results.ts';
import { prepareCertificate } from '../testkit/mediasoupLink.ts';
import { terminateAllChildren } from './server/childProcess.ts';
import { runBaselineScenario } from './scenarios/baselineScenario.ts';
import { runBattleScenario } from './scenarios/battleScenario.ts';
import { runMeshScenario } from './scenarios/meshScenario.ts';
import { runChatScenario } from './scenarios/chatScenario.ts';
import { runEffectsScenario } from './scenarios/effectsScenario.ts';
import { runClusterScenario } from './scenarios/clusterScenario.ts';
import { createRunContext } from './scenarios/context.ts';
import { runFanoutScenario } from './scenarios/fanoutScenario.ts';
import { runHlsScenario } from './scenarios/hlsScenario.ts';
import { runJoinStorm } from './scenarios/joinStorm.ts';
import { runRoomsScenario } from './scenarios/roomsScenario.ts';
import { runShopScenario } from './scenarios/shopScenario.ts';

/** No scenario may run longer than this, whatever its flags say. */
const WATCHDOG_MS = 60 * 60_000;

async function main(argv: string[]): Promise<number> {
  let options: BenchOptions;
  try {
    options = parseCli(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message ? `bench: ${error.message}\n\n` : ''}${usage}\n`);
    return error.message ? 2 : 0;
  }
  const resultsDir = path.resolve(options.resultsDir ?? defaultResultsDir);

  if (options.scenario === 'report') {
    const file = writeReport(readResults(resultsDir), path.join(resultsDir, 'report.html'));
    process.stderr.write(`report written to ${file}\n`);
    process.stdout.write(`${JSON.stringify({ scenario: 'report', file })}\n`);
    return 0;
  }

  const watchdog = setTimeout(() => {
    process.stderr.write('bench: watchdog fired, giving up\n');
    process.exit(3);
  }, WATCHDOG_MS);
  watchdog.unref();
  // Interrupted: stop the servers we started (by their pids) before leaving.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      process.stderr.write(`bench: ${signal}, stopping the servers it started\n`);
      terminateAllChildren();
      setTimeout(() => process.exit(130), 2000).unref();
    });
  }

  const startedAt = new Date().toISOString();
  const started = performance.now();
  const machine = machineInfo();
  const { commit, dirty } = commitInfo();
  const progress = new Progress(options.progress);
  const [load1 = 0] = machine.loadAverage;
  if (load1 > machine.cores) {
    progress.note(`[bench] the machine is busy (load ${load1} on ${machine.cores} cores): expect noisy figures`);
  }
  progress.note(`[bench] ${options.scenario}: encoding the clip (cached between runs)`);
  const clip = await prepareClip({ seconds: options.clipSeconds });
  await prepareCertificate();
  const context = createRunContext(clip, progress, options);

  let figures: Record<string, unknown>;
  let params: Record<string, unknown>;
  try {
    switch (options.scenario) {
      case 'rooms':
        ({ params, figures } = await runRoomsScenario(options, context));
        break;
      case 'join-storm':
        ({ params, figures } = await runJoinStorm(options, context));
        break;
      case 'fanout':
        ({ params, figures } = await runFanoutScenario(options, context));
        break;
      case 'baseline':
        ({ params, figures } = await runBaselineScenario(options, context));
        break;
      case 'chat':
        ({ params, figures } = await runChatScenario(options, context));
        break;
      case 'hls':
        ({ params, figures } = await runHlsScenario(options, context));
        break;
      case 'battle':
        ({ params, figures } = await runBattleScenario(options, context));
        break;
      case 'mesh':
        ({ params, figures } = await runMeshScenario(options, context));
        break;
      case 'cluster':
        ({ params, figures } = await runClusterScenario(options, context));
        break;
      case 'shop':
        ({ params, figures } = await runShopScenario(options, context));
        break;
      case 'effects':
        ({ params, figures } = await runEffectsScenario(options, context));
        break;
    }
  } finally {
    context.clock.stop();
    progress.done();
  }

  const result = {
    scenario: options.scenario,
    params,
    machine,
    commit,
    commitDirty: dirty,
    startedAt,
    durationS: Math.round((performance.now() - started) / 100) / 10,
    clip: {
      seconds: clip.seconds,
      fps: clip.fps,
      layers: clip.layers.map((layer) => ({
        height: layer.spec.height,
        bitrateKbps: Math.round(layer.encodedBitrateBps / 1000),
      })),
    },
    ...figures,
  };
  const file = writeResult(result, resultsDir, options.out);
  progress.note(`[bench] result written to ${path.relative(process.cwd(), file)}`);
  process.stdout.write(`${JSON.stringify(result)}\n`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
