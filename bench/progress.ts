// Progress on stderr (stdout carries only the JSON result): a bar redrawn in
// place on a terminal, a plain line every few seconds otherwise.

export interface ProgressFigures {
  label: string;
  done: number;
  total: number;
  elapsedS: number;
  /** Extra "key value" parts, e.g. loss. */
  details?: Record<string, string | number>;
}

const BAR_WIDTH = 24;
const PLAIN_INTERVAL_MS = 3000;

export class Progress {
  readonly #enabled: boolean;
  readonly #tty = process.stderr.isTTY === true;
  #lastPlainAt = 0;
  #drawn = false;

  constructor(enabled: boolean) {
    this.#enabled = enabled;
  }

  update(figures: ProgressFigures): void {
    if (!this.#enabled) return;
    const line = formatProgress(figures);
    if (this.#tty) {
      process.stderr.write(`\r\x1b[2K${line}`);
      this.#drawn = true;
    } else if (Date.now() - this.#lastPlainAt >= PLAIN_INTERVAL_MS) {
      this.#lastPlainAt = Date.now();
      process.stderr.write(`${line}\n`);
    }
  }

  /** A line that stays (phase changes, warnings). */
  note(message: string): void {
    if (!this.#enabled) return;
    this.#clear();
    process.stderr.write(`${message}\n`);
  }

  done(): void {
    this.#clear();
  }

  #clear(): void {
    if (this.#drawn) process.stderr.write('\r\x1b[2K');
    this.#drawn = false;
  }
}

export function formatProgress({ label, done, total, elapsedS, details = {} }: ProgressFigures): string {
  const share = total > 0 ? Math.min(1, done / total) : 0;
  const filled = Math.round(share * BAR_WIDTH);
  const bar = `${'█'.repeat(filled)}${'░'.repeat(BAR_WIDTH - filled)}`;
  const extra = Object.entries(details)
    .map(([key, value]) => `${key} ${value}`)
    .join(' · ');
  return `[${label}] ${bar} ${done}/${total} · ${elapsedS.toFixed(1)} s${extra ? ` · ${extra}` : ''}`;
}
