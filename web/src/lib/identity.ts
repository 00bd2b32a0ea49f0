// Who this browser is: a guest identity (token + user) kept in localStorage,
// so a reload or a second visit to a studio link keeps the same host.
import { callApi } from './httpApi.ts';
import { warn } from './warn.ts';

export interface StoredIdentity {
  token: string;
  user: { userId: string; displayName: string };
}

const STORAGE_KEY = 'stagecast.identity';

export function loadIdentity(): StoredIdentity | undefined {
  try {
    const raw = localStorage.getItem(STORAGE_KEY);
    if (!raw) return undefined;
    const parsed = JSON.parse(raw) as Partial<StoredIdentity>;
    if (typeof parsed.token !== 'string' || typeof parsed.user?.userId !== 'string') return undefined;
    return parsed as StoredIdentity;
  } catch (error) {
    // Storage blocked (privacy settings) or unreadable: carry on without an identity.
    warn('reading the stored identity failed', error);
    return undefined;
  }
}

/** Forgets an identity the server no longer accepts (expired token). */
export function forgetIdentity(): void {
  localStorage.removeItem(STORAGE_KEY);
}

/** Mints a guest identity (POST /api/auth/guest) and remembers it. */
export async function signInAsGuest(displayName: string): Promise<StoredIdentity> {
  const identity = await callApi<StoredIdentity>('/api/auth/guest', { method: 'POST', body: { displayName } });
  localStorage.setItem(STORAGE_KEY, JSON.stringify(identity));
  return identity;
}
