// Search: live shows by title or host name, channels by title or address.
import type { ChannelSummary } from './channels.ts';
import type { SessionState } from './multihost.ts';

export interface SearchResults {
  /** Public shows live now whose title or a host's name contains the words. */
  sessions: SessionState[];
  /** Channels whose title or address contains them, newest first. */
  channels: ChannelSummary[];
}

/** Shortest search: one letter matches too much to be useful. */
export const SEARCH_MIN_CHARS = 2;
export const SEARCH_MAX_CHARS = 80;
/** Most results of each kind. */
export const SEARCH_LIMIT = 20;
