// Failures the page handles itself (a request it retries or gives up on, a
// poll that tries again) still leave a trace: the browser console is the
// only log a page has.

/** Logs a failure the page recovered from: what failed, and the error. */
export function warn(what: string, error: unknown): void {
  // eslint-disable-next-line no-console -- the console is the browser's log; every other console call stays forbidden
  console.warn(`stagecast: ${what}`, error);
}
