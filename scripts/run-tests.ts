// `npm test` after set-up: type-check, lint, format check, then every
// *.test.ts file in its own process (unit, then integration, then browser).
// The checks, the unit tests that hold no clock and the integration tests
// marked as sharing the machine run two at a time on the two cores; the
// rest run alone. A process a test file left running is reported and ended.
// Ends with one line `N passed, N failed[, N skipped]` and exits non-zero on
// any failure. `npm test -- PATTERN` runs only test files whose path contains
// PATTERN (and skips the static checks).
/* eslint-disable no-console -- this is a command-line reporter */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const repoRoot = path.resolve(import.meta.dirname, '..');
const FILE_TIMEOUT_MS = 10 * 60_000;
const ignoredDirs = new Set(['node_modules', '.git', 'data', 'dist', 'generated', 'results']);

interface Outcome {
  passed: number;
  failed: number;
  skipped: number;
}

const staticChecks: [name: string, command: string[]][] = [
  ['typecheck (tsc)', ['npx', '--no-install', 'tsc', '--noEmit', '-p', 'tsconfig.json']],
  [
    'typecheck (svelte-check)',
    ['npx', '--no-install', 'svelte-check', '--tsconfig', 'web/tsconfig.json', '--fail-on-warnings'],
  ],
  ['lint (eslint)', ['npx', '--no-install', 'eslint', '.', '--max-warnings', '0']],
  ['format (prettier)', ['npx', '--no-install', 'prettier', '--check', '.']],
];

function findTestFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.isDirectory()) return ignoredDirs.has(entry.name) ? [] : findTestFiles(path.join(dir, entry.name));
    return entry.name.endsWith('.test.ts') ? [path.relative(repoRoot, path.join(dir, entry.name))] : [];
  });
}

/** Unit tests first (fast feedback), browser tests last (slowest). */
function testKind(file: string): number {
  if (file.endsWith('.browser.test.ts')) return 2;
  return file.includes('.integration.') ? 1 : 0;
}

/** A unit test that times what it checks says so on a line of its own. */
const ALONE_MARK = '// run-tests: alone';
/**
 * An integration test with no real-time media and no clock that contention
 * could stretch past its waits (HTTP, sockets, the databases) says so: it
 * runs beside another. Its server and client share one Node thread, so two
 * of them keep both cores busy where one alone left one idle.
 */
const SHARES_MARK = '// run-tests: shares the machine';

function fileMarks(file: string): { alone: boolean; shares: boolean } {
  const text = fs.readFileSync(path.join(repoRoot, file), 'utf8');
  return { alone: text.includes(ALONE_MARK), shares: text.includes(SHARES_MARK) };
}

/** Runs beside another job: unit tests unless marked alone, integration tests marked as sharing. */
function runsBeside(file: string): boolean {
  const marks = fileMarks(file);
  const kind = testKind(file);
  return kind === 0 ? !marks.alone : kind === 1 && marks.shares;
}

/** Every process a job starts inherits this variable (with the job's own value) unless it clears its environment. */
const JOB_VARIABLE = 'STAGECAST_TEST_JOB';
let jobCount = 0;

/** Processes still running with the job's mark in their environment. */
function processesOf(jobMark: string): { pid: number; name: string }[] {
  const needle = `${JOB_VARIABLE}=${jobMark}\0`;
  return fs.readdirSync('/proc').flatMap((entry) => {
    if (!/^\d+$/.test(entry)) return [];
    try {
      if (!fs.readFileSync(`/proc/${entry}/environ`, 'latin1').includes(needle)) return [];
      return [{ pid: Number(entry), name: fs.readFileSync(`/proc/${entry}/comm`, 'utf8').trim() }];
    } catch {
      return []; // gone meanwhile, or not ours to read
    }
  });
}

/**
 * What a job left running once it ended: given a few seconds to exit (a
 * browser's helpers close after it), then ended by PID and named, so one
 * file's leftovers neither slow the next files nor go unnoticed.
 */
async function endLeftovers(jobMark: string): Promise<string | undefined> {
  const deadline = Date.now() + 5000;
  let left = processesOf(jobMark);
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    left = processesOf(jobMark);
  }
  if (left.length === 0) return undefined;
  for (const { pid } of left) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // exited just now
    }
  }
  return left.map(({ pid, name }) => `${name} (${pid})`).join(', ');
}

