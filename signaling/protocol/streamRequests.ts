// Stream request payloads as zod schemas, each checked against the
// protocol's type so the two cannot drift apart.
import { z } from 'zod';
import type { RecordRequest, StreamRef } from '../protocol/index.ts';
import { entityId } from './commonRequests.ts';

export const recordRequest = z.object({ action: z.enum(['start', 'stop']) }) satisfies z.ZodType<RecordRequest>;

export const streamRef = z.object({ sessionId: entityId }) satisfies z.ZodType<StreamRef>;
