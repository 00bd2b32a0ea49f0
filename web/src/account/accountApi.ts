// Signing in and out, and the account's own settings, over /api/auth. Each
// answer that carries an access token replaces the stored identity, so every
// page (and tab) goes on as the same person with the new token.
import type { AccountUser } from '../../../signaling/protocol/index.ts';
import { accountIdentity } from '../lib/accessToken.ts';
import { callApi } from '../lib/httpApi.ts';
import { forgetIdentity, loadIdentity, storeIdentity, type StoredIdentity } from '../lib/identity.ts';
import { warn } from '../lib/warn.ts';

interface SignInAnswer {
  token: string;
  expiresInS: number;
  user: AccountUser;
}

/** Mints a guest identity (POST /api/auth/guest) and remembers it. */
export async function signInAsGuest(displayName: string): Promise<StoredIdentity> {
  const identity = await callApi<StoredIdentity>('/api/auth/guest', { method: 'POST', body: { displayName } });
  storeIdentity(identity);
  return identity;
}

export async function register(body: { email: string; password: string; displayName: string }): Promise<void> {
  storeIdentity(accountIdentity(await callApi<SignInAnswer>('/api/auth/register', { method: 'POST', body })));
}

export async function signIn(body: { email: string; password: string }): Promise<void> {
  storeIdentity(accountIdentity(await callApi<SignInAnswer>('/api/auth/login', { method: 'POST', body })));
}

/** Ends the sign-in on the server (the refresh cookie) and forgets it here, whatever the server says. */
export async function signOut(): Promise<void> {
  try {
    await callApi<null>('/api/auth/logout', { method: 'POST' });
  } catch (error) {
    warn('signing out on the server failed (forgotten here all the same)', error);
  }
  forgetIdentity();
}

function signedIn(): StoredIdentity {
  const identity = loadIdentity();
  if (!identity?.account) throw new Error('sign in to an account first');
  return identity;
}

export async function loadAccount(): Promise<AccountUser> {
  return callApi<AccountUser>('/api/auth/user', { token: signedIn().token });
}

/** The name, bio or avatar; the new token carries the new name. */
export async function updateProfile(changes: {
  displayName?: string;
  bio?: string;
  avatarUrl?: string | null;
}): Promise<AccountUser> {
  const identity = signedIn();
  const answer = await callApi<{ token: string; user: AccountUser }>('/api/auth/profile', {
    method: 'PUT',
    body: changes,
    token: identity.token,
  });
  remember(identity, answer.user, answer.token);
  return answer.user;
}

/** A picture file as the avatar (PNG, JPEG or WebP; the server checks the bytes). */
export async function uploadAvatar(file: File): Promise<AccountUser> {
  const identity = signedIn();
  const user = await callApi<AccountUser>('/api/auth/avatar', {
    method: 'PUT',
    rawBody: file,
    contentType: file.type,
    token: identity.token,
  });
  remember(identity, user, identity.token);
  return user;
}

/** Every other sign-in of the account ends; this one goes on with a new token. */
export async function changePassword(currentPassword: string, newPassword: string): Promise<void> {
  const answer = await callApi<SignInAnswer>('/api/auth/change-password', {
    method: 'POST',
    body: { currentPassword, newPassword },
    token: signedIn().token,
  });
  storeIdentity(accountIdentity(answer));
}

function remember(identity: StoredIdentity, user: AccountUser, token: string): void {
  const current = loadIdentity() ?? identity;
  storeIdentity({
    ...current,
    token: token === identity.token ? current.token : token,
    user: { userId: user.userId, displayName: user.displayName, avatarUrl: user.avatarUrl },
  });
}
