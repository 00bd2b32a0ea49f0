// The quick-match queue: live sessions waiting for an opponent, longest
// waiting first. One node keeps it in memory; a cluster keeps it in Redis
// (RedisQuickMatchQueue) so that sessions of any two nodes can be paired.
// Entries are only hints: whoever takes one checks that its session is
// still live and free, and skips it otherwise.

export interface QueuedSession {
  sessionId: string;
  durationS: number;
}

export interface QuickMatchQueue {
  /** Queues a session at the back (a session already waiting moves there). */
  add(entry: QueuedSession): Promise<void>;
  remove(sessionId: string): Promise<void>;
  /** Takes the longest-waiting entry out of the queue (for everyone), if any. */
  takeFirst(): Promise<QueuedSession | undefined>;
}

export class InProcessQuickMatchQueue implements QuickMatchQueue {
  #entries: QueuedSession[] = [];

  async add(entry: QueuedSession): Promise<void> {
    this.#entries = this.#entries.filter((queued) => queued.sessionId !== entry.sessionId);
    this.#entries.push(entry);
  }

  async remove(sessionId: string): Promise<void> {
    this.#entries = this.#entries.filter((queued) => queued.sessionId !== sessionId);
  }

  async takeFirst(): Promise<QueuedSession | undefined> {
    return this.#entries.shift();
  }
}
