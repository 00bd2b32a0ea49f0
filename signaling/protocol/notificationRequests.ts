// Notification request bodies as zod schemas (signaling/notifications/notificationRoutes.ts).
import { z } from 'zod';
import { NOTIFICATIONS_LISTED } from './notifications.ts';

/** Marks the given notifications read, or all of the account's. */
export const markReadBody = z.union([
  z.object({ ids: z.array(z.string().min(1).max(64)).min(1).max(NOTIFICATIONS_LISTED) }).strict(),
  z.object({ all: z.literal(true) }).strict(),
]);
export type MarkReadBody = z.infer<typeof markReadBody>;
