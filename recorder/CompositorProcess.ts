// One compositor FFmpeg over its whole life: runs it, watches that it keeps
// producing, restarts it with back-off when it dies or stops producing, and
// stops it. It is handed each run's command line (options.invocation) and
// knows nothing of hosts or consumers; the recorder hears what happens
// through events (CompositorProcessTypes.ts) and re-routes around them.
//
// Watchdogs, per run: FFmpeg can stay alive yet stop producing (an RTP input
// it cannot get in step with). When the progress playlist has not changed for
// stallResyncMs after the first-segment grace the run is reported `stalled`
// (the recorder rejoins its cameras, which most often unblocks it); at
// stallRestartMs FFmpeg is killed and restarted, so audiences get a short gap
// rather than a dead stream. Likewise when the output stays more than
// maxOutputLagMs behind real time (outputLag.ts) for lagRestartAfterMs: a live
// show that fell that far behind is better restarted at the present than
// played late for the rest of it.
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import { reapOnExit } from './childReaper.ts';
import {
  DEFAULT_COMPOSITOR_TIMING,
  type CompositorProcessEvents,
  type CompositorProcessOptions,
  type CompositorRun,
  type CompositorExitCause,
  type CompositorTiming,
} from './CompositorProcessTypes.ts';
import { freeTcpPort } from './freeTcpPort.ts';
import { FIRST_OUTPUT_FD, hlsSegmentPrefix } from './hlsOutputArgs.ts';
import { isMissingFile } from './isMissingFile.ts';
import { outputLagMs } from './outputLag.ts';
import { reserveUdpPortPairs } from './udpPortPair.ts';

export type {
  CompositorExit,
  CompositorInvocation,
  CompositorProcessEvents,
  CompositorProcessOptions,
  CompositorRun,
  CompositorRunPorts,
  CompositorTiming,
} from './CompositorProcessTypes.ts';

/** FFmpeg stderr lines kept for the log of a run that ends. */
const STDERR_TAIL_LINES = 20;

/** One FFmpeg run. */
interface ActiveRun {
  info: CompositorRun;
  child: ChildProcess;
  startedAt: number;
  /** The watchdogs; cleared when the run ends. */
  timers: NodeJS.Timeout[];
  stderrTail: string[];
  firstSegmentSeen: boolean;
  /** Set when a watchdog kills the run: why (the exit then reports it). */
  killedFor?: CompositorExitCause;
}

export class CompositorProcess extends EventEmitter<CompositorProcessEvents> {
  readonly #options: CompositorProcessOptions;
  readonly #timing: CompositorTiming;
  readonly #logger: Logger;
  #generation: number;
  #run: ActiveRun | undefined;
  /** A start or restart in progress; never rejects (its failure is reported where it started). */
  #starting: Promise<void> | undefined;
  #begun = false;
  #stopped = false;
  #stopping: Promise<void> | undefined;
  #restartDelayMs: number;
  #restartTimer: NodeJS.Timeout | undefined;

  /** Add listeners, then start(): the first run's `started` is emitted during it. */
  constructor(options: CompositorProcessOptions) {
    super();
    this.#options = options;
    this.#timing = { ...DEFAULT_COMPOSITOR_TIMING, ...options.timing };
    this.#logger = options.logger;
    this.#generation = options.lastGeneration ?? 0;
    this.#restartDelayMs = this.#timing.minRestartDelayMs;
  }

  /** The running FFmpeg's pid (for operations and fault tests). */
  get pid(): number | undefined {
    return this.#run?.info.pid;
  }

