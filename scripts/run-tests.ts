// `npm test` after set-up: type-check, lint, format check, then every
// *.test.ts file in its own process (unit, then integration, then browser).
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

async function main(): Promise<number> {
  const filter = process.argv[2];
  const totals: Outcome = { passed: 0, failed: 0, skipped: 0 };

  if (!filter) {
    for (const [name, command] of staticChecks) {
      const result = await run(command, FILE_TIMEOUT_MS);
      const ok = result.code === 0;
      totals[ok ? 'passed' : 'failed']++;
      console.log(`${ok ? 'ok  ' : 'FAIL'} ${name} (${(result.ms / 1000).toFixed(1)} s)`);
      if (!ok) console.log(indent(result.output));
    }
  }

  const files = findTestFiles(repoRoot)
    .filter((file) => !filter || file.includes(filter))
    .sort((a, b) => testKind(a) - testKind(b) || a.localeCompare(b));
  for (const file of files) {
    const result = await run([process.execPath, '--import', 'tsx', file], FILE_TIMEOUT_MS);
    const outcome = parseUvu(result.output) ?? { passed: 0, failed: 0, skipped: 0 };
    // A crash, timeout or failure outside a test still counts as a failure.
    if (result.code !== 0 && outcome.failed === 0) outcome.failed = 1;
    totals.passed += outcome.passed;
    totals.failed += outcome.failed;
    totals.skipped += outcome.skipped;
    const ok = outcome.failed === 0;
    const counts = `${outcome.passed} passed${outcome.skipped ? `, ${outcome.skipped} skipped` : ''}`;
    console.log(
      `${ok ? 'ok  ' : 'FAIL'} ${file}: ${ok ? counts : `${outcome.failed} failed, ${counts}`} (${(result.ms / 1000).toFixed(1)} s)`,
    );
    if (!ok) console.log(indent(result.output));
  }

  console.log(
    `\n${totals.passed} passed, ${totals.failed} failed${totals.skipped ? `, ${totals.skipped} skipped` : ''}`,
  );
  return totals.failed === 0 && totals.passed > 0 ? 0 : 1;
}

process.exitCode = await main();
