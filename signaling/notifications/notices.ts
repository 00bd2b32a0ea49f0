// What each event tells whom, in words, and where it leads: pure, so the
// words and keys are tested without a database.
import { studioPath, watchPath, type BattleState, type SessionState } from '../protocol/index.ts';
import type { Notice } from './NotificationService.ts';

/** To the followers of the primary host's channels (public sessions only: a private one is not announced). */
export function channelLiveNotice(session: SessionState): Notice {
  const host = session.hosts.find((candidate) => candidate.userId === session.primaryHostId);
  return {
    kind: 'channel-live',
    // Once per session: going live again after a failover or a restart is the same show.
    dedupeKey: `live:${session.id}`,
    text: `${host?.displayName ?? 'A channel you follow'} is live: ${session.title}`,
    path: watchPath(session.id),
  };
}

export function hostInvitationNotice(sessionId: string, title: string, invitedBy: string): Notice {
  return {
    kind: 'host-invitation',
    dedupeKey: `host:${sessionId}`,
    text: `${invitedBy} invited you to host ${title}`,
    path: studioPath(sessionId),
  };
}

/** To the invited side's primary host; it leads to their studio, where the invitation is answered. */
export function battleInvitationNotice(battle: BattleState): Notice {
  const [inviting, invited] = battle.sides;
  const length = battle.durationS % 60 === 0 ? `${battle.durationS / 60}-minute` : `${battle.durationS}-second`;
  return {
    kind: 'battle-invitation',
    dedupeKey: `battle:${battle.id}`,
    text: `${inviting.hostName} challenges ${invited.sessionTitle} to a ${length} PK battle`,
    path: studioPath(invited.sessionId),
  };
}
