// Client-side routing without a library: the current path as state, and
// navigation through the History API. The server answers every non-API path
// with index.html, so these URLs survive a reload.
export type Route = { name: 'home' } | { name: 'studio'; sessionId: string } | { name: 'not-found'; path: string };

let currentPath = $state(location.pathname);

addEventListener('popstate', () => {
  currentPath = location.pathname;
});

export function navigate(path: string): void {
  if (path === location.pathname) return;
  history.pushState(null, '', path);
  currentPath = location.pathname;
}

export function currentRoute(): Route {
  return parseRoute(currentPath);
}

export function studioPath(sessionId: string): string {
  return `/studio/${encodeURIComponent(sessionId)}`;
}

export function parseRoute(path: string): Route {
  if (path === '/' || path === '') return { name: 'home' };
  const studio = /^\/studio\/([^/]+)\/?$/.exec(path);
  if (studio?.[1]) return { name: 'studio', sessionId: decodeURIComponent(studio[1]) };
  return { name: 'not-found', path };
}
