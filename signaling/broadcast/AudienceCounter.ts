// Who is watching which session: the audience pages that sent
// `stream:watch`, counted per session with the peak. Changes are reported in
// batches (at most one report per session per interval), so a thousand
// viewers arriving together cost a handful of pushes, not a thousand.

export type ViewerCountListener = (sessionId: string, viewers: number, peakViewers: number) => void;

/** How often a changing count is reported. */
const DEFAULT_REPORT_INTERVAL_MS = 1000;

export class AudienceCounter {
  readonly #watchersBySession = new Map<string, Set<string>>();
  readonly #sessionsByWatcher = new Map<string, Set<string>>();
  readonly #peakBySession = new Map<string, number>();
  readonly #changed = new Set<string>();
  readonly #onChange: ViewerCountListener;
  readonly #intervalMs: number;
  #timer: NodeJS.Timeout | undefined;

  constructor(onChange: ViewerCountListener, intervalMs = DEFAULT_REPORT_INTERVAL_MS) {
    this.#onChange = onChange;
    this.#intervalMs = intervalMs;
  }

  /** Counts `watcherId` (a socket) as watching; watching twice counts once. */
  watch(sessionId: string, watcherId: string): void {
    const watchers = this.#watchersBySession.get(sessionId) ?? new Set<string>();
    if (watchers.has(watcherId)) return;
    watchers.add(watcherId);
    this.#watchersBySession.set(sessionId, watchers);
    const sessions = this.#sessionsByWatcher.get(watcherId) ?? new Set<string>();
    sessions.add(sessionId);
    this.#sessionsByWatcher.set(watcherId, sessions);
    this.#peakBySession.set(sessionId, Math.max(this.peakViewers(sessionId), watchers.size));
    this.#markChanged(sessionId);
  }

  unwatch(sessionId: string, watcherId: string): void {
    const watchers = this.#watchersBySession.get(sessionId);
    if (!watchers?.delete(watcherId)) return;
    if (watchers.size === 0) this.#watchersBySession.delete(sessionId);
    const sessions = this.#sessionsByWatcher.get(watcherId);
    sessions?.delete(sessionId);
    if (sessions?.size === 0) this.#sessionsByWatcher.delete(watcherId);
    this.#markChanged(sessionId);
  }

  /** A watcher went away (socket disconnected): it stops watching everything. */
  leaveAll(watcherId: string): void {
    for (const sessionId of [...(this.#sessionsByWatcher.get(watcherId) ?? [])]) this.unwatch(sessionId, watcherId);
  }

  isWatching(sessionId: string, watcherId: string): boolean {
    return this.#watchersBySession.get(sessionId)?.has(watcherId) ?? false;
  }

  viewers(sessionId: string): number {
    return this.#watchersBySession.get(sessionId)?.size ?? 0;
  }

  peakViewers(sessionId: string): number {
    return this.#peakBySession.get(sessionId) ?? 0;
  }

  /**
   * The session is over: its watchers stop counting and no further count is
   * reported for it. The peak stays until `forgetPeak` (it is saved first).
   */
  stopCounting(sessionId: string): void {
    for (const watcherId of this.#watchersBySession.get(sessionId) ?? []) {
      const sessions = this.#sessionsByWatcher.get(watcherId);
      sessions?.delete(sessionId);
      if (sessions?.size === 0) this.#sessionsByWatcher.delete(watcherId);
    }
    this.#watchersBySession.delete(sessionId);
    this.#changed.delete(sessionId);
  }

  forgetPeak(sessionId: string): void {
    this.#peakBySession.delete(sessionId);
  }

  /** Starts the peak afresh (a session going live again) without dropping who is watching. */
  resetPeak(sessionId: string): void {
    this.#peakBySession.set(sessionId, this.viewers(sessionId));
  }

  /** Stops reporting; pending changes are dropped. */
  close(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#changed.clear();
  }

  #markChanged(sessionId: string): void {
    this.#changed.add(sessionId);
    this.#timer ??= setTimeout(() => this.#report(), this.#intervalMs);
  }

  #report(): void {
    this.#timer = undefined;
    const changed = [...this.#changed];
    this.#changed.clear();
    for (const sessionId of changed) this.#onChange(sessionId, this.viewers(sessionId), this.peakViewers(sessionId));
  }
}
