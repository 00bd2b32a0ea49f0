// The web app's pages and their paths: pure, so unit tests can call them.
// The server answers every non-API path with index.html.
import { studioPath, watchPath, withWatchKey } from '../../../signaling/protocol/index.ts';

export type Route =
  | { name: 'home' }
  | { name: 'studio'; sessionId: string }
  | { name: 'watch'; sessionId: string }
  | { name: 'vod'; recordingId: string }
  | { name: 'host-recordings'; userId: string }
  | { name: 'channel'; slug: string }
  | { name: 'orders' }
  | { name: 'search' }
  | { name: 'sign-in' }
  | { name: 'account' }
  | { name: 'wallet' }
  | { name: 'admin-coins' }
  | { name: 'not-found'; path: string };

export { studioPath, watchPath };
export const vodPath = (recordingId: string, key?: string | null) =>
  withWatchKey(`/vod/${encodeURIComponent(recordingId)}`, key);
export const hostRecordingsPath = (userId: string) => `/hosts/${encodeURIComponent(userId)}/recordings`;
export const channelPath = (slug: string) => `/c/${encodeURIComponent(slug)}`;
/** The sign-in page, coming back to `next` (a path of this app) afterwards. */
export const signInPath = (next?: string, mode: 'sign-in' | 'register' = 'sign-in') => {
  const query = new URLSearchParams();
  if (mode === 'register') query.set('mode', 'register');
  if (next && next !== '/') query.set('next', next);
  const search = query.toString();
  return search ? `/signin?${search}` : '/signin';
};
export const accountPath = '/account';
/** The search page, for `words` (the query the page reads back). */
export const searchPath = (words: string) => `/search?${new URLSearchParams({ q: words }).toString()}`;
export const walletPath = '/wallet';
export const adminCoinsPath = '/admin/coins';

/** Where to go after signing in: `next` if it is a path of this app, else home (no open redirect). */
export function returnPath(next: string | null): string {
  return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : '/';
}

export const ordersPath = (as: 'buyer' | 'seller' = 'buyer') => (as === 'seller' ? '/orders?as=seller' : '/orders');

/** One path parameter: a non-empty segment without slashes. */
function match(path: string, pattern: RegExp): string | undefined {
  const found = pattern.exec(path)?.[1];
  if (!found) return undefined;
  try {
    return decodeURIComponent(found);
  } catch {
    return undefined; // malformed escape: no such page
  }
}

export function parseRoute(path: string): Route {
  if (path === '/' || path === '') return { name: 'home' };
  if (path === '/orders' || path === '/orders/') return { name: 'orders' };
  if (path === '/search' || path === '/search/') return { name: 'search' };
  if (path === '/signin' || path === '/signin/') return { name: 'sign-in' };
  if (path === '/account' || path === '/account/') return { name: 'account' };
  if (path === '/wallet' || path === '/wallet/') return { name: 'wallet' };
  if (path === '/admin/coins' || path === '/admin/coins/') return { name: 'admin-coins' };
  const studio = match(path, /^\/studio\/([^/]+)\/?$/);
  if (studio) return { name: 'studio', sessionId: studio };
  const watch = match(path, /^\/watch\/([^/]+)\/?$/);
  if (watch) return { name: 'watch', sessionId: watch };
  const vod = match(path, /^\/vod\/([^/]+)\/?$/);
  if (vod) return { name: 'vod', recordingId: vod };
  const hostRecordings = match(path, /^\/hosts\/([^/]+)\/recordings\/?$/);
  if (hostRecordings) return { name: 'host-recordings', userId: hostRecordings };
  const channel = match(path, /^\/c\/([^/]+)\/?$/);
  if (channel) return { name: 'channel', slug: channel };
  return { name: 'not-found', path };
}
