// Janus as a bench target, beside Stagecast and bare mediasoup
// (server/targets.ts): the same rooms, peers and measurement windows. Janus
// is one process (its signalling and media together) pinned to the core the
// mediasoup worker gets; its CPU is read from /proc as the worker's is, so
// "worker CPU" on this target is all of Janus.
import type { BenchTarget, TargetOptions } from '../server/targets.ts';
import { applyPinning, pinPlan } from '../server/targets.ts';
import { processRssMb } from '../server/processStats.ts';
import { JanusSession } from './janusClient.ts';
import { JanusPeer } from './janusPeer.ts';
import { startJanus } from './janusServer.ts';

export interface JanusTargetOptions extends Pick<TargetOptions, 'pin'> {
  /** Tile height the subscribers are shown at: picks the simulcast substream, as it picks the layer on Stagecast. */
  tileHeight: number;
  /** The clip's layer heights, lowest first. */
  layerHeights: readonly number[];
}

/** The lowest layer at least as tall as the tile (the top one for bigger tiles). */
export function substreamForTile(tileHeight: number, layerHeights: readonly number[]): number {
  const index = layerHeights.findIndex((height) => height >= tileHeight);
  return index === -1 ? Math.max(0, layerHeights.length - 1) : index;
}

/** One event loop for all handles by default (docs/bench-janus.md); BENCH_JANUS_EVENT_LOOPS=0 is Janus's own default. */
function eventLoops(): number {
  const value = Number(process.env.BENCH_JANUS_EVENT_LOOPS ?? 1);
  if (!Number.isInteger(value) || value < 0 || value > 64) {
    throw new Error('BENCH_JANUS_EVENT_LOOPS must be a whole number from 0 to 64');
  }
  return value;
}

export async function startJanusTarget(options: JanusTargetOptions): Promise<BenchTarget> {
  const plan = pinPlan(options);
  const janus = await startJanus({ cpuList: plan?.worker, eventLoops: eventLoops() });
  // The process was started pinned (every thread inherits it); this pins the generator too.
  const pinned = applyPinning(plan, [janus.pid]);
  let admin: JanusSession | undefined;
  let roomCount = 0;
  const substream = substreamForTile(options.tileHeight, options.layerHeights);
  return {
    kind: 'janus',
    url: janus.wsUrl,
    pinned,
    async prepareRoom(hosts) {
      admin ??= await JanusSession.open(janus.wsUrl, 10_000);
      const room = 1000 + ++roomCount;
      const handle = await admin.attach('janus.plugin.videoroom', () => undefined);
      await handle.request({
        request: 'create',
        room,
        publishers: hosts,
        audiocodec: 'opus',
        videocodec: 'vp8',
        // No REMB cap: the synthetic publishers replay a fixed clip whatever the server asks.
        bitrate: 0,
        fir_freq: 0,
      });
      return {
        sessionId: String(room),
        hostTokens: Array.from({ length: hosts }, (_, index) => `room ${room} host ${index + 1}`),
      };
    },
    newPeer: (peerPlan) =>
      new JanusPeer({ ...peerPlan, url: janus.wsUrl }, { localAddress: janus.peerAddress, substream }),
    workerPids: async () => (janus.alive ? [janus.pid] : []),
    workerDeaths: async () => (janus.alive ? 0 : 1),
    // Janus's signalling runs inside the measured process.
    nodeCpuSeconds: async () => undefined,
    serverFigures: async () => ({}),
    memoryMb: async () => ({ nodeRssMb: undefined, workerRssMb: processRssMb(janus.pid) }),
    async close() {
      admin?.close();
      await janus.stop();
    },
  };
}
