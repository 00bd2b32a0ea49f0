// run-tests: alone (it checks timings against the clock)
// The compositor's process supervision with tiny real FFmpeg command lines:
// restarts with back-off, the stall and lag watchdogs, the first segment,
// and a stop that leaves no process behind (checked by pid).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { waitFor } from '../testkit/waitFor.ts';
import { CompositorProcess, type CompositorProcessOptions, type CompositorRun } from './CompositorProcess.ts';
import type { CompositorExitCause } from './CompositorProcessTypes.ts';
import { resolveFfmpeg } from './ffmpegBinary.ts';
import { hlsSegmentPrefix } from './hlsOutputArgs.ts';

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const quiet = ['-hide_banner', '-loglevel', 'error', '-nostdin'];
/** Exits at once: a compositor that keeps dying. */
const diesAtOnce = [...quiet, '-f', 'lavfi', '-i', 'nullsrc=s=16x16:d=0.1', '-f', 'null', '-'];
/** Runs until stopped and writes nothing: a compositor that stopped producing. */
const producesNothing = [...quiet, '-re', '-f', 'lavfi', '-i', 'nullsrc=s=16x16:r=10', '-f', 'null', '-'];

/** A small HLS output whose segments carry the run's number, at `readRate` × real time. */
function hlsOf(dir: string, generation: number, readRate = 1): string[] {
  return [
    ...quiet,
    ...['-readrate', String(readRate), '-f', 'lavfi', '-i', 'testsrc=s=64x64:r=10'],
    ...['-c:v', 'libx264', '-preset', 'ultrafast', '-g', '10', '-f', 'hls', '-hls_time', '1'],
    ...['-hls_flags', 'program_date_time', '-hls_list_size', '5'],
    ...['-hls_segment_filename', path.join(dir, `${hlsSegmentPrefix(generation)}%05d.ts`)],
    path.join(dir, 'index.m3u8'),
  ];
}

interface Noted {
  event: 'started' | 'firstSegment' | 'stalled' | 'exited' | 'failed';
  generation?: number;
  pid?: number;
  signal?: NodeJS.Signals | null;
  cause?: CompositorExitCause;
  retryInMs?: number;
  atMs: number;
}

/** A compositor whose events are noted in order. */
function compositorWith(options: Partial<CompositorProcessOptions> & Pick<CompositorProcessOptions, 'invocation'>) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stagecast-compositor-'));
  const compositor = new CompositorProcess({
    ffmpegPath: resolveFfmpeg(),
    logger,
    progressPlaylist: path.join(dir, 'index.m3u8'),
    ...options,
  });
  const noted: Noted[] = [];
  const note = (event: Noted['event'], run?: CompositorRun, more: Partial<Noted> = {}) =>
    noted.push({ event, generation: run?.generation, pid: run?.pid, atMs: performance.now(), ...more });
  compositor.on('started', (run) => note('started', run));
  compositor.on('firstSegment', (run) => note('firstSegment', run));
  compositor.on('stalled', (run) => note('stalled', run));
  compositor.on('exited', (run, exit) =>
    note('exited', run, { signal: exit.signal, cause: exit.cause, retryInMs: exit.retryInMs }),
  );
  compositor.on('failed', (_error, retryInMs) => note('failed', undefined, { retryInMs }));
  return {
    compositor,
    dir,
    noted,
    of: (event: Noted['event']) => noted.filter((entry) => entry.event === event),
    cleanUp: async () => {
      await compositor.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return !(error instanceof Error && 'code' in error && error.code === 'ESRCH');
  }
}

test('a run that dies is restarted with back-off, each run numbered on', async () => {
  const subject = compositorWith({
    invocation: () => ({ args: diesAtOnce }),
    lastGeneration: 4,
    timing: { minRestartDelayMs: 100, maxRestartDelayMs: 400, healthyRunMs: 60_000 },
  });
  try {
    await subject.compositor.start();
    await waitFor('four restarts', () => (subject.of('started').length >= 5 ? true : undefined), 20_000);
    const started = subject.of('started');
    const exited = subject.of('exited');
    assert.ok(
      exited.every((entry) => entry.cause === 'exited'),
      'each ended by itself',
    );
    assert.equal(
      started.map((entry) => entry.generation),
      [5, 6, 7, 8, 9],
    );
    assert.is(new Set(started.map((entry) => entry.pid)).size, 5, 'a new process every run');
    // Doubling from 100 ms, capped at 400 ms.
    assert.equal(
      exited.slice(0, 4).map((entry) => entry.retryInMs),
      [200, 400, 400, 400],
    );
    for (let i = 0; i < 4; i++) {
      const waitedMs = started[i + 1]!.atMs - exited[i]!.atMs;
      assert.ok(waitedMs >= exited[i]!.retryInMs! - 5, `run ${i + 2} started ${waitedMs} ms after the exit`);
    }
  } finally {
    await subject.cleanUp();
  }
  for (const entry of subject.of('started')) assert.not.ok(alive(entry.pid!), `pid ${entry.pid} is gone`);
});

