// Pages of the web app that the server also links to (notifications): one
// definition for both, so a link the server writes is one the app routes.

export function studioPath(sessionId: string): string {
  return `/studio/${encodeURIComponent(sessionId)}`;
}

/** A private show's pages carry its watch key (`?key=`). */
export const withWatchKey = (path: string, key: string | null | undefined) =>
  key ? `${path}?key=${encodeURIComponent(key)}` : path;

export const watchPath = (sessionId: string, key?: string | null) =>
  withWatchKey(`/watch/${encodeURIComponent(sessionId)}`, key);
