// An account's access token lives 15 minutes (ACCESS_TOKEN_TTL_S); the
// refresh cookie (httpOnly, /api/auth) renews it. Every API call and socket
// connection passes its token through `usableToken`, which swaps a token of
// the signed-in account for the current one, renewed first when it is about
// to run out. So pages that kept the token they started with keep working,
// and the user never sees a sign-in expire while the refresh cookie lives.
//
// The refresh token rotates on every use and a reused one revokes the
// sign-in, so two renewals must never race: one at a time per tab (a shared
// promise) and, where the browser has Web Locks, across tabs (the second
// tab finds the renewed token in storage).
import type { Ack } from '../../../signaling/protocol/index.ts';
import { forgetIdentity, loadIdentity, storeIdentity, tokenSubject, type StoredIdentity } from './identity.ts';
import { warn } from './warn.ts';

/** Renewed when less than this is left (a request in flight must not arrive expired)… */
const RENEW_MARGIN_MS = 60_000;
/** …or, for short lifetimes (tests), when this share of it has passed. */
const RENEW_AFTER_SHARE = 0.75;
const LOCK_NAME = 'stagecast.renew-access-token';

interface SignInAnswer {
  token: string;
  expiresInS: number;
  user: { userId: string; displayName: string; avatarUrl: string | null };
}

let renewing: Promise<string | undefined> | undefined;

/** The token to send instead of `token` (itself unless it is the signed-in account's). */
export async function usableToken(token: string | undefined): Promise<string | undefined> {
  if (!token) return token;
  const stored = loadIdentity();
  if (!stored?.account || tokenSubject(token) !== stored.user.userId) return token;
  if (!needsRenewal(stored)) return stored.token;
  renewing ??= renewOnce().finally(() => (renewing = undefined));
  return (await renewing) ?? token;
}

function needsRenewal(identity: StoredIdentity): boolean {
  return Date.now() >= (identity.account?.renewAt ?? Infinity);
}

async function renewOnce(): Promise<string | undefined> {
  const locks = (navigator as Navigator & { locks?: LockManager }).locks;
  return locks ? locks.request(LOCK_NAME, renewUnlessDone) : renewUnlessDone();
}

/** Renews, unless another tab did while this one waited for the lock. */
async function renewUnlessDone(): Promise<string | undefined> {
  const stored = loadIdentity();
  if (!stored?.account) return undefined;
  if (!needsRenewal(stored)) return stored.token;
  let answer: Ack<SignInAnswer>;
  try {
    const response = await fetch('/api/auth/refresh', { method: 'POST' });
    answer = (await response.json()) as Ack<SignInAnswer>;
  } catch (error) {
    // Offline or the server is restarting: the call goes with the old token and fails in words.
    warn('renewing the sign-in failed (tried again with the next request)', error);
    return undefined;
  }
  if (!answer.ok && answer.error.code !== 'UNAUTHENTICATED') {
    // Busy (rate limited) or failing: the sign-in itself still stands; the next request tries again.
    warn('renewing the sign-in failed (tried again with the next request)', answer.error.message);
    return undefined;
  }
  if (!answer.ok) {
    // The sign-in ended (signed out elsewhere, password changed, 30 days idle): signed out here too.
    warn('the sign-in has ended', answer.error.message);
    forgetIdentity();
    return undefined;
  }
  // Signed out (or in as someone else) while the answer was on its way: the
  // renewed token is not this tab's to keep, or the sign-out would not stick.
  const now = loadIdentity();
  if (!now?.account || now.user.userId !== stored.user.userId) return undefined;
  storeIdentity(accountIdentity(answer.data));
  return answer.data.token;
}

/** What is stored for an account's sign-in answer (register, login, refresh, password change). */
export function accountIdentity(answer: SignInAnswer): StoredIdentity {
  const now = Date.now();
  const lifetimeMs = answer.expiresInS * 1000;
  return {
    token: answer.token,
    user: { userId: answer.user.userId, displayName: answer.user.displayName, avatarUrl: answer.user.avatarUrl },
    account: {
      renewAt: now + Math.max(lifetimeMs - RENEW_MARGIN_MS, lifetimeMs * RENEW_AFTER_SHARE),
      expiresAt: now + lifetimeMs,
    },
  };
}