  /** Starts the first run; rejects, leaving nothing running, when its FFmpeg cannot be started. */
  async start(): Promise<void> {
    if (this.#begun) throw new Error('a CompositorProcess starts once');
    this.#begun = true;
    const first = this.#startRun();
    // The caller of start() hears this failure; stop() only waits for it.
    this.#starting = first.catch(() => undefined);
    await first;
  }

  /** Stops for good; resolves once FFmpeg has written its last segment and exited. */
  stop(): Promise<void> {
    if (this.#stopping) return this.#stopping;
    this.#stopped = true;
    clearTimeout(this.#restartTimer);
    this.#stopping = (async () => {
      await this.#starting;
      await this.#stopRun();
    })();
    return this.#stopping;
  }

  async #startRun(): Promise<void> {
    const generation = ++this.#generation;
    const reservation = await reserveUdpPortPairs(this.#options.inputPortPairs ?? 0);
    let child: ChildProcess;
    let info: Omit<CompositorRun, 'pid'>;
    try {
      const commandPort = await freeTcpPort();
      if (this.#stopped) return;
      info = { generation, inputPorts: reservation.ports, commandPort };
      const invocation = this.#options.invocation(info);
      if (invocation.inputSdp) fs.writeFileSync(invocation.inputSdp.file, invocation.inputSdp.text);
      // Freed right before FFmpeg binds them (udpPortPair.ts).
      reservation.release();
      const outputs: 'pipe'[] = Array.from({ length: invocation.outputPipes ?? 0 }, () => 'pipe');
      child = spawn(this.#options.ffmpegPath, invocation.args, { stdio: ['ignore', 'ignore', 'pipe', ...outputs] });
      reapOnExit(child);
    } finally {
      reservation.release();
    }
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
    const run: ActiveRun = {
      info: { ...info, pid: child.pid! },
      child,
      startedAt: Date.now(),
      timers: [],
      stderrTail: [],
      firstSegmentSeen: false,
    };
    // After a successful spawn an error is a failed kill: the watchdogs and
    // the exit handler deal with the process itself.
    child.on('error', (error) => this.#logger.warn({ err: error, generation }, 'FFmpeg process error'));
    child.stderr!.on('data', (chunk: Buffer) => {
      run.stderrTail.push(...chunk.toString().split('\n').filter(Boolean));
      run.stderrTail.splice(0, Math.max(0, run.stderrTail.length - STDERR_TAIL_LINES));
    });
    child.once('exit', (code, signal) => this.#onExit(run, code, signal));
    this.#run = run;
    this.#watch(run);
    const outputs = child.stdio.slice(FIRST_OUTPUT_FD).filter((stream): stream is Readable => stream !== null);
    this.emit('started', run.info, outputs);
  }

  #onExit(run: ActiveRun, code: number | null, signal: NodeJS.Signals | null): void {
    this.#clearTimers(run);
    if (this.#run !== run || this.#stopped) return;
    this.#run = undefined;
    // Back off while FFmpeg keeps failing; a run that lasted resets it.
    this.#restartDelayMs =
      Date.now() - run.startedAt > this.#timing.healthyRunMs
        ? this.#timing.minRestartDelayMs
        : Math.min(this.#restartDelayMs * 2, this.#timing.maxRestartDelayMs);
    const stderr = run.stderrTail.join('\n');
    const cause = run.killedFor ?? 'exited';
    this.#logger.warn(
      { generation: run.info.generation, code, signal, cause, retryInMs: this.#restartDelayMs, stderr },
      'FFmpeg exited; restarting',
    );
    this.emit('exited', run.info, { code, signal, cause, retryInMs: this.#restartDelayMs, stderr });
    this.#scheduleRestart();
  }

  #scheduleRestart(): void {
    this.#restartTimer = setTimeout(() => {
      if (this.#stopped || this.#run) return;
      this.#starting = this.#startRun().catch((error: unknown) => {
        if (this.#stopped) return;
        this.#restartDelayMs = Math.min(this.#restartDelayMs * 2, this.#timing.maxRestartDelayMs);
        this.#logger.warn(
          { err: error, retryInMs: this.#restartDelayMs },
          'FFmpeg could not be restarted; trying again',
        );
        this.emit('failed', error, this.#restartDelayMs);
        this.#scheduleRestart();
      });
    }, this.#restartDelayMs);
  }

  #watch(run: ActiveRun): void {
    const timing = this.#timing;
    const { generation } = run.info;
    const graceEnds = Date.now() + timing.firstSegmentGraceMs;
    // Read often during the grace: the recorder lets cameras join at the first segment.
    const firstSegmentPoll = setInterval(() => {
      if (this.#run !== run || Date.now() > graceEnds || this.#noteFirstSegment(run, this.#readPlaylist(run))) {
        clearInterval(firstSegmentPoll);
      }
    }, timing.firstSegmentPollMs);

    let lastChange = graceEnds;
    let lastMtimeMs = 0;
    let laggingSince: number | undefined;
    let resynced = false;
    const restart = (cause: CompositorExitCause, reason: string, details: Record<string, unknown>) => {
      this.#clearTimers(run);
      run.killedFor = cause;
      this.#logger.warn({ generation, ...details }, reason);
      run.child.kill('SIGKILL');
    };
    const progressWatch = setInterval(() => {
      if (this.#run !== run) return clearInterval(progressWatch);
      const mtimeMs = this.#playlistMtimeMs(run);
      if (mtimeMs === lastMtimeMs) {
        const stalledMs = Date.now() - lastChange;
        if (stalledMs > timing.stallRestartMs)
          restart('stalled', 'FFmpeg stopped producing segments; restarting it', {});
        else if (stalledMs > timing.stallResyncMs && !resynced) {
          resynced = true;
          this.#logger.warn({ generation, stalledMs }, 'FFmpeg output stalled');
          this.emit('stalled', run.info);
        }
        return;
      }
      resynced = false;
      lastMtimeMs = mtimeMs;
      lastChange = Math.max(lastChange, Date.now());
      const text = this.#readPlaylist(run);
      this.#noteFirstSegment(run, text);
      const lagMs = (text !== undefined ? outputLagMs(text, Date.now()) : undefined) ?? 0;
      laggingSince = lagMs > timing.maxOutputLagMs ? (laggingSince ?? Date.now()) : undefined;
      if (laggingSince !== undefined && Date.now() - laggingSince > timing.lagRestartAfterMs) {
        restart('lagging', 'FFmpeg fell behind real time; restarting it at the present', { lagMs });
      }
    }, timing.watchIntervalMs);
    run.timers.push(firstSegmentPoll, progressWatch);
  }

  /** When the progress playlist last changed; 0 while it does not exist (or cannot be read: logged, counted as no progress). */
  #playlistMtimeMs(run: ActiveRun): number {
    try {
      return fs.statSync(this.#options.progressPlaylist, { throwIfNoEntry: false })?.mtimeMs ?? 0;
    } catch (error) {
      // Inside a timer an exception would take the node down; the stall watchdog handles a lasting failure.
      this.#logger.warn({ err: error, generation: run.info.generation }, 'cannot read the progress playlist');
      return 0;
    }
  }

  /** Emits `firstSegment` once the playlist lists a segment of this run (its files carry the generation). */
  #noteFirstSegment(run: ActiveRun, playlistText: string | undefined): boolean {
    if (run.firstSegmentSeen) return true;
    if (!playlistText?.includes(hlsSegmentPrefix(run.info.generation))) return false;
    run.firstSegmentSeen = true;
    this.emit('firstSegment', run.info);
    return true;
  }

  #readPlaylist(run: ActiveRun): string | undefined {
    try {
      return fs.readFileSync(this.#options.progressPlaylist, 'utf8');
    } catch (error) {
      // Not written yet: FFmpeg writes it with its first segment.
      if (isMissingFile(error)) return undefined;
      this.#logger.warn({ err: error, generation: run.info.generation }, 'could not read the progress playlist');
      return undefined;
    }
  }

  #clearTimers(run: ActiveRun): void {
    for (const timer of run.timers) clearInterval(timer);
    run.timers.length = 0;
  }

  #stopRun(): Promise<void> {
    const run = this.#run;
    if (!run) return Promise.resolve();
    this.#run = undefined;
    this.#clearTimers(run);
    if (run.child.exitCode !== null || run.child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      const killer = setTimeout(() => run.child.kill('SIGKILL'), this.#timing.stopGraceMs);
      run.child.once('exit', () => {
        clearTimeout(killer);
        resolve();
      });
      run.child.kill('SIGINT'); // lets the HLS muxer finish its segment and playlist
    });
  }
}
