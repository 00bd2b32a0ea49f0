// The share of a core this node's mediasoup workers used lately, for the
// load a cluster node reports (NodeRegistry): sampled from the workers' own
// resource usage (user + system time) every `intervalMs`.
import type { types } from 'mediasoup';

export class WorkerCpuMeter {
  readonly #workers: () => readonly { worker: types.Worker }[];
  readonly #timer: NodeJS.Timeout;
  #last: { atMs: number; cpuMs: number } | undefined;
  #share = 0;

  constructor(workers: () => readonly { worker: types.Worker }[], intervalMs = 2000) {
    this.#workers = workers;
    this.#timer = setInterval(() => void this.#sample(), intervalMs);
    this.#timer.unref();
    void this.#sample();
  }

  /** Cores' worth of CPU (1 = one core busy) over the last interval. */
  get share(): number {
    return this.#share;
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  async #sample(): Promise<void> {
    const usages = await Promise.all(
      this.#workers().map(({ worker }) => worker.getResourceUsage().catch(() => undefined)),
    );
    const cpuMs = usages.reduce((total, usage) => total + (usage ? usage.ru_utime + usage.ru_stime : 0), 0);
    const atMs = performance.now();
    // A worker replaced since the last sample restarts its count: skip a negative step.
    if (this.#last && cpuMs >= this.#last.cpuMs) {
      this.#share = Math.round(((cpuMs - this.#last.cpuMs) / (atMs - this.#last.atMs)) * 100) / 100;
    }
    this.#last = { atMs, cpuMs };
  }
}
