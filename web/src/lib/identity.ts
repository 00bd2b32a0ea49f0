// Who this browser is: a guest identity or an account's sign-in (token +
// user) kept in localStorage, so a reload or a second visit keeps the same
// person. An account's access token is short-lived; accessToken.ts renews
// it from the refresh cookie. Changes are announced to the page (and, by
// the browser's storage event, to other tabs) so menus follow.
import { warn } from './warn.ts';

export interface StoredIdentity {
  token: string;
  user: { userId: string; displayName: string; avatarUrl?: string | null };
  /**
   * An account's sign-in (absent for a guest): when its access token should
   * be renewed and when it runs out, in ms since the epoch.
   */
  account?: { renewAt: number; expiresAt: number };
}

const STORAGE_KEY = 'stagecast.identity';
/** Dispatched on window when this tab signs in, out, or renews. */
const CHANGED_EVENT = 'stagecast:identity';

export function loadIdentity(): StoredIdentity | undefined {
  try {
    const raw = localStorage.getItem(STORAGE_KEY);
    if (!raw) return undefined;
    const parsed = JSON.parse(raw) as Partial<StoredIdentity>;
    if (typeof parsed.token !== 'string' || typeof parsed.user?.userId !== 'string') return undefined;
    if (parsed.account !== undefined && typeof parsed.account.renewAt !== 'number') return undefined;
    return parsed as StoredIdentity;
  } catch (error) {
    // Storage blocked (privacy settings) or unreadable: carry on without an identity.
    warn('reading the stored identity failed', error);
    return undefined;
  }
}

export function storeIdentity(identity: StoredIdentity): void {
  localStorage.setItem(STORAGE_KEY, JSON.stringify(identity));
  dispatchEvent(new Event(CHANGED_EVENT));
}

/** Forgets an identity the server no longer accepts (expired token), or on signing out. */
export function forgetIdentity(): void {
  localStorage.removeItem(STORAGE_KEY);
  dispatchEvent(new Event(CHANGED_EVENT));
}

/** Calls `listener` whenever the stored identity changes, in this tab or another; returns the unsubscribe. */
export function onIdentityChange(listener: () => void): () => void {
  const fromStorage = (event: StorageEvent) => {
    if (event.key === STORAGE_KEY || event.key === null) listener();
  };
  addEventListener(CHANGED_EVENT, listener);
  addEventListener('storage', fromStorage);
  return () => {
    removeEventListener(CHANGED_EVENT, listener);
    removeEventListener('storage', fromStorage);
  };
}

/** Whose a token is (its `sub`), read without checking the signature: the server checks that. */
export function tokenSubject(token: string): string | undefined {
  try {
    const payload = token.split('.')[1] ?? '';
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
    const sub = (JSON.parse(json) as { sub?: unknown }).sub;
    return typeof sub === 'string' ? sub : undefined;
  } catch {
    return undefined; // not a JWT: nothing to renew
  }
}
