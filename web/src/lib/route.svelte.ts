// Client-side routing without a library: the current path as state, and
// navigation through the History API. The server answers every non-API path
// with index.html, so these URLs survive a reload.
import { parseRoute, type Route } from './routes.ts';

export * from './routes.ts';

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
