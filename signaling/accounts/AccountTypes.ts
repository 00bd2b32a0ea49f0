// The accounts contract: what the API shows of a user, and a sign-in.
import type { Role } from '../auth/identityToken.ts';

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

/** A sign-in: a short-lived access token for the body, a refresh token for the cookie. */
export interface SignIn {
  /** Access token (the identity token format, with the account's role). */
  token: string;
  expiresInS: number;
  user: AccountUser;
  refresh: RefreshGrant;
}

export interface RefreshGrant {
  /** Opaque; only its SHA-256 is stored. */
  token: string;
  expiresAt: Date;
}

export interface AccountServiceOptions {
  /** Access token lifetime. Default 15 min. */
  accessTokenTtlS?: number;
  /** Refresh token lifetime, renewed by every rotation. Default 30 days. */
  refreshTokenTtlS?: number;
}
