// GET /api/search?q=: live public shows by title or host name, and channels
// by title or address. Anyone may search (the home page's audience is mostly
// signed out); private shows are never found (their link is the access).
import { Router } from 'express';
import type { ChannelService } from '../channels/ChannelService.ts';
import { parseInput } from '../http/httpErrors.ts';
import type { SessionLists } from '../multihost/SessionLists.ts';
import { SEARCH_LIMIT, type SearchResults, type SessionState } from '../protocol/index.ts';
import { searchQuery } from '../protocol/searchRequests.ts';

/** Whether a show's title or one of its hosts' names contains the words (ignoring case). */
export function showMatches(session: SessionState, words: string): boolean {
  const wanted = words.toLocaleLowerCase();
  return [session.title, ...session.hosts.map((host) => host.displayName)].some((text) =>
    text.toLocaleLowerCase().includes(wanted),
  );
}

export function searchRoutes(lists: SessionLists, channels: ChannelService): Router {
  const router = Router();

  router.get('/api/search', async (req, res) => {
    const { q } = parseInput(searchQuery, req.query);
    const [live, foundChannels] = await Promise.all([lists.live(), channels.search(q)]);
    const results: SearchResults = {
      sessions: live.filter((session) => !session.settings.private && showMatches(session, q)).slice(0, SEARCH_LIMIT),
      channels: foundChannels,
    };
    res.set('Cache-Control', 'no-store').json({ ok: true, data: results });
  });

  return router;
}
