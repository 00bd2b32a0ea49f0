// Which events become notifications: a session going live tells the
// followers of its primary host's channels; an invitation to host tells the
// invitee. (A battle invitation is told by BattleNotifier, which sends its
// live push.) Writing them never holds up the event itself.
import type { Logger } from 'pino';
import type { SessionService } from '../multihost/SessionService.ts';
import { channelLiveNotice, hostInvitationNotice } from './notices.ts';
import type { NotificationService } from './NotificationService.ts';

export function notifyOnSessionEvents(sessions: SessionService, notifications: NotificationService, logger: Logger) {
  const failed = (what: string) => (error: unknown) => logger.warn({ err: error }, `notifying ${what} failed`);

  sessions.on('live', (session) => {
    if (session.watchAccess.isPrivate) return;
    const state = session.toState();
    notifications
      .followersOf(state.primaryHostId)
      .then((followers) => notifications.notify(followers, channelLiveNotice(state)))
      .catch(failed('followers of a live session'));
  });

  sessions.on('invited', (session, userId, invitedBy) => {
    notifications
      .notify([userId], hostInvitationNotice(session.id, session.title, invitedBy))
      .catch(failed('an invited host'));
  });
}
