// The accounts contract: what the API shows of a user. Request bodies are in
// accountRequests.ts.

export const roles = ['user', 'admin'] as const;
export type Role = (typeof roles)[number];

/** The refresh token travels only in this cookie (httpOnly, SameSite=Strict, path /api/auth). */
export const REFRESH_COOKIE = 'stagecast_refresh';

/** The signed-in user's own view of their account. */
export interface AccountUser {
  userId: string;
  email: string;
  displayName: string;
  role: Role;
  bio: string;
  avatarUrl: string | null;
  createdAt: string;
}

/** What anyone may see of a user. */
export interface PublicProfile {
  userId: string;
  displayName: string;
  bio: string;
  avatarUrl: string | null;
  createdAt: string;
}

/** Guests' user ids start with this (accounts' ids are cuids and never do). */
export const GUEST_ID_PREFIX = 'g_';

/** A guest has no account: no wallet, no gifts, no battles. */
export function isGuestUserId(userId: string): boolean {
  return userId.startsWith(GUEST_ID_PREFIX);
}
