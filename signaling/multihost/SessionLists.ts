// The lists the home page, a user's page and channels show: live sessions,
// a user's active sessions, running battles. One node answers from its own
// memory; a cluster gathers every node's (signaling/cluster/ClusterLists.ts).
import type { BattleState, SessionState } from '../protocol/index.ts';

export interface SessionLists {
  live(): Promise<SessionState[]>;
  activeForUser(userId: string): Promise<SessionState[]>;
  battles(): Promise<BattleState[]>;
}

/** What one node knows: the lists of its own sessions and battles. */
export interface LocalLists {
  live(): SessionState[];
  activeForUser(userId: string): SessionState[];
  battles(): BattleState[];
}

export function localSessionLists(local: LocalLists): SessionLists {
  return {
    live: () => Promise.resolve(local.live()),
    activeForUser: (userId) => Promise.resolve(local.activeForUser(userId)),
    battles: () => Promise.resolve(local.battles()),
  };
}
