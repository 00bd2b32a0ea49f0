// `npm test` after set-up: type-check, lint, format check, then every
// *.test.ts file in its own process (unit, then integration, then browser;
// the checks and the unit tests that hold no clock share the two cores).
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
function runsAlone(file: string): boolean {
  return fs.readFileSync(path.join(repoRoot, file), 'utf8').includes(ALONE_MARK);
}

function run(command: string[], timeoutMs: number): Promise<{ code: number; output: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    const [bin, ...args] = command as [string, ...string[]];
    const child = spawn(bin, args, {
      cwd: repoRoot,
      env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' },
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
      resolve({ code: code ?? 1, output, ms: Date.now() - started });
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

function report(totals: Outcome, name: string, result: { code: number; output: string; ms: number }): void {
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
}

/** Runs the jobs one after another, reporting each as it ends. */
async function runLane(totals: Outcome, jobs: [name: string, command: string[]][]): Promise<void> {
  for (const [name, command] of jobs) report(totals, name, await run(command, FILE_TIMEOUT_MS));
}

const testCommand = (file: string): [string, string[]] => [file, [process.execPath, '--import', 'tsx', file]];

async function main(): Promise<number> {
  const filter = process.argv[2];
  const totals: Outcome = { passed: 0, failed: 0, skipped: 0 };
  const files = findTestFiles(repoRoot)
    .filter((file) => !filter || file.includes(filter))
    .sort((a, b) => testKind(a) - testKind(b) || a.localeCompare(b));
  const besideChecks = files.filter((file) => testKind(file) === 0 && !runsAlone(file));

  // Two lanes on the two cores: the static checks beside the unit tests that
  // hold no clock that contention could stretch. The rest run alone: unit
  // tests marked so, then integration and browser tests (real media in real
  // time, sharing the machine with nothing else).
  await Promise.all([runLane(totals, filter ? [] : staticChecks), runLane(totals, besideChecks.map(testCommand))]);
  await runLane(totals, files.filter((file) => !besideChecks.includes(file)).map(testCommand));

  console.log(
    `\n${totals.passed} passed, ${totals.failed} failed${totals.skipped ? `, ${totals.skipped} skipped` : ''}`,
  );
  return totals.failed === 0 && totals.passed > 0 ? 0 : 1;
}

process.exitCode = await main();
