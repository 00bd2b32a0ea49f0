// The CompositorProcess's contract: how it is told what to run, when it
// gives up on a run, and the events the recorder reacts to. The class is in
// CompositorProcess.ts.
import type { Readable } from 'node:stream';
import type { Logger } from 'pino';

/** What a run is given before its FFmpeg starts: fresh ports and its number. */
export interface CompositorRunPorts {
  /** Run number; a run's segments are named after it (hlsSegmentPrefix in hlsOutputArgs.ts). */
  generation: number;
  /** Even loopback UDP ports (RTP on P, RTCP on P + 1), free a moment before FFmpeg starts. */
  inputPorts: readonly number[];
  /** A loopback TCP port, free a moment ago, for the graph's zmq filter. */
  commandPort: number;
}

/** One FFmpeg command line and the input description it reads. */
export interface CompositorInvocation {
  /** FFmpeg's arguments (without the binary). */
  args: readonly string[];
  /** Written to `file` before FFmpeg starts (the SDP of its RTP inputs, which args name). */
  inputSdp?: { file: string; text: string };
  /** Pipes FFmpeg writes its outputs to (fd 3 onwards), handed over with `started`. Default 0. */
  outputPipes?: number;
}

/** A run that has started (its FFmpeg is spawned). */
export interface CompositorRun extends CompositorRunPorts {
  pid: number;
}

/**
 * Why a run ended before stop(): FFmpeg exited by itself (a crash, an input
 * it could not read), or a watchdog killed it for producing nothing
 * (`stalled`) or for falling behind real time (`lagging`: most often a
 * machine too busy to encode in real time).
 */
export type CompositorExitCause = 'exited' | 'stalled' | 'lagging';

/** How a run ended on its own (or was killed by a watchdog), and when the next starts. */
export interface CompositorExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  cause: CompositorExitCause;
  /** The next run starts after this long (back-off). */
  retryInMs: number;
  /** FFmpeg's last stderr lines, for the log. */
  stderr: string;
}

export interface CompositorTiming {
  /** Time a new run gets before its first segment is expected. Default 10 000. */
  firstSegmentGraceMs: number;
  /** How often the playlist is read for the first segment during the grace. Default 100. */
  firstSegmentPollMs: number;
  /** How often the progress and lag watchdogs look at the playlist. Default 1000. */
  watchIntervalMs: number;
  /** A playlist unchanged this long reports the run `stalled` (the recorder rejoins cameras). Default 2500. */
  stallResyncMs: number;
  /** ...and unchanged this long gets FFmpeg killed and restarted. Default 8000. */
  stallRestartMs: number;
  /** Output this far behind real time (outputLag.ts)... Default 8000. */
  maxOutputLagMs: number;
  /** ...for this long gets FFmpeg restarted at the present. Default 5000. */
  lagRestartAfterMs: number;
  /** First restart delay; a healthy run resets the back-off to it. Default 250. */
  minRestartDelayMs: number;
  /** The back-off doubles up to this. Default 10 000. */
  maxRestartDelayMs: number;
  /** A run this long counts as healthy: the next failure restarts quickly again. Default 10 000. */
  healthyRunMs: number;
  /** How long FFmpeg may take to finish its segment after SIGINT at stop before it is killed. Default 3000. */
  stopGraceMs: number;
}

export const DEFAULT_COMPOSITOR_TIMING: Readonly<CompositorTiming> = {
  firstSegmentGraceMs: 10_000,
  firstSegmentPollMs: 100,
  watchIntervalMs: 1000,
  stallResyncMs: 2500,
  stallRestartMs: 8000,
  maxOutputLagMs: 8000,
  lagRestartAfterMs: 5000,
  minRestartDelayMs: 250,
  maxRestartDelayMs: 10_000,
  healthyRunMs: 10_000,
  stopGraceMs: 3000,
};

export interface CompositorProcessOptions {
  /** The FFmpeg binary (ffmpegBinary.ts). */
  ffmpegPath: string;
  logger: Logger;
  /** UDP port pairs reserved for each run's RTP inputs. Default 0. */
  inputPortPairs?: number;
  /**
   * Builds a run's command line from its ports (compositorInvocation.ts for
   * the recorder); called at every start and restart, so a restarted run
   * starts with what the caller holds now.
   */
  invocation: (run: CompositorRunPorts) => CompositorInvocation;
  /** The media playlist whose changes show the run is producing (the top rendition's, written by the packager). */
  progressPlaylist: string;
  /** The first run is numbered one more (a recorder taking over a folder continues its numbering). Default 0. */
  lastGeneration?: number;
  /** Watchdog and back-off times; tests shorten them. */
  timing?: Partial<CompositorTiming>;
}

export type CompositorProcessEvents = {
  /** A run's FFmpeg is up: the first one and every restart; `outputs` are its output pipes, in order. */
  started: [run: CompositorRun, outputs: readonly Readable[]];
  /** The run's playlist lists its first segment. */
  firstSegment: [run: CompositorRun];
  /** The run's output has not changed for `stallResyncMs`; a restart follows at `stallRestartMs`. */
  stalled: [run: CompositorRun];
  /** The run ended on its own or was killed by a watchdog; the next starts after `exit.retryInMs`. Not emitted at stop(). */
  exited: [run: CompositorRun, exit: CompositorExit];
  /** A restart could not start FFmpeg (no ports, the binary went missing); tried again after `retryInMs`. */
  failed: [error: unknown, retryInMs: number];
};
