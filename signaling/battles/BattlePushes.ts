// What the battle service pushes, as plain calls: it holds no sockets.
// BattleNotifier is the Socket.io implementation.
import type { BattleGiftPush, BattleState, HostState } from '../protocol/index.ts';

/** The pushes that announce a phase (each carries the whole state). */
export type BattlePhaseEvent =
  | 'pk-battle:created'
  | 'pk-battle:declined'
  | 'pk-battle:expired'
  | 'pk-battle:cancelled'
  | 'pk-battle:countdown'
  | 'pk-battle:started'
  | 'pk-battle:result'
  | 'pk-battle:ended';

export interface BattlePushes {
  /** To the invited primary host's every connection. */
  invited(userId: string, battle: BattleState): void;
  /** To both sessions' hosts and audiences, and every connection of both primary hosts. */
  phase(event: BattlePhaseEvent, battle: BattleState): void;
  /** Scores and gift streaks, to both sessions' hosts and audiences. */
  gifts(sessionIds: readonly string[], push: BattleGiftPush): void;
  /** To one session's hosts: the opponent's hosts and their tracks as this session's router has them. */
  opponentHosts(sessionId: string, battleId: string, hosts: HostState[]): void;
}
