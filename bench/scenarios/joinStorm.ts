// `join-storm --peers N --rate J`: N hosts join at J per second, spread
// over sessions of `roomSize` (Stagecast allows 9 hosts). Sessions and
// identities are made before the storm (HTTP, untimed); each peer's join is
// timed from its socket connect until it is publishing: join acked, send
// transport through ICE + DTLS, microphone producer created. Peers publish
// audio only and do not consume, so the storm loads the join path (sockets,
// routers, transports, handshakes) rather than media fan-out.
import type { JoinStormOptions } from '../cli.ts';
import { HostPeer } from '../peers/hostPeer.ts';
import { startStagecastTarget } from '../server/targets.ts';
import { round, summarize } from '../stats.ts';
import { closePeers, elapsedS, type RunContext } from './context.ts';
import {
  countErrors,
  errorMessage,
  roundOrNull,
  settleWithLimit,
  sleep,
  startWindow,
  warnOnWorkerDeaths,
} from './measure.ts';

export async function runJoinStorm(options: JoinStormOptions, context: RunContext) {
  const { peers: peerCount, rate, roomSize, holdS } = options;
  const params = {
    peers: peerCount,
    rate,
    roomSize,
    hold: holdS,
    publish: 'audio',
    workers: options.workers,
    target: options.url ?? 'started',
    bandwidthEstimation: options.bandwidthEstimation,
    live: options.live,
  };
  const { progress } = context;
  const target = await startStagecastTarget({
    url: options.url,
    workers: options.workers,
    pin: options.pin,
    live: options.live,
  });
  const peers: HostPeer[] = [];
  try {
    const roomCount = Math.ceil(peerCount / roomSize);
    progress.note(`[join-storm] preparing ${roomCount} sessions for ${peerCount} hosts`);
    const sizes = Array.from({ length: roomCount }, (_, index) => Math.min(roomSize, peerCount - index * roomSize));
    const prepared = await settleWithLimit(sizes, 4, (size, index) => target.prepareRoom(size, `storm ${index + 1}`));
    const tickets = prepared.map((result) => {
      if (result.status === 'rejected') throw new Error(`preparing sessions failed: ${errorMessage(result.reason)}`);
      return result.value;
    });
    // Interleave rooms so consecutive joins land in different sessions, as a real crowd would.
    for (let slot = 0; slot < roomSize; slot++) {
      tickets.forEach((ticket, roomIndex) => {
        const token = ticket.hostTokens[slot];
        if (!token) return;
        peers.push(
          new HostPeer({
            url: target.url,
            sessionId: ticket.sessionId,
            token,
            label: `s${roomIndex + 1}h${slot + 1}`,
            publish: 'audio',
            consume: false,
            expectedRemoteTracks: 0,
            tileHeightPx: 0,
            clip: context.clip,
            clock: context.clock,
            timeoutMs: context.timeoutMs,
            bandwidthEstimation: context.bandwidthEstimation,
          }),
        );
      });
    }

    const errors: string[] = [];
    let joined = 0;
    const window = await startWindow(target, () => []);
    const stormStartedAt = performance.now();
    const showProgress = setInterval(() => {
      progress.update({
        label: 'join-storm',
        done: joined + errors.length,
        total: peers.length,
        elapsedS: elapsedS(context),
        details: { joined, failed: errors.length },
      });
    }, 250);
    let lastStartAt = stormStartedAt;
    try {
      await Promise.all(
        peers.map(async (peer, index) => {
          // Each join starts on schedule, however long earlier ones take.
          await sleep(Math.max(0, stormStartedAt + (index * 1000) / rate - performance.now()));
          lastStartAt = performance.now();
          try {
            await peer.join();
            joined++;
          } catch (error) {
            errors.push(errorMessage(error));
          }
        }),
      );
    } finally {
      clearInterval(showProgress);
    }
    const stormS = (performance.now() - stormStartedAt) / 1000;
    const storm = await window.stop();
    progress.note(
      `[join-storm] ${joined} joined, ${errors.length} failed in ${round(stormS, 1)} s; holding ${holdS} s`,
    );
    const hold = await startWindow(target, () => []);
    await sleep(holdS * 1000);
    const held = await hold.stop();
    const memory = await target.memoryMb();

    const timed = peers.filter((peer) => peer.timeline.publishedAt !== undefined);
    const since = (peer: HostPeer, at: number | undefined) => (at ?? 0) - peer.timeline.connectStartAt;
    const figures = {
      joined,
      failed: errors.length,
      joinMs: summarize(
        timed.map((peer) => since(peer, peer.timeline.publishedAt)),
        0,
      ),
      joinStepsMs: {
        socketConnected: summarize(
          timed.map((peer) => since(peer, peer.timeline.socketConnectedAt)),
          0,
        ),
        joinAcked: summarize(
          timed.map((peer) => since(peer, peer.timeline.joinedAt)),
          0,
        ),
        publishing: summarize(
          timed.map((peer) => since(peer, peer.timeline.publishedAt)),
          0,
        ),
      },
      errors: countErrors(errors),
      achievedRate: round(achievedRate(peers.length, (lastStartAt - stormStartedAt) / 1000), 1),
      stormS: round(stormS, 1),
      storm: {
        workerCpuPct: round(storm.workerCpuPct, 1),
        nodeCpuPct: roundOrNull(storm.nodeCpuPct),
        nodeEventLoopDelayP99Ms: storm.serverEventLoopDelayP99Ms ?? null,
        generatorCpuPct: round(storm.generatorCpuPct, 1),
      },
      steady: {
        workerCpuPct: round(held.workerCpuPct, 1),
        nodeCpuPct: roundOrNull(held.nodeCpuPct),
        nodeRssMb: memory.nodeRssMb ?? null,
        workerRssMb: memory.workerRssMb ?? null,
      },
      pinned: target.pinned,
      workerDeaths: await target.workerDeaths(),
    };
    warnOnWorkerDeaths(context, 'join-storm', figures.workerDeaths);
    return { params, figures };
  } finally {
    await closePeers(peers);
    await target.close();
  }
}

/** Joins started per second: N starts span N − 1 intervals. */
function achievedRate(started: number, spanS: number): number {
  return started > 1 && spanS > 0 ? (started - 1) / spanS : started;
}
