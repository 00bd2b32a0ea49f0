// Account request bodies, declared once as zod schemas (the routes validate
// with them; clients can use the inferred types).
import { z } from 'zod';

/** Bounded: scrypt cost grows with input, and nobody types more. */
const password = z.string().min(8, 'must be at least 8 characters').max(256, 'must be at most 256 characters');
const email = z
  .string()
  .trim()
  .toLowerCase()
  .max(254)
  .pipe(z.email({ error: 'must be an email address' }));
export const displayName = z.string().trim().min(1, 'must not be empty').max(40);

export const registerBody = z.object({ email, password, displayName });
export const loginBody = z.object({ email, password: z.string().min(1).max(256) });
export const profileBody = z
  .object({
    displayName,
    bio: z.string().trim().max(500),
    avatarUrl: z
      .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
      .max(500)
      .nullable(),
  })
  .partial()
  .strict()
  .refine((changes) => Object.keys(changes).length > 0, 'nothing to change');
export const changePasswordBody = z.object({
  currentPassword: z.string().min(1).max(256),
  newPassword: password,
});

export type RegisterBody = z.infer<typeof registerBody>;
export type LoginBody = z.infer<typeof loginBody>;
export type ProfileChanges = z.infer<typeof profileBody>;
export type ChangePasswordBody = z.infer<typeof changePasswordBody>;
