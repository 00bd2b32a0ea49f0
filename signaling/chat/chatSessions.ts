// Adapts SessionService to what the chat needs of it: whether a session is
// still on (its chat takes messages), who its hosts are, and its picture (a
// message shown on screen). `ended` sessions close their chat.
import type { SessionService } from '../multihost/SessionService.ts';
import type { ChatService, ChatSessions } from './ChatService.ts';

export function chatSessionsOf(sessions: SessionService): ChatSessions {
  return {
    active(sessionId) {
      return sessions.find(sessionId); // undefined for sessions that ended or never were
    },
    showComment(caller, sessionId, comment) {
      return sessions.setOnScreen(caller, sessionId, { comment });
    },
  };
}

/** Closes a session's chat when the session ends; forgets it when the session moves to another node. */
export function closeChatsWithSessions(sessions: SessionService, chat: ChatService): void {
  sessions.on('ended', (session) => chat.sessionEnded(session.id));
  sessions.on('movedAway', (session) => chat.sessionMovedAway(session.id));
}
