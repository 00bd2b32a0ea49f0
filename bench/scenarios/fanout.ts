// The fan-out ramp: one publisher's simulcast camera and microphone sent
// to subscribers that are added `step` at a time until loss passes the
// limit, the media worker's CPU saturates, the generator itself saturates,
// or the bounds (subscribers, seconds) are reached.
//
// Stagecast caps a session at 9 hosts and offers WebRTC consumption to
// hosts only (audiences get HLS), so the fan-out is built from rooms of one
// publisher and up to 8 subscribers, all on one worker: consumers per
// worker is the figure, whatever the rooms. The baseline is driven with the
// very same rooms, so their ratio compares like with like.
import type { BenchPeer } from '../peers/benchPeer.ts';
import type { BenchTarget, RoomTicket, TargetKind } from '../server/targets.ts';
import { round, type Percentiles } from '../stats.ts';
import { closePeers, elapsedS, linkImpairmentOf, type RunContext } from './context.ts';
import {
  countErrors,
  errorMessage,
  mediaFiguresOf,
  roundOrNull,
  sleep,
  startWindow,
  warnOnWorkerDeaths,
} from './measure.ts';

export interface FanoutRamp {
  maxSubscribers: number;
  step: number;
  stepSeconds: number;
  subscribersPerRoom: number;
  lossLimitPct: number;
  cpuLimitPct: number;
  tileHeight: number;
  maxSeconds: number;
}

export type RampStop = 'loss' | 'worker-cpu' | 'generator' | 'joins' | 'max-subscribers' | 'max-seconds';

export interface RampStep {
  subscribers: number;
  publishers: number;
  consumers: number;
  receivingConsumers: number;
  lossPct: number;
  /** RFC 3550 interarrival jitter per consumer over the step (ms). */
  jitterMs: Percentiles;
  workerCpuPct: number;
  nodeCpuPct: number | null;
  generatorCpuPct: number;
  generatorEventLoopDelayP99Ms: number;
  videoBitrateKbpsP50: number;
  receivedMbps: number;
  joinFailures: number;
  udpDrops: { server: number; generator: number };
}

export interface FanoutFigures {
  target: TargetKind;
  consumersPerWorkerAtLoss1pct: number;
  /** Node CPU ÷ worker CPU at the last step under the loss limit. */
  signalingCpuShare: number | null;
  /** Worker CPU (% of one core) per consumer at that step. */
  workerCpuPerConsumerPct: number | null;
  limitedBy: RampStop;
  steps: RampStep[];
  joinErrors: { message: string; count: number }[];
  pinned: boolean;
  workers: number;
  workerDeaths: number;
}

/** Generator CPU (% of one core) above which its own measurements stop being trustworthy. */
const GENERATOR_SATURATED_PCT = 92;
/**
 * Event-loop delay (p99) above which the generator was starved of CPU (other work on the
 * machine): its publishers skipped frames and its figures are not the server's.
 */
const GENERATOR_STARVED_MS = 250;
const JOIN_CONCURRENCY = 8;
const MEDIA_WAIT_MS = 8000;
/** After a step's joins, before its window: layers and the estimator settle. */
const STEP_SETTLE_MS = 1000;

interface FanoutRoom {
  ticket: RoomTicket;
  publisher: BenchPeer;
  subscribers: BenchPeer[];
}

