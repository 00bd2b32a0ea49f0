// Measurement windows shared by the scenarios: CPU of the media worker(s),
// the signalling process and the generator over the same seconds, and what
// every received stream did in them. Aggregation is pure (figuresOf*).
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { QualityAdapted } from '../../signaling/protocol/index.ts';
import type { FrameCounters } from '../peers/frameTracker.ts';
import type { ReceivedStream } from '../peers/subscriber.ts';
import type { BenchTarget } from '../server/targets.ts';
import { startCpuWindow, startSelfCpuWindow } from '../server/processStats.ts';
import { sumDrops, udpDropsByPort } from '../server/udpDrops.ts';
import { lossPercent, round, summarize, type Percentiles } from '../stats.ts';

export interface StreamWindow {
  stream: ReceivedStream;
  expected: number;
  received: number;
  bytes: number;
  /** Retransmissions and reordered packets that filled a gap. */
  lateFilled: number;
  /** Audio only: lost packets the next packet's Opus FEC fills, and packets received carrying FEC. */
  fecRecovered: number;
  fecPackets: number;
  /** Video only: frames that could have been shown, and the freezes between them. */
  frames: FrameCounters | undefined;
}

function emptyFrames(): FrameCounters {
  return { rendered: 0, pausedMs: 0, freezes: 0, freezeMs: 0, longestFreezeMs: 0, resyncs: 0 };
}

export interface WindowResult {
  seconds: number;
  workerCpuPct: number;
  /** undefined when the signalling process's CPU cannot be read (e.g. --url without /metrics). */
  nodeCpuPct: number | undefined;
  generatorCpuPct: number;
  generatorEventLoopDelayP99Ms: number;
  serverEventLoopDelayP99Ms: number | undefined;
  /** Datagrams dropped by full receive buffers: at the server's media sockets, and at the generator's. */
  udpDrops: { server: number; generator: number };
  streams: StreamWindow[];
}

export interface PortsSource {
  udpPorts: { local: number[]; remote: number[] };
}

export interface MeasureWindow {
  /** Loss % so far in the window, for progress output. */
  currentLossPct(): number;
  stop(): Promise<WindowResult>;
}

/** Starts a window over `streams()` (read again at the end, so streams added meanwhile count from zero). */
export async function startWindow(
  target: BenchTarget,
  streams: () => ReceivedStream[],
  peers: () => readonly PortsSource[] = () => [],
): Promise<MeasureWindow> {
  const workerPids = await target.workerPids().catch(() => [] as number[]);
  // A scrape resets the server's event-loop histogram, so the next one covers this window only.
  await target.serverFigures();
  const snapshot = (stream: ReceivedStream) => ({
    ...stream.stats.counters,
    fecRecovered: stream.fec?.recovered ?? 0,
    fecPackets: stream.fec?.packetsWithFec ?? 0,
    frames: stream.frames ? { ...stream.frames.counters } : undefined,
  });
  const before = new Map(streams().map((stream) => [stream, snapshot(stream)]));
  const nodeBefore = await target.nodeCpuSeconds();
  const dropsBefore = udpDropsByPort();
  const workerCpu = startCpuWindow(workerPids);
  const selfCpu = startSelfCpuWindow();
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  const startedAt = performance.now();
  const deltas = () =>
    streams().map((stream) => {
      const start = before.get(stream);
      const end = snapshot(stream);
      const startFrames = start?.frames ?? emptyFrames();
      return {
        stream,
        expected: end.expected - (start?.expected ?? 0),
        received: end.received - (start?.received ?? 0),
        bytes: end.bytes - (start?.bytes ?? 0),
        lateFilled: end.lateFilled - (start?.lateFilled ?? 0),
        fecRecovered: end.fecRecovered - (start?.fecRecovered ?? 0),
        fecPackets: end.fecPackets - (start?.fecPackets ?? 0),
        frames: end.frames && {
          rendered: end.frames.rendered - startFrames.rendered,
          pausedMs: end.frames.pausedMs - startFrames.pausedMs,
          freezes: end.frames.freezes - startFrames.freezes,
          freezeMs: end.frames.freezeMs - startFrames.freezeMs,
          longestFreezeMs: Math.max(
            0,
            ...(stream.frames?.freezeLog ?? [])
              .filter((freeze) => freeze.endedAtMs >= startedAt)
              .map((freeze) => freeze.durationMs),
          ),
          resyncs: end.frames.resyncs - startFrames.resyncs,
        },
      };
    });
  return {
    currentLossPct() {
      let expected = 0;
      let received = 0;
      for (const stream of deltas()) {
        expected += Math.max(0, stream.expected);
        received += Math.max(0, stream.received);
      }
      return round(lossPercent(expected - received, expected), 2);
    },
    async stop() {
      const seconds = (performance.now() - startedAt) / 1000;
      const workerCpuPct = workerCpu.stop();
      const generatorCpuPct = selfCpu.stop();
      loopDelay.disable();
      const nodeAfter = await target.nodeCpuSeconds();
      const server = await target.serverFigures();
      const dropsAfter = udpDropsByPort();
      const serverPorts = new Set(peers().flatMap((peer) => peer.udpPorts.remote));
      const generatorPorts = new Set(peers().flatMap((peer) => peer.udpPorts.local));
      const dropped = (ports: Set<number>) => Math.max(0, sumDrops(dropsAfter, ports) - sumDrops(dropsBefore, ports));
      const nodeCpuPct =
        nodeBefore !== undefined && nodeAfter !== undefined ? ((nodeAfter - nodeBefore) / seconds) * 100 : undefined;
      return {
        seconds,
        workerCpuPct,
        nodeCpuPct,
        generatorCpuPct,
        generatorEventLoopDelayP99Ms: loopDelay.percentile(99) / 1e6,
        serverEventLoopDelayP99Ms: server.eventLoopDelayP99Ms,
        udpDrops: { server: dropped(serverPorts), generator: dropped(generatorPorts) },
        streams: deltas(),
      };
    },
  };
}

