// `rooms`: R rooms of H hosts; every host publishes simulcast camera and
// microphone and consumes every other host. The hosts of a room join
// together (rooms start `roomIntervalMs` apart); join-to-all-media runs from
// a host's socket connect to the first packet of its last expected track.
// Then a steady window of `durationS` measures loss, jitter, bitrate and CPU.
// With `browsers`, that many of the first room's hosts are real Chromium
// studio pages instead of synthetic peers; they join with the others and
// report decoded frames, frame rate and freezes per remote camera.
import { browserFiguresOf, type BrowserFigures, type PageSample } from '../peers/browserFigures.ts';
import { BrowserHosts } from '../peers/browserHosts.ts';
import { describeImpairment, NO_IMPAIRMENT, type Impairment, type ImpairmentStep } from '../impair/impairment.ts';
import type { BenchPeer } from '../peers/benchPeer.ts';
import type { RelayCounters } from '../impair/impairmentRelay.ts';
import { RelayPool } from '../impair/relayPool.ts';
import type { BenchTarget } from '../server/targets.ts';
import { round, summarize, type Percentiles } from '../stats.ts';
import { CappedSubscriberProbe, isCappable, type CappedSubscriberFigures } from './cappedSubscriber.ts';
import { closePeers, elapsedS, linkImpairmentOf, type RunContext } from './context.ts';
import {
  countErrors,
  errorMessage,
  warnOnWorkerDeaths,
  mediaFiguresOf,
  qualityFiguresOf,
  resilienceOf,
  type ResilienceFigures,
  type WindowResult,
  roundOrNull,
  sleep,
  startWindow,
  timeToFirstPacketMs,
  type MediaFigures,
  type QualityFigures,
} from './measure.ts';

export interface RoomsWorkload {
  rooms: number;
  hosts: number;
  durationS: number;
  tileHeight: number;
  roomIntervalMs: number;
  /**
   * Hosts of the first room that are real Chromium pages (the primary host
   * stays synthetic), and their fake camera (`?capture=WxH@fps`).
   */
  browsers?: { count: number; capture: string };
  /** The second host of the first room: its downlink follows this schedule from the window's start. */
  cappedSubscriber?: ImpairmentStep[] | undefined;
  /** The first room's primary host's uplink suffers this (over `--impair`). */
  lossyPublisher?: Impairment | undefined;
}

export interface RoomsFigures {
  /** Consumers of the synthetic hosts (the browsers' own are in `browsers`). */
  expectedConsumers: number;
  receivingConsumers: number;
  lossPct: number;
  joinToAllMediaMs: Percentiles;
  workerCpuPct: number;
  nodeCpuPct: number | null;
  /** Worker CPU (% of a core) per receiving consumer. */
  workerCpuPerConsumerPct: number | null;
  hostsJoined: number;
  hostsFailed: number;
  hostsWithAllMedia: number;
  joinErrors: { message: string; count: number }[];
  consumeErrors: { message: string; count: number }[];
  media: MediaFigures;
  timeToFirstPacketMs: Percentiles;
  generator: {
    cpuPct: number;
    eventLoopDelayP99Ms: number;
    lateTicks: number;
    skippedMs: number;
    pacerSkippedFrames: number;
  };
  server: {
    eventLoopDelayP99Ms: number | null;
    consumersReported: number | null;
    nodeRssMb: number | null;
    workerRssMb: number | null;
  };
  publishers: { keyFrameRequests: number; keyFramesSent: number; nackedPackets: number; retransmitted: number };
  subscribers: { nacksSent: number; keyFrameRequestsSent: number; unknownPackets: number };
  /** `--cap-subscriber`: the capped host's forwarded bitrate, layers and freezes over time; null without. */
  cappedSubscriber: CappedSubscriberFigures | null;
  /**
   * `--lossy-publisher`: what its viewers received of it (its streams only; `resilience` over the
   * window, the repairs it answered over the whole run, joins included).
   */
  lossyPublisher: {
    applied: string;
    publisher: string | null;
    resilience: ResilienceFigures;
    nackedPackets: number;
    retransmitted: number;
    keyFrameRequests: number;
  } | null;
  /** `--impair`: what every link suffered (relay counters over the whole run, joins included), and what the relays did (both directions summed over peers). */
  impairment: { applied: string; relay: RelayCounters } | null;
  udpDrops: { server: number; generator: number };
  /** Stagecast's layer decisions at the end (empty on the baseline, which has no controller). */
  quality: QualityFigures;
  windowS: number;
  srtpProfile: string | null;
  /** mediasoup workers that died during the run (0 expected). */
  workerDeaths: number;
  /** What the real Chromium hosts decoded; null without --browsers. */
  browsers: BrowserFigures | null;
}

