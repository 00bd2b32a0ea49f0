// A sign-in as the account service makes it. What the API shows of a user
// is the protocol's (signaling/protocol/accounts.ts).
import type { AccountUser } from '../protocol/accounts.ts';

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