test('stop() ends the running FFmpeg, starts no other, and leaves no process behind', async () => {
  let sdpFile = '';
  const subject = compositorWith({
    inputPortPairs: 2,
    invocation: ({ generation, inputPorts }) => {
      sdpFile = path.join(os.tmpdir(), `stagecast-compositor-test-${process.pid}-${generation}.sdp`);
      return { args: producesNothing, inputSdp: { file: sdpFile, text: inputPorts.join(',') } };
    },
  });
  try {
    await subject.compositor.start();
    const [run] = subject.of('started');
    assert.is(subject.compositor.pid, run?.pid);
    assert.ok(alive(run!.pid!), 'FFmpeg runs');
    // The run was handed its ports, and what it reads was written before it started.
    const ports = fs.readFileSync(sdpFile, 'utf8').split(',').map(Number);
    assert.is(ports.length, 2);
    assert.ok(
      ports.every((port) => port % 2 === 0),
      `even RTP ports: ${ports.join(', ')}`,
    );
    assert.is(new Set(ports).size, 2);

    const stopping = performance.now();
    await subject.compositor.stop();
    assert.ok(performance.now() - stopping < 3000, 'FFmpeg ended on SIGINT, within the grace');
    assert.not.ok(alive(run!.pid!), 'no FFmpeg left');
    assert.is(subject.compositor.pid, undefined);
    await sleep(600);
    assert.is(subject.of('started').length, 1, 'nothing started after stop()');
    assert.is(subject.of('exited').length, 0, 'a stop is not an exit to react to');
  } finally {
    fs.rmSync(sdpFile, { force: true });
    await subject.cleanUp();
  }
});

test('stop() during the back-off starts nothing more', async () => {
  const subject = compositorWith({
    invocation: () => ({ args: diesAtOnce }),
    timing: { minRestartDelayMs: 300, healthyRunMs: 60_000 },
  });
  try {
    await subject.compositor.start();
    await waitFor('the first exit', () => (subject.of('exited').length > 0 ? true : undefined), 10_000);
    await subject.compositor.stop();
    await sleep(900);
    assert.is(subject.of('started').length, 1);
  } finally {
    await subject.cleanUp();
  }
});

test('a run that stops producing is reported stalled, then killed and restarted', async () => {
  const subject = compositorWith({
    invocation: () => ({ args: producesNothing }),
    timing: {
      firstSegmentGraceMs: 200,
      watchIntervalMs: 100,
      stallResyncMs: 300,
      stallRestartMs: 1200,
      minRestartDelayMs: 50,
    },
  });
  try {
    await subject.compositor.start();
    await waitFor('a second run', () => (subject.of('started').length >= 2 ? true : undefined), 10_000);
    const [first, second] = subject.of('started');
    assert.equal(
      subject.noted.slice(0, 4).map((entry) => [entry.event, entry.generation]),
      [
        ['started', 1],
        ['stalled', 1],
        ['exited', 1],
        ['started', 2],
      ],
    );
    assert.is(subject.of('exited')[0]?.signal, 'SIGKILL');
    assert.is(subject.of('exited')[0]?.cause, 'stalled');
    // Reported once per stall, not at every look.
    assert.is(subject.of('stalled').filter((entry) => entry.generation === 1).length, 1);
    const stalledAfterMs = subject.of('stalled')[0]!.atMs - first!.atMs;
    const killedAfterMs = subject.of('exited')[0]!.atMs - first!.atMs;
    // Not before the grace (200) and the resync wait (300). The watch looks every 100 ms, so the look at
    // ~500 ms sees 300 or 301 ms by Date.now()'s whole milliseconds, and this test's clock (performance.now,
    // read when 'started' is heard) is not the watch's: a few ms either side of 500 are the same look
    // (a CI run measured 497.9 ms).
    assert.ok(stalledAfterMs >= 490 && stalledAfterMs < 1200, `stalled after ${stalledAfterMs} ms`);
    assert.ok(killedAfterMs >= 1400, `killed after ${killedAfterMs} ms`);
    assert.not.ok(alive(first!.pid!));
    assert.ok(alive(second!.pid!));
  } finally {
    await subject.cleanUp();
  }
});

test('the first segment of a run is reported; a producing run is left alone', async () => {
  const subject = compositorWith({
    lastGeneration: 2,
    invocation: ({ generation }) => ({ args: hlsOf(subject.dir, generation) }),
    timing: { firstSegmentGraceMs: 3000, stallResyncMs: 2500, stallRestartMs: 4000 },
  });
  try {
    await subject.compositor.start();
    await waitFor('the first segment', () => (subject.of('firstSegment').length > 0 ? true : undefined), 15_000);
    assert.is(subject.of('firstSegment')[0]?.generation, 3);
    await sleep(4500);
    assert.equal(
      subject.noted.map((entry) => entry.event),
      ['started', 'firstSegment'],
      'no stall, no restart while segments come',
    );
  } finally {
    await subject.cleanUp();
  }
});

test('an output that falls behind real time is restarted at the present', async () => {
  const subject = compositorWith({
    // Half real time: the output falls behind by half a second every second.
    invocation: ({ generation }) => ({ args: hlsOf(subject.dir, generation, 0.5) }),
    timing: { watchIntervalMs: 200, maxOutputLagMs: 1000, lagRestartAfterMs: 1000, minRestartDelayMs: 50 },
  });
  try {
    await subject.compositor.start();
    await waitFor('a restart', () => (subject.of('started').length >= 2 ? true : undefined), 20_000);
    assert.is(subject.of('exited')[0]?.signal, 'SIGKILL');
    assert.is(subject.of('exited')[0]?.cause, 'lagging');
    assert.is(subject.of('stalled').length, 0, 'it was producing, only late');
  } finally {
    await subject.cleanUp();
  }
});

test('a start that cannot run FFmpeg rejects and leaves nothing running', async () => {
  const subject = compositorWith({
    ffmpegPath: path.join(os.tmpdir(), 'no-such-ffmpeg'),
    invocation: () => ({ args: producesNothing }),
  });
  try {
    await subject.compositor.start().then(
      () => assert.unreachable('start() resolved'),
      (error: unknown) => assert.match(String(error), /ENOENT/),
    );
    assert.is(subject.compositor.pid, undefined);
    assert.is(subject.of('started').length, 0);
  } finally {
    await subject.cleanUp();
  }
});

test.run();
