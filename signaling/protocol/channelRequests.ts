// Channel request bodies, declared once as zod schemas (the routes validate
// with them; clients can use the inferred types).
import { z } from 'zod';

/** Words the web app or the API may want as paths of their own. */
export const reservedSlugs: readonly string[] = ['admin', 'api', 'about', 'help', 'new', 'settings', 'stagecast'];

/** A channel's address: 3–32 of a-z 0-9 and inner hyphens, stored lower-case. */
export const channelSlug = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9](?:[a-z0-9-]{1,30})[a-z0-9]$/, '3-32 characters of a-z, 0-9 and -, not starting or ending with -')
  .refine((slug) => !reservedSlugs.includes(slug), 'this address is reserved');

const title = z.string().trim().min(1, 'must not be empty').max(80);
const description = z.string().trim().max(2000);

export const createChannelBody = z.object({ slug: channelSlug, title, description: description.default('') }).strict();
export const updateChannelBody = z
  .object({ title, description })
  .partial()
  .strict()
  .refine((changes) => Object.keys(changes).length > 0, 'nothing to change');

export type CreateChannelBody = z.infer<typeof createChannelBody>;
export type UpdateChannelBody = z.infer<typeof updateChannelBody>;
