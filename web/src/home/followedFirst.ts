// The home page's live list for a signed-in account: shows by the owners of
// channels it follows first, the rest after, each group in the server's order.
import type { SessionState } from '../../../signaling/protocol/index.ts';

export function followedFirst(sessions: SessionState[], followedOwners: ReadonlySet<string>): SessionState[] {
  const followed = sessions.filter((session) => followedOwners.has(session.primaryHostId));
  return [...followed, ...sessions.filter((session) => !followedOwners.has(session.primaryHostId))];
}
