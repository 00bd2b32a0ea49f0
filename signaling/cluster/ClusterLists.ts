// Cluster mode: the lists of live sessions, a user's active sessions and
// running battles, gathered from every serving node over the bus (each
// answers from its own memory, where the authoritative state is). A node
// that does not answer within GATHER_TIMEOUT_MS is left out of this answer
// rather than holding the page up.
import type { BattleState, SessionState } from '../protocol/index.ts';
import type { LocalLists, SessionLists } from '../multihost/SessionLists.ts';
import type { ClusterNode } from './ClusterNode.ts';

const GATHER_TIMEOUT_MS = 2000;
const LIST_METHOD = 'lists.get';

type ListRequest = { list: 'live' } | { list: 'activeForUser'; userId: string } | { list: 'battles' };

export function clusterLists(cluster: ClusterNode, local: LocalLists): SessionLists {
  const answer = (request: ListRequest): SessionState[] | BattleState[] => {
    switch (request.list) {
      case 'live':
        return local.live();
      case 'activeForUser':
        return local.activeForUser(request.userId);
      case 'battles':
        return local.battles();
    }
  };
  cluster.bus.handle<ListRequest>(LIST_METHOD, answer);

  const gather = async <T>(request: ListRequest): Promise<T[]> => {
    const nodes = await cluster.registry.nodes();
    const answers = await Promise.allSettled(
      nodes.map((node) =>
        node.id === cluster.nodeId
          ? Promise.resolve(answer(request) as T[])
          : cluster.bus.call<T[]>(node.id, LIST_METHOD, request, GATHER_TIMEOUT_MS),
      ),
    );
    return answers.flatMap((settled) => (settled.status === 'fulfilled' ? settled.value : []));
  };

  return {
    live: () => gather<SessionState>({ list: 'live' }),
    activeForUser: (userId) => gather<SessionState>({ list: 'activeForUser', userId }),
    battles: () => gather<BattleState>({ list: 'battles' }),
  };
}
