// Battles across nodes on the cluster bus: a battle's peer is the node that
// owns the other session, reached on its bus channel. Messages to one peer
// go out in order on one connection and arrive in that order (ClusterBus).
import type { Logger } from 'pino';
import type { BattleMessage, BattleMessages, BattlePeer, BattleRelay } from '../battles/BattleRelay.ts';
import type { ClusterNode } from './ClusterNode.ts';

export function clusterBattleRelay(cluster: ClusterNode, logger: Logger): BattleRelay {
  const peer = (nodeId: string): BattlePeer => ({
    nodeId,
    call: <M extends BattleMessage>(method: M, args: BattleMessages[M]['args']) =>
      cluster.bus.call<BattleMessages[M]['reply']>(nodeId, method, args),
    send: (method, args) => {
      // A peer that is gone is reported by onGone; the message has nobody to reach.
      cluster.bus
        .send(nodeId, method, args)
        .catch((error: unknown) => logger.warn({ err: error, nodeId, method }, 'a battle message was not delivered'));
    },
    onGone: (listener) => {
      const stop = cluster.registry.onNodeGone((goneId) => {
        if (goneId !== nodeId) return;
        stop();
        listener();
      });
      return stop;
    },
  });
  return {
    async peerOf(sessionId) {
      const owner = await cluster.ownerOf(sessionId);
      if (owner === undefined || owner === cluster.nodeId) return undefined;
      if (await cluster.registry.isGone(owner)) return undefined;
      return peer(owner);
    },
    handle(method, handler) {
      cluster.bus.handle(method, (args: never, from) => handler(args, from));
    },
  };
}
