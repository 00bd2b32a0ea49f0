// Schema pieces every feature's requests share.
import { z } from 'zod';

/** Ids of sessions, users, messages, transports, producers…: opaque, bounded. */
export const entityId = z.string().min(1).max(64);

/** Requests that carry nothing (`{}`); anything else is refused. */
export const emptyRequest = z.object({}).strict();