/** How long hosts get to receive everything after the last join before the window starts anyway. */
const ALL_MEDIA_GRACE_MS = 10_000;
/** Let the quality controller's first decisions (2 s sampling) land before measuring. */
const WARM_UP_MS = 2500;

export async function runRoomsWorkload(
  target: BenchTarget,
  context: RunContext,
  workload: RoomsWorkload,
  label = 'rooms',
): Promise<RoomsFigures> {
  const { rooms, hosts, durationS, tileHeight, roomIntervalMs } = workload;
  const browserCount = Math.min(workload.browsers?.count ?? 0, hosts - 1);
  const { progress } = context;
  const expectedPerHost = (hosts - 1) * 2;
  progress.note(`[${label}] preparing ${rooms} room(s) of ${hosts} hosts on ${target.kind} ${target.url}`);
  const tickets = [];
  for (let index = 0; index < rooms; index++) tickets.push(await target.prepareRoom(hosts, `bench room ${index + 1}`));
  /** The last `browserCount` hosts of the first room are browsers. */
  const isBrowserSlot = (roomIndex: number, hostIndex: number) => roomIndex === 0 && hostIndex >= hosts - browserCount;
  const isLossySlot = (roomIndex: number, hostIndex: number) =>
    workload.lossyPublisher !== undefined && roomIndex === 0 && hostIndex === 0;
  /** The second host of the first room (never the primary) is the capped subscriber. */
  const isCappedSlot = (roomIndex: number, hostIndex: number) =>
    workload.cappedSubscriber !== undefined && roomIndex === 0 && hostIndex === 1;

  const peersByRoom = tickets.map((ticket, roomIndex) =>
    ticket.hostTokens.flatMap((token, hostIndex) =>
      isBrowserSlot(roomIndex, hostIndex)
        ? []
        : target.newPeer({
            sessionId: ticket.sessionId,
            token,
            label: `r${roomIndex + 1}h${hostIndex + 1}`,
            publish: 'audio+video',
            consume: true,
            expectedRemoteTracks: expectedPerHost,
            tileHeightPx: tileHeight,
            clip: context.clip,
            clock: context.clock,
            timeoutMs: context.timeoutMs,
            bandwidthEstimation: context.bandwidthEstimation,
            impairment: isCappedSlot(roomIndex, hostIndex)
              ? { up: context.impairment ?? NO_IMPAIRMENT, down: workload.cappedSubscriber![0]!.impairment }
              : isLossySlot(roomIndex, hostIndex)
                ? { up: workload.lossyPublisher!, down: context.impairment ?? NO_IMPAIRMENT }
                : linkImpairmentOf(context),
          }),
    ),
  );
  const peers = peersByRoom.flat();
  let browsers: BrowserHosts | undefined;
  if (workload.browsers && browserCount > 0) {
    const { capture } = workload.browsers;
    progress.note(`[${label}] opening ${browserCount} Chromium studio page(s) (capture ${capture})`);
    const firstRoom = tickets[0]!;
    browsers = await BrowserHosts.open(
      target.url,
      firstRoom.sessionId,
      firstRoom.hostTokens.slice(hosts - browserCount).map((token, index) => ({
        label: `r1h${hosts - browserCount + index + 1} (browser)`,
        token,
      })),
      capture,
    );
  }
  try {
    const joinErrors: string[] = [];
    let joined = 0;
    const showJoins = setInterval(() => {
      progress.update({
        label,
        done: joined,
        total: peers.length,
        elapsedS: elapsedS(context),
        details: { phase: 'joining', failed: joinErrors.length },
      });
    }, 250);
    try {
      const joins = peersByRoom.map(async (roomPeers, roomIndex) => {
        await sleep(roomIndex * roomIntervalMs);
        await Promise.all([
          ...roomPeers.map((peer) =>
            peer.join().then(
              () => joined++,
              (error: unknown) => joinErrors.push(errorMessage(error)),
            ),
          ),
          ...(roomIndex === 0 && browsers ? [browsers.join()] : []),
        ]);
      });
      await Promise.all(joins);

      const allMediaBy = performance.now() + ALL_MEDIA_GRACE_MS;
      let browsersDecoding = browsers === undefined;
      while (performance.now() < allMediaBy) {
        // A page's stats cost more than a peer's counters: ask the pages less often.
        if (!browsersDecoding) browsersDecoding = (await browsers?.allDecoding(hosts - 1)) ?? true;
        if (browsersDecoding && peers.every((peer) => peer.timeline.allMediaAt !== undefined)) break;
        await sleep(browsersDecoding ? 100 : 500);
      }
    } finally {
      clearInterval(showJoins);
    }
    // Short smoke runs get a shorter warm-up; real runs the full one.
    await sleep(Math.min(WARM_UP_MS, durationS * 500));

    const streams = () => peers.flatMap((peer) => peer.receivedStreams);
    const browsersBefore = await browserSnapshot(browsers);
    const window = await startWindow(target, streams, () => peers);
    const cappedPeer = workload.cappedSubscriber ? peersByRoom[0]?.[1] : undefined;
    const capped =
      cappedPeer && isCappable(cappedPeer)
        ? new CappedSubscriberProbe(cappedPeer, workload.cappedSubscriber!, context.impairment ?? NO_IMPAIRMENT)
        : undefined;
    capped?.start();
    const windowEndsAt = performance.now() + durationS * 1000;
    while (performance.now() < windowEndsAt) {
      await sleep(Math.min(500, Math.max(0, windowEndsAt - performance.now())));
      progress.update({
        label,
        done: Math.round(durationS - Math.max(0, windowEndsAt - performance.now()) / 1000),
        total: durationS,
        elapsedS: elapsedS(context),
        details: { phase: 'measuring', hosts: joined, loss: `${window.currentLossPct()}%` },
      });
    }
    const measured = await window.stop();
    capped?.stop();
    const browsersAfter = await browserSnapshot(browsers);
    const media = mediaFiguresOf(measured);
    const memory = await target.memoryMb();
    const server = await target.serverFigures();

    const joinToAllMedia = peers.flatMap((peer) =>
      peer.timeline.allMediaAt === undefined ? [] : [peer.timeline.allMediaAt - peer.timeline.connectStartAt],
    );
    const publisherStats = peers.flatMap((peer) => (peer.publisher ? [peer.publisher.stats] : []));
    const total = (key: keyof (typeof publisherStats)[number]) =>
      publisherStats.reduce((sum, stats) => sum + stats[key], 0);
    const figures: RoomsFigures = {
      expectedConsumers: (rooms * hosts - browserCount) * expectedPerHost,
      receivingConsumers: media.receivingConsumers,
      lossPct: media.lossPct,
      joinToAllMediaMs: summarize(joinToAllMedia, 0),
      workerCpuPct: round(measured.workerCpuPct, 1),
      nodeCpuPct: roundOrNull(measured.nodeCpuPct),
      workerCpuPerConsumerPct:
        media.receivingConsumers > 0 ? round(measured.workerCpuPct / media.receivingConsumers, 3) : null,
      hostsJoined: joined,
      hostsFailed: joinErrors.length,
      hostsWithAllMedia: joinToAllMedia.length,
      joinErrors: countErrors(joinErrors),
      consumeErrors: countErrors(peers.flatMap((peer) => peer.laterErrors)),
      media,
      timeToFirstPacketMs: timeToFirstPacketMs(streams()),
      generator: {
        cpuPct: round(measured.generatorCpuPct, 1),
        eventLoopDelayP99Ms: round(measured.generatorEventLoopDelayP99Ms, 1),
        lateTicks: context.clock.lateTicks,
        skippedMs: Math.round(total('skippedMs')),
        pacerSkippedFrames: total('pacerSkippedFrames'),
      },
      server: {
        eventLoopDelayP99Ms: measured.serverEventLoopDelayP99Ms ?? null,
        consumersReported: server.consumers ?? null,
        nodeRssMb: memory.nodeRssMb ?? null,
        workerRssMb: memory.workerRssMb ?? null,
      },
      publishers: {
        keyFrameRequests: total('keyFrameRequests'),
        keyFramesSent: total('keyFramesSent'),
        nackedPackets: total('nackedPackets'),
        retransmitted: total('retransmitted'),
      },
      subscribers: {
        nacksSent: peers.reduce((sum, peer) => sum + (peer.subscriber?.nacksSent ?? 0), 0),
        keyFrameRequestsSent: peers.reduce((sum, peer) => sum + (peer.subscriber?.keyFrameRequestsSent ?? 0), 0),
        unknownPackets: peers.reduce((sum, peer) => sum + (peer.subscriber?.unknownPackets ?? 0), 0),
      },
      udpDrops: measured.udpDrops,
      impairment:
        context.impairment || capped || workload.lossyPublisher
          ? {
              applied: describeImpairment(context.impairment ?? NO_IMPAIRMENT),
              relay: await RelayPool.shared().totals(),
            }
          : null,
      cappedSubscriber: capped?.figures() ?? null,
      lossyPublisher: workload.lossyPublisher
        ? lossyPublisherFigures(workload.lossyPublisher, peersByRoom[0]?.[0], measured)
        : null,
      quality: qualityFiguresOf(peers.flatMap((peer) => [...peer.qualityByConsumerId.values()])),
      windowS: round(measured.seconds, 1),
      srtpProfile: peers.find((peer) => peer.srtpProfile)?.srtpProfile ?? null,
      workerDeaths: await target.workerDeaths(),
      browsers:
        browsers && browsersBefore && browsersAfter
          ? browserFiguresOf({
              count: browsers.count,
              joined: browsers.joined,
              joinErrors: countErrors(browsers.joinErrors),
              capture: browsers.capture,
              remoteVideosPerPage: hosts - 1,
              before: browsersBefore.pages,
              after: browsersAfter.pages,
              cpuPct: cpuPctBetween(browsersBefore, browsersAfter),
            })
          : null,
    };
    warnOnWorkerDeaths(context, label, figures.workerDeaths);
    progress.note(
      `[${label}] ${figures.receivingConsumers}/${figures.expectedConsumers} consumers receiving, loss ${figures.lossPct}%, ` +
        `join→all media p95 ${figures.joinToAllMediaMs.p95} ms, worker ${figures.workerCpuPct}% CPU`,
    );
    if (figures.browsers) {
      const { joined, count, decodingRemoteVideos, expectedRemoteVideos, fps, freezes, freezeMs } = figures.browsers;
      progress.note(
        `[${label}] browsers: ${joined}/${count} joined, ${decodingRemoteVideos}/${expectedRemoteVideos} remote cameras decoding, ` +
          `fps p50 ${fps.p50}, ${freezes} freezes (${freezeMs} ms)`,
      );
    }
    await closePeers(peers);
    return figures;
  } finally {
    // Chromium goes whatever happened: pages closed, then the browser killed by its pid.
    await browsers?.close();
  }
}

