// Adapts SessionService to what the chat needs of it: whether a session is
// still on (its chat takes messages), who its hosts are, its picture (a
// message shown on screen), and who may read it (a private session's audience). `ended` sessions close their chat.
import type { AudienceGate } from '../broadcast/AudienceGate.ts';
import type { SessionService } from '../multihost/SessionService.ts';
import type { ChatService, ChatSessions } from './ChatService.ts';

export function chatSessionsOf(sessions: SessionService, gate: AudienceGate): ChatSessions {
  return {
    active(sessionId) {
      return sessions.find(sessionId); // undefined for sessions that ended or never were
    },
    showComment(caller, sessionId, comment) {
      return sessions.setOnScreen(caller, sessionId, { comment });
    },
    admit(sessionId, key, caller) {
      return gate.admit(sessionId, key, caller);
    },
  };
}

/** Closes a session's chat when the session ends; forgets it when the session moves to another node. */
export function closeChatsWithSessions(sessions: SessionService, chat: ChatService): void {
  sessions.on('ended', (session) => chat.sessionEnded(session.id));
  sessions.on('movedAway', (session) => chat.sessionMovedAway(session.id));
}
