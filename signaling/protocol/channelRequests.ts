// Channel request bodies, declared once as zod schemas (the routes validate
// with them; clients can use the inferred types).
import { z } from 'zod';

/** Words the web app or the API may want as paths of their own. */
export const reservedSlugs: readonly string[] = ['admin', 'api', 'about', 'help', 'new', 'settings', 'stagecast'];

/**
 * The shape of a channel id (Prisma's `cuid()`: "c" and 24 of a-z 0-9). Every
 * /api/channels/:ref route takes an id or a slug, so no slug may have it.
 */
export const channelIdPattern = /^c[a-z0-9]{24}$/;

/** A channel's address: 3–32 of a-z 0-9 and inner hyphens, stored lower-case; never shaped like an id. */
export const channelSlug = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9](?:[a-z0-9-]{1,30})[a-z0-9]$/, '3-32 characters of a-z, 0-9 and -, not starting or ending with -')
  .refine((slug) => !reservedSlugs.includes(slug), 'this address is reserved')
  .refine((slug) => !channelIdPattern.test(slug), 'this address looks like a channel id: add a hyphen');

/** A channel named in a path: its id or its slug (case-insensitive). */
export const channelRef = z.string().trim().toLowerCase().min(1).max(64);

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
