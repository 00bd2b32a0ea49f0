// What every scenario of one run shares: the clip the publishers replay,
// the media clock, progress output, and the peers to close at the end.
import type { Impairment } from '../impair/impairment.ts';
import type { Clip } from '../media/clip.ts';
import { MediaClock } from '../peers/mediaClock.ts';
import type { BenchPeer } from '../peers/benchPeer.ts';
import type { Progress } from '../progress.ts';

export interface RunContext {
  clip: Clip;
  clock: MediaClock;
  progress: Progress;
  /** performance.now() when the run began (progress shows time since). */
  startedAtMs: number;
  /** Per-step limit for requests and ICE/DTLS. */
  timeoutMs: number;
  /** Subscribers negotiate transport-cc. */
  bandwidthEstimation: boolean;
  /** rooms and fanout: what every peer's links suffer, each direction alike (`--impair`). */
  impairment: Impairment | undefined;
}

/** The relay plan of a peer under `context.impairment`: both directions alike. */
export function linkImpairmentOf(context: RunContext): { up: Impairment; down: Impairment } | undefined {
  return context.impairment ? { up: context.impairment, down: context.impairment } : undefined;
}

export function createRunContext(
  clip: Clip,
  progress: Progress,
  { bandwidthEstimation, impairment }: { bandwidthEstimation: boolean; impairment?: Impairment | undefined },
): RunContext {
  return {
    clip,
    clock: new MediaClock(),
    progress,
    startedAtMs: performance.now(),
    timeoutMs: 15_000,
    bandwidthEstimation,
    impairment,
  };
}

export function elapsedS(context: RunContext): number {
  return (performance.now() - context.startedAtMs) / 1000;
}

/** Closes peers a few at a time (each close ends a socket and two transports). */
export async function closePeers(peers: readonly BenchPeer[]): Promise<void> {
  const batch = 25;
  for (let index = 0; index < peers.length; index += batch) {
    await Promise.all(peers.slice(index, index + batch).map((peer) => peer.close().catch(() => undefined)));
  }
}
