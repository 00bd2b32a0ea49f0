// Stream request payloads as zod schemas, each checked against the
// protocol's type so the two cannot drift apart.
import { z } from 'zod';
import type { RecordRequest, StreamRef, UnlockRequest, WatchRequest } from '../protocol/index.ts';
import { WATCH_PASSWORD_MAX_LENGTH } from './multihost.ts';
import { entityId } from './commonRequests.ts';

/** A private session's watch key as presented (checked against the session's in AudienceAccess). */
export const watchKey = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'not a watch key');

export const recordRequest = z.object({ action: z.enum(['start', 'stop']) }) satisfies z.ZodType<RecordRequest>;

export const streamRef = z.object({ sessionId: entityId }) satisfies z.ZodType<StreamRef>;
export const watchRequest = z.object({
  sessionId: entityId,
  key: watchKey.optional(),
}) satisfies z.ZodType<WatchRequest>;
/** `?key=` of the HTTP reads of a private session (stats, chat history, a recording). */
export const watchKeyQuery = z.object({ key: watchKey.optional() });
/** Any length up to the limit: a wrong password is answered as wrong, not as malformed. */
export const unlockRequest = z.object({
  password: z.string().min(1, 'enter the password').max(WATCH_PASSWORD_MAX_LENGTH),
}) satisfies z.ZodType<UnlockRequest>;
