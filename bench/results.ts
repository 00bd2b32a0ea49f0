// Result files: every run is kept in bench/results/ (or --results) under a
// name that sorts by time, and optionally copied to --out.
import fs from 'node:fs';
import path from 'node:path';

export const defaultResultsDir = path.resolve(import.meta.dirname, 'results');

export function writeResult(result: { scenario: string; startedAt: string }, dir: string, out?: string): string {
  fs.mkdirSync(dir, { recursive: true });
  const stamp = result.startedAt.replace(/[:.]/g, '-');
  const file = path.join(dir, `${result.scenario}-${stamp}.json`);
  const text = `${JSON.stringify(result, null, 2)}\n`;
  fs.writeFileSync(file, text);
  if (out) {
    fs.mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
    fs.writeFileSync(out, text);
  }
  return file;
}

/** Every result JSON in the folder, oldest first; unreadable files are skipped. */
export function readResults(dir: string): Record<string, unknown>[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .flatMap((name) => {
      try {
        const parsed: unknown = JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8'));
        return parsed && typeof parsed === 'object' ? [parsed as Record<string, unknown>] : [];
      } catch {
        return [];
      }
    });
}
