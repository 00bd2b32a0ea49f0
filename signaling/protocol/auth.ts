// Signing in: guests (a display name, no account) and the renewal of a
// connection's sign-in. Accounts are in accounts.ts.
import { z } from 'zod';
import { displayName } from './accountRequests.ts';

/** Body of POST /api/auth/guest. */
export const guestBody = z.object({ displayName });

/** What POST /api/auth/guest answers: a signed identity for a fresh guest user id. */
export interface GuestSignIn {
  token: string;
  user: { userId: string; displayName: string };
}

/** `auth:refresh`: a fresh access token of the user the socket signed in as. */
export const authRefreshRequest = z.object({ token: z.string().min(1).max(4096) });
export type AuthRefreshRequest = z.infer<typeof authRefreshRequest>;

export interface AuthRefreshResult {
  userId: string;
  /** When the new token expires (ISO 8601): refresh before then. */
  expiresAt: string;
}