/** The lossy publisher's streams as every other host received them, and what it was asked to repair. */
function lossyPublisherFigures(impairment: Impairment, peer: BenchPeer | undefined, window: WindowResult) {
  const producerIds = new Set(peer && 'producerIds' in peer ? (peer.producerIds as string[]) : []);
  const streams = window.streams.filter((stream) => producerIds.has(stream.stream.producerId));
  return {
    applied: describeImpairment(impairment),
    publisher: peer?.plan.label ?? null,
    resilience: resilienceOf(streams, window.seconds),
    nackedPackets: peer?.publisher?.stats.nackedPackets ?? 0,
    retransmitted: peer?.publisher?.stats.retransmitted ?? 0,
    keyFrameRequests: peer?.publisher?.stats.keyFrameRequests ?? 0,
  };
}

interface BrowserSnapshot {
  pages: PageSample[];
  atMs: number;
  cpuSeconds: number | undefined;
}

async function browserSnapshot(browsers: BrowserHosts | undefined): Promise<BrowserSnapshot | undefined> {
  if (!browsers) return undefined;
  return { pages: await browsers.sample(), atMs: performance.now(), cpuSeconds: browsers.cpuSeconds() };
}

function cpuPctBetween(before: BrowserSnapshot, after: BrowserSnapshot): number | null {
  const seconds = (after.atMs - before.atMs) / 1000;
  if (before.cpuSeconds === undefined || after.cpuSeconds === undefined || seconds <= 0) return null;
  return (Math.max(0, after.cpuSeconds - before.cpuSeconds) / seconds) * 100;
}