export async function runFanoutRamp(
  target: BenchTarget,
  context: RunContext,
  ramp: FanoutRamp,
  label: string,
): Promise<FanoutFigures> {
  const { progress } = context;
  const rooms: FanoutRoom[] = [];
  const subscribers: BenchPeer[] = [];
  const allPeers: BenchPeer[] = [];
  const steps: RampStep[] = [];
  const joinErrors: string[] = [];
  const rampStartedAt = performance.now();
  let limitedBy: RampStop = 'max-subscribers';
  const workers = (await target.workerPids()).length || 1;

  const newPeer = (ticket: RoomTicket, index: number, role: 'publisher' | 'subscriber') => {
    const peer = target.newPeer({
      sessionId: ticket.sessionId,
      token: ticket.hostTokens[index]!,
      label: `${ticket.sessionId}-${role}-${index}`,
      publish: role === 'publisher' ? 'audio+video' : 'none',
      consume: role === 'subscriber',
      expectedRemoteTracks: role === 'subscriber' ? 2 : 0,
      tileHeightPx: ramp.tileHeight,
      clip: context.clip,
      clock: context.clock,
      timeoutMs: context.timeoutMs,
      bandwidthEstimation: context.bandwidthEstimation,
      impairment: linkImpairmentOf(context),
    });
    allPeers.push(peer);
    return peer;
  };

  /** A room with its publisher joined, or undefined when that failed. */
  const openRoom = async (): Promise<FanoutRoom | undefined> => {
    let ticket: RoomTicket;
    try {
      ticket = await target.prepareRoom(ramp.subscribersPerRoom + 1, `fanout ${rooms.length + 1}`);
    } catch (error) {
      joinErrors.push(`room: ${errorMessage(error)}`);
      return undefined;
    }
    const publisher = newPeer(ticket, 0, 'publisher');
    try {
      await publisher.join();
    } catch (error) {
      joinErrors.push(`publisher: ${errorMessage(error)}`);
      return undefined;
    }
    const room = { ticket, publisher, subscribers: [] };
    rooms.push(room);
    return room;
  };

  try {
    while (subscribers.length < ramp.maxSubscribers) {
      if ((performance.now() - rampStartedAt) / 1000 > ramp.maxSeconds) {
        limitedBy = 'max-seconds';
        break;
      }
      // Add this step's subscribers, opening rooms (each with its publisher) as they fill.
      const want = Math.min(ramp.step, ramp.maxSubscribers - subscribers.length);
      const added: BenchPeer[] = [];
      while (added.length < want) {
        let room = rooms.at(-1);
        if (!room || room.subscribers.length >= ramp.subscribersPerRoom) room = await openRoom();
        if (!room) break;
        const peer = newPeer(room.ticket, room.subscribers.length + 1, 'subscriber');
        room.subscribers.push(peer);
        added.push(peer);
      }
      if (added.length === 0) {
        limitedBy = 'joins'; // no room could be opened
        break;
      }
      const failuresBefore = joinErrors.length;
      const joins: Promise<void>[] = [];
      let inFlight = 0;
      for (const peer of added) {
        while (inFlight >= JOIN_CONCURRENCY) await sleep(5);
        inFlight++;
        joins.push(
          peer
            .join()
            .then(
              () => void subscribers.push(peer),
              (error: unknown) => void joinErrors.push(errorMessage(error)),
            )
            .finally(() => inFlight--),
        );
      }
      await Promise.all(joins);
      const stepFailures = joinErrors.length - failuresBefore;
      const mediaBy = performance.now() + MEDIA_WAIT_MS;
      while (performance.now() < mediaBy && subscribers.some((peer) => peer.timeline.allMediaAt === undefined)) {
        await sleep(100);
      }
      await sleep(STEP_SETTLE_MS);

      const window = await startWindow(
        target,
        () => subscribers.flatMap((peer) => peer.receivedStreams),
        () => allPeers,
      );
      const stepEndsAt = performance.now() + ramp.stepSeconds * 1000;
      while (performance.now() < stepEndsAt) {
        await sleep(500);
        progress.update({
          label,
          done: subscribers.length,
          total: ramp.maxSubscribers,
          elapsedS: elapsedS(context),
          details: { consumers: subscribers.length * 2, loss: `${window.currentLossPct()}%` },
        });
      }
      const measured = await window.stop();
      const media = mediaFiguresOf(measured);
      const step: RampStep = {
        subscribers: subscribers.length,
        publishers: rooms.length,
        consumers: media.consumers,
        receivingConsumers: media.receivingConsumers,
        lossPct: media.lossPct,
        jitterMs: media.jitterMs,
        workerCpuPct: round(measured.workerCpuPct, 1),
        nodeCpuPct: roundOrNull(measured.nodeCpuPct),
        generatorCpuPct: round(measured.generatorCpuPct, 1),
        generatorEventLoopDelayP99Ms: round(measured.generatorEventLoopDelayP99Ms, 1),
        videoBitrateKbpsP50: media.videoBitrateKbps.p50,
        receivedMbps: media.receivedMbps,
        joinFailures: stepFailures,
        udpDrops: measured.udpDrops,
      };
      steps.push(step);
      progress.note(`[${label}] ${lastStepSummary(steps)}`);

      // A saturated or starved generator first: the loss it causes is the bench's, not the server's.
      if (step.generatorCpuPct >= GENERATOR_SATURATED_PCT || step.generatorEventLoopDelayP99Ms > GENERATOR_STARVED_MS) {
        limitedBy = 'generator';
      } else if (step.lossPct > ramp.lossLimitPct) limitedBy = 'loss';
      else if (step.workerCpuPct >= ramp.cpuLimitPct * workers) limitedBy = 'worker-cpu';
      else if (stepFailures > Math.max(1, added.length / 10)) limitedBy = 'joins';
      else continue;
      break;
    }
  } finally {
    await closePeers(allPeers);
  }
  const workerDeaths = await target.workerDeaths();
  warnOnWorkerDeaths(context, label, workerDeaths);

  const best = bestStep(steps);
  return {
    target: target.kind,
    consumersPerWorkerAtLoss1pct: best ? Math.floor(best.receivingConsumers / workers) : 0,
    signalingCpuShare:
      best && best.nodeCpuPct !== null && best.workerCpuPct > 0 ? round(best.nodeCpuPct / best.workerCpuPct, 3) : null,
    workerCpuPerConsumerPct: best ? round(best.workerCpuPct / best.receivingConsumers, 4) : null,
    limitedBy,
    steps,
    joinErrors: countErrors(joinErrors),
    pinned: target.pinned,
    workers,
    workerDeaths,
  };
}

/** The step with the most consumers receiving at under 1 % loss: the ramp's capacity. */
export function bestStep(steps: readonly RampStep[]): RampStep | undefined {
  return steps
    .filter((step) => step.lossPct < 1 && step.receivingConsumers > 0)
    .reduce<RampStep | undefined>(
      (top, step) => (!top || step.receivingConsumers > top.receivingConsumers ? step : top),
      undefined,
    );
}

function lastStepSummary(steps: readonly RampStep[]): string {
  const step = steps.at(-1);
  if (!step) return '-';
  return `${step.receivingConsumers}/${step.consumers} consumers, loss ${step.lossPct}%, worker ${step.workerCpuPct}%, node ${step.nodeCpuPct ?? '?'}%, generator ${step.generatorCpuPct}%`;
}
