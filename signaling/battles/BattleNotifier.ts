// The Socket.io side of BattlePushes: the sessions' audience rooms, their
// hosts' rooms, and a user's room for the invitation.
import { audienceChannel } from '../broadcast/StreamNotifier.ts';
import { sessionChannel, userChannel } from '../multihost/SessionNotifier.ts';
import type { BattleGiftPush, BattleState, HostState } from '../protocol/index.ts';
import { battleInvitationNotice } from '../notifications/notices.ts';
import type { NotificationService } from '../notifications/NotificationService.ts';
import type { AppServer } from '../socket/socketData.ts';
import type { BattlePhaseEvent, BattlePushes } from './BattlePushes.ts';

export class BattleNotifier implements BattlePushes {
  readonly #io: AppServer;
  readonly #notifications: NotificationService | undefined;

  /** With `notifications`, an invitation is also kept in the invited host's bell. */
  constructor(io: AppServer, notifications?: NotificationService) {
    this.#io = io;
    this.#notifications = notifications;
  }

  invited(userId: string, battle: BattleState): void {
    this.#io.to(userChannel(userId)).emit('pk-battle:invited', { battle });
    void this.#notifications?.notify([userId], battleInvitationNotice(battle));
  }

  phase(event: BattlePhaseEvent, battle: BattleState): void {
    // Also every tab of both primary hosts (one emit: a socket in several of these rooms hears it once).
    const rooms = [
      ...this.#rooms(battle.sides.map((side) => side.sessionId)),
      ...battle.sides.map((side) => userChannel(side.hostId)),
    ];
    this.#io.to(rooms).emit(event, { battle });
  }

  gifts(sessionIds: readonly string[], push: BattleGiftPush): void {
    this.#everyone(sessionIds).emit('pk-battle:gift', push);
  }

  opponentHosts(sessionId: string, battleId: string, hosts: HostState[]): void {
    this.#io.to(sessionChannel(sessionId)).emit('pk-battle:opponent-hosts', { battleId, sessionId, hosts });
  }

  #everyone(sessionIds: readonly string[]) {
    return this.#io.to(this.#rooms(sessionIds));
  }

  #rooms(sessionIds: readonly string[]): string[] {
    return sessionIds.flatMap((sessionId) => [audienceChannel(sessionId), sessionChannel(sessionId)]);
  }
}