function run(
  command: string[],
  timeoutMs: number,
): Promise<{ code: number; output: string; ms: number; leftovers?: string }> {
  const started = Date.now();
  const jobMark = `${process.pid}-${++jobCount}`;
  return new Promise((resolve) => {
    const [bin, ...args] = command as [string, ...string[]];
    const child = spawn(bin, args, {
      cwd: repoRoot,
      env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1', [JOB_VARIABLE]: jobMark },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // own process group, so a timeout kills what it started too
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => {
      output += `\n[run-tests] timed out after ${timeoutMs / 1000} s\n`;
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      const ms = Date.now() - started;
      void endLeftovers(jobMark).then((leftovers) =>
        resolve({ code: code ?? 1, output, ms, ...(leftovers ? { leftovers } : {}) }),
      );
    });
  });
}

/** Reads uvu's closing `Total/Passed/Skipped` block. */
function parseUvu(output: string): Outcome | undefined {
  const plain = output.replace(/\x1b\[[0-9;]*m/g, ''); // eslint-disable-line no-control-regex
  const total = /Total:\s+(\d+)/.exec(plain);
  const passed = /Passed:\s+(\d+)/.exec(plain);
  const skipped = /Skipped:\s+(\d+)/.exec(plain);
  if (!total || !passed) return undefined;
  const skippedCount = Number(skipped?.[1] ?? 0);
  return {
    passed: Number(passed[1]),
    skipped: skippedCount,
    failed: Number(total[1]) - Number(passed[1]) - skippedCount,
  };
}

function indent(text: string): string {
  return text
    .trimEnd()
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');
}

function report(
  totals: Outcome,
  name: string,
  result: { code: number; output: string; ms: number; leftovers?: string },
): void {
  const outcome = parseUvu(result.output) ?? { passed: result.code === 0 ? 1 : 0, failed: 0, skipped: 0 };
  // A crash, timeout or failure outside a test still counts as a failure.
  if (result.code !== 0 && outcome.failed === 0) outcome.failed = 1;
  totals.passed += outcome.passed;
  totals.failed += outcome.failed;
  totals.skipped += outcome.skipped;
  const ok = outcome.failed === 0;
  const seconds = `(${(result.ms / 1000).toFixed(1)} s)`;
  if (!name.endsWith('.test.ts')) {
    console.log(`${ok ? 'ok  ' : 'FAIL'} ${name} ${seconds}`);
  } else {
    const counts = `${outcome.passed} passed${outcome.skipped ? `, ${outcome.skipped} skipped` : ''}`;
    console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}: ${ok ? counts : `${outcome.failed} failed, ${counts}`} ${seconds}`);
  }
  if (!ok) console.log(indent(result.output));
  if (result.leftovers) console.log(`LEFT RUNNING by ${name}, now ended: ${result.leftovers}`);
}

/** Runs the jobs `width` at a time, each lane taking the next job when it is free, reporting each as it ends. */
async function runLanes(totals: Outcome, jobs: [name: string, command: string[]][], width: number): Promise<void> {
  const queue = [...jobs];
  const lane = async () => {
    for (let job = queue.shift(); job; job = queue.shift()) report(totals, job[0], await run(job[1], FILE_TIMEOUT_MS));
  };
  await Promise.all(Array.from({ length: width }, lane));
}

const testCommand = (file: string): [string, string[]] => [file, [process.execPath, '--import', 'tsx', file]];

async function main(): Promise<number> {
  const filter = process.argv[2];
  const totals: Outcome = { passed: 0, failed: 0, skipped: 0 };
  const files = findTestFiles(repoRoot)
    .filter((file) => !filter || file.includes(filter))
    .sort((a, b) => testKind(a) - testKind(b) || a.localeCompare(b));
  const beside = files.filter(runsBeside);

  // Two lanes on the two cores: the static checks, the integration tests that
  // share the machine (the longest, so they start first) and the unit tests
  // that hold no clock contention could stretch. The rest run alone: unit
  // tests marked so, then integration and browser tests (real media in real
  // time, sharing the machine with nothing else).
  const sharedFirst = [...beside].sort((a, b) => testKind(b) - testKind(a) || a.localeCompare(b));
  await runLanes(totals, [...(filter ? [] : staticChecks), ...sharedFirst.map(testCommand)], 2);
  await runLanes(totals, files.filter((file) => !beside.includes(file)).map(testCommand), 1);

  console.log(
    `\n${totals.passed} passed, ${totals.failed} failed${totals.skipped ? `, ${totals.skipped} skipped` : ''}`,
  );
  return totals.failed === 0 && totals.passed > 0 ? 0 : 1;
}

process.exitCode = await main();
