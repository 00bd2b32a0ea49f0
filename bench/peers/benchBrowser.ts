// What every bench scenario that drives Chromium pages needs around the
// browser: it must never outlive the bench, closing it is bounded, and the
// studio wants the identity inside the room ticket's token.
import type { Browser } from 'puppeteer-core';

/** How long a browser gets to close before it is killed. */
const CLOSE_GRACE_MS = 5000;

/** However the bench ends (watchdog, SIGINT), Chromium does not outlive it; returns what unhooks it. */
export function killOnExit(browser: Browser): () => void {
  const pid = browser.process()?.pid;
  if (pid === undefined) return () => undefined;
  const kill = () => killPid(pid);
  process.once('exit', kill);
  return () => process.off('exit', kill);
}

/** Closes the browser, and kills it by its pid if it does not go within the grace period. */
export async function closeBrowser(browser: Browser): Promise<void> {
  const pid = browser.process()?.pid;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    browser.close().catch(() => undefined),
    new Promise((resolve) => (timer = setTimeout(resolve, CLOSE_GRACE_MS))),
  ]);
  clearTimeout(timer);
  if (pid !== undefined) killPid(pid);
}

function killPid(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/**
 * The user id and name in a guest token: the studio keeps them next to the
 * token, and the bench's room tickets carry only tokens. The payload of a
 * JWT is readable by its holder; nothing here checks the signature.
 */
export function identityOf(token: string, fallbackName: string): { userId: string; displayName: string } {
  const payload = token.split('.')[1];
  if (!payload) throw new Error('a browser host needs a Stagecast guest identity token (not the baseline)');
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { sub?: unknown; name?: unknown };
  if (typeof claims.sub !== 'string') throw new Error('the identity token has no user id');
  return { userId: claims.sub, displayName: typeof claims.name === 'string' ? claims.name : fallbackName };
}