export interface MediaFigures {
  consumers: number;
  /** Consumers that received packets during the window. */
  receivingConsumers: number;
  lossPct: number;
  lossPctPerConsumer: Percentiles;
  jitterMs: Percentiles;
  videoBitrateKbps: Percentiles;
  audioBitrateKbps: Percentiles;
  packetsReceived: number;
  /** Everything the subscribers received, in Mb/s: what the server forwarded. */
  receivedMbps: number;
  keyFramesPerVideoConsumer: Percentiles;
  /** What loss did to what a viewer would see and hear, after NACKs (and key-frame requests) had their chance. */
  resilience: ResilienceFigures;
}

export interface ResilienceFigures {
  /** Video / audio packets never received (not repaired by a retransmission), % of expected. */
  residualVideoLossPct: number;
  residualAudioLossPct: number;
  /** Audio packets lost that the next packet's Opus in-band FEC fills, % of expected; what stays concealed. */
  audioFecRecoveredPct: number;
  audioLossAfterFecPct: number;
  /** Audio packets received that carry FEC, % (libopus adds it to voice-active frames only). */
  audioPacketsWithFecPct: number;
  /** Retransmissions and reordered packets that filled a gap. */
  lateFilledPackets: number;
  framesRendered: number;
  /** Video the server's quality controller had paused (placeholder tiles; resumed pauses only). */
  videoPausedMs: number;
  freezes: number;
  /** Freezes per minute per video tile (the "< 1 per minute per tile"). */
  freezesPerTileMinute: number;
  freezeMs: number;
  longestFreezeMs: number;
  /** Jumps to a key frame past a gap that never filled. */
  resyncs: number;
}

function lossPctOf(streams: readonly StreamWindow[]): number {
  let expected = 0;
  let received = 0;
  for (const stream of streams) {
    expected += Math.max(0, stream.expected);
    received += Math.max(0, stream.received);
  }
  return round(lossPercent(expected - received, expected), 3);
}

function audioFecFiguresOf(
  audio: readonly StreamWindow[],
): Pick<ResilienceFigures, 'audioFecRecoveredPct' | 'audioLossAfterFecPct' | 'audioPacketsWithFecPct'> {
  const sum = (key: 'expected' | 'received' | 'fecRecovered' | 'fecPackets') =>
    audio.reduce((total, stream) => total + Math.max(0, stream[key]), 0);
  const [expected, received, recovered] = [sum('expected'), sum('received'), sum('fecRecovered')];
  return {
    audioFecRecoveredPct: round(lossPercent(recovered, expected), 3),
    audioLossAfterFecPct: round(lossPercent(Math.max(0, expected - received - recovered), expected), 3),
    audioPacketsWithFecPct: round(lossPercent(sum('fecPackets'), received), 1),
  };
}

export function resilienceOf(streams: readonly StreamWindow[], seconds: number): ResilienceFigures {
  const video = streams.filter((stream) => stream.stream.kind === 'video');
  const audio = streams.filter((stream) => stream.stream.kind === 'audio');
  const frames = video.flatMap((stream) => (stream.frames ? [stream.frames] : []));
  const total = (key: 'rendered' | 'pausedMs' | 'freezes' | 'freezeMs' | 'resyncs') =>
    frames.reduce((sum, counters) => sum + counters[key], 0);
  const tileMinutes = (video.filter((stream) => stream.received > 0).length * seconds) / 60;
  return {
    residualVideoLossPct: lossPctOf(video),
    residualAudioLossPct: lossPctOf(audio),
    ...audioFecFiguresOf(audio),
    lateFilledPackets: streams.reduce((sum, stream) => sum + stream.lateFilled, 0),
    framesRendered: total('rendered'),
    videoPausedMs: Math.round(total('pausedMs')),
    freezes: total('freezes'),
    freezesPerTileMinute: tileMinutes > 0 ? round(total('freezes') / tileMinutes, 3) : 0,
    freezeMs: Math.round(total('freezeMs')),
    longestFreezeMs: Math.round(Math.max(0, ...frames.map((counters) => counters.longestFreezeMs))),
    resyncs: total('resyncs'),
  };
}

