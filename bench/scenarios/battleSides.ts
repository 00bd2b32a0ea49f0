// A battling session's host in the bench: a synthetic host peer
// (peers/hostPeer.ts: VP8 simulcast + Opus) that joins its session,
// publishes, and consumes what `pk-battle:opponent-hosts` tells it (the
// opponent's tracks, piped into its own router) with the normal
// `webrtc:consume`, as the studio does. Shared by the battle and cluster
// scenarios.
import type { BattleState } from '../../signaling/protocol/index.ts';
import type { SignedInAccount } from '../../testkit/accountClient.ts';
import { api } from '../../testkit/signalingClient.ts';
import { HostPeer } from '../peers/hostPeer.ts';
import type { RunContext } from './context.ts';
import { sleep } from './measure.ts';

export interface BattleSide {
  host: SignedInAccount;
  sessionId: string;
  peer: HostPeer;
  /** The opponent's producer ids in this side's router, per battle (from `pk-battle:opponent-hosts`). */
  opponentProducers: Map<string, Set<string>>;
}

/** The host's peer joined to its session (not live yet), following the opponent's tracks in every battle. */
export async function joinBattleSide(
  url: string,
  host: SignedInAccount,
  sessionId: string,
  label: string,
  context: RunContext,
): Promise<BattleSide> {
  const peer = new HostPeer({
    url,
    sessionId,
    token: host.token,
    label,
    publish: 'audio+video',
    consume: true,
    expectedRemoteTracks: 0,
    tileHeightPx: 360,
    bandwidthEstimation: context.bandwidthEstimation,
    clip: context.clip,
    clock: context.clock,
    timeoutMs: context.timeoutMs,
  });
  const side: BattleSide = { host, sessionId, peer, opponentProducers: new Map() };
  await peer.join();
  peer.on('pk-battle:opponent-hosts', ({ battleId, hosts }) => {
    const producers = side.opponentProducers.get(battleId) ?? new Set<string>();
    side.opponentProducers.set(battleId, producers);
    for (const opponent of hosts) {
      for (const track of opponent.tracks) {
        producers.add(track.producerId);
        peer.consumeTrack(track);
      }
    }
  });
  return side;
}

/** When the side's peer got the first RTP packet of the opponent's video in this battle (performance.now()). */
export async function opponentVideoArrival(
  side: BattleSide,
  battleId: string,
  timeoutMs: number,
): Promise<number | undefined> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    const producers = side.opponentProducers.get(battleId);
    if (producers) {
      const stream = side.peer.receivedStreams.find(
        (candidate) =>
          candidate.kind === 'video' &&
          producers.has(candidate.producerId) &&
          candidate.stats.firstArrivalMs !== undefined,
      );
      if (stream) return stream.stats.firstArrivalMs;
    }
    await sleep(20);
  }
  return undefined;
}

/** The battle once it is in one of `phases` (polled over HTTP). */
export async function battleIn(
  baseUrl: string,
  battleId: string,
  phases: BattleState['phase'][],
  timeoutMs: number,
): Promise<BattleState> {
  const deadline = performance.now() + timeoutMs;
  let phase = 'unknown';
  while (performance.now() < deadline) {
    const { body } = await api<BattleState>(baseUrl, 'GET', `/api/pk-battles/${battleId}`);
    if (body.ok) {
      phase = body.data.phase;
      if (phases.includes(body.data.phase)) return body.data;
    }
    await sleep(100);
  }
  throw new Error(`battle ${battleId} still ${phase} after ${timeoutMs} ms (waiting for ${phases.join('/')})`);
}