/** Loss, jitter and bitrate of the streams over a window. */
export function mediaFiguresOf(window: Pick<WindowResult, 'seconds' | 'streams'>): MediaFigures {
  const { seconds, streams } = window;
  let received = 0;
  for (const stream of streams) received += Math.max(0, stream.received);
  const kbps = (stream: StreamWindow) => (seconds > 0 ? (stream.bytes * 8) / seconds / 1000 : 0);
  const video = streams.filter((stream) => stream.stream.kind === 'video');
  return {
    consumers: streams.length,
    receivingConsumers: streams.filter((stream) => stream.received > 0).length,
    lossPct: lossPctOf(streams),
    lossPctPerConsumer: summarize(
      streams.map((stream) => lossPercent(stream.expected - stream.received, stream.expected)),
      3,
    ),
    jitterMs: summarize(
      streams.map((stream) => stream.stream.stats.jitterMs),
      2,
    ),
    videoBitrateKbps: summarize(video.map(kbps), 0),
    audioBitrateKbps: summarize(streams.filter((stream) => stream.stream.kind === 'audio').map(kbps), 0),
    packetsReceived: received,
    receivedMbps: round(streams.reduce((sum, stream) => sum + kbps(stream), 0) / 1000, 2),
    keyFramesPerVideoConsumer: summarize(
      video.map((stream) => stream.stream.keyFrames),
      0,
    ),
    resilience: resilienceOf(streams, seconds),
  };
}

/** Time from asking for a consumer to its first packet, per stream that got one. */
export function timeToFirstPacketMs(streams: readonly ReceivedStream[]): Percentiles {
  return summarize(
    streams.flatMap((stream) =>
      stream.stats.firstArrivalMs === undefined ? [] : [stream.stats.firstArrivalMs - stream.requestedAtMs],
    ),
    0,
  );
}

/** Error messages counted, most frequent first (a run's failures in one glance). */
export function countErrors(messages: readonly string[]): { message: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const message of messages) counts.set(message, (counts.get(message) ?? 0) + 1);
  return [...counts]
    .map(([message, count]) => ({ message, count }))
    .sort((a, b) => b.count - a.count)
    .slice(0, 10);
}

export function errorMessage(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0]!.slice(0, 200);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Runs `task` over `items` with at most `limit` in flight; settles every one. */
export async function settleWithLimit<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T, index: number) => Promise<R>,
): Promise<PromiseSettledResult<R>[]> {
  const results: PromiseSettledResult<R>[] = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      try {
        results[index] = { status: 'fulfilled', value: await task(items[index]!, index) };
      } catch (reason) {
        results[index] = { status: 'rejected', reason };
      }
    }
  });
  await Promise.all(workers);
  return results;
}

export function roundOrNull(value: number | undefined, digits = 1): number | null {
  return value === undefined ? null : round(value, digits);
}

/** A dead worker explains failed handshakes better than the failures themselves. */
export function warnOnWorkerDeaths(
  context: { progress: { note(message: string): void } },
  label: string,
  deaths: number,
) {
  if (deaths === 0) return;
  context.progress.note(
    `[${label}] WARNING: ${deaths} mediasoup worker(s) died during the run; see bench/README.md ("mediasoup worker crash")`,
  );
}

export interface QualityFigures {
  /** Video consumers the server has decided on. */
  decided: number;
  paused: number;
  /** Forwarded spatial layer → consumers. */
  byLayer: Record<string, number>;
  byTier: Record<string, number>;
}

/** What the server's quality controller last told the viewers (`webrtc:quality-adapted`). */
export function qualityFiguresOf(decisions: Iterable<QualityAdapted>): QualityFigures {
  const figures: QualityFigures = { decided: 0, paused: 0, byLayer: {}, byTier: {} };
  for (const decision of decisions) {
    figures.decided++;
    if (decision.paused) figures.paused++;
    else {
      const layer = String(decision.spatialLayer);
      figures.byLayer[layer] = (figures.byLayer[layer] ?? 0) + 1;
    }
    figures.byTier[decision.tier] = (figures.byTier[decision.tier] ?? 0) + 1;
  }
  return figures;
}
