// Discovery through the UI in real Chromium. Notifications: a new account signs in,
// follows a channel from its page; the channel's owner goes live; the bell
// counts it at once (pushed, no reload), lists it in words, and opening it
// marks it read and lands on the show's watch page; the home page lists that
// show before one that went live earlier. Search: the menu's box finds a
// live show by its host's name and a channel by its title, each leading to
// its page; a search with no match says so. Reloading, or another
// page of the same account, shows it once and read. "Mark all read" clears
// an invitation to host that arrives meanwhile. One server, one browser.
import type { Browser, Page } from 'puppeteer-core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { registerAccount, request } from '../testkit/accountClient.ts';
import { launchChromium } from '../testkit/chromium.ts';
import { createSession } from '../testkit/sessions.ts';
import { api, signInGuest } from '../testkit/signalingClient.ts';
import { byTestId, openPage, STEP_TIMEOUT_MS, type HostPage } from '../testkit/studioPages.ts';
import { startTestServer, type TestServer } from '../testkit/testServer.ts';

let server: TestServer;
let browser: Browser;
const pages: HostPage[] = [];

test.before(async () => {
  server = await startTestServer();
  browser = await launchChromium();
});

test.after(async () => {
  for (const page of pages) await page.context.close().catch(() => undefined);
  await browser?.close();
  await server?.close();
});

async function textOf(page: Page, selector: string): Promise<string> {
  await page.waitForSelector(selector, { timeout: STEP_TIMEOUT_MS });
  return page.$eval(selector, (element) => (element as HTMLElement).innerText.trim());
}

/** What the bell says to a screen reader (its label carries the unread count). */
async function bellLabel(page: Page): Promise<string> {
  await page.waitForSelector(byTestId('notification-bell'), { timeout: STEP_TIMEOUT_MS });
  return page.$eval(byTestId('notification-bell'), (bell) => bell.getAttribute('aria-label') ?? '');
}

async function waitForBell(page: Page, label: string): Promise<void> {
  await page.waitForFunction(
    (selector: string, wanted: string) => document.querySelector(selector)?.getAttribute('aria-label') === wanted,
    { timeout: STEP_TIMEOUT_MS, polling: 100 },
    byTestId('notification-bell'),
    label,
  );
}

async function listed(page: Page): Promise<{ text: string; kind: string; read: string }[]> {
  return page.$$eval(byTestId('notification'), (items) =>
    items.map((item) => ({
      text: (item.querySelector('.text') as HTMLElement).innerText,
      kind: (item as HTMLElement).dataset.kind ?? '',
      read: (item as HTMLElement).dataset.read ?? '',
    })),
  );
}

test('a follower hears a channel go live in the bell, opens the show from it, and it stays read', async () => {
  const owner = await registerAccount(server.url, { displayName: 'Grace' });
  const created = await request(server.url, 'POST', '/api/channels', {
    token: owner.token,
    body: { slug: 'grace-live', title: "Grace's channel" },
  });
  assert.ok(created.body.ok);
  const fan = await registerAccount(server.url, { displayName: 'Linus' });
  // Someone the fan does not follow is live first: the server lists that show first.
  const ken = await signInGuest(server.url, 'Ken');
  const early = await createSession(server.url, ken.token, 'Early bird');
  assert.is((await api(server.url, 'POST', `/api/multihost/${early.id}/start`, ken.token)).status, 200);

  const signIn = await openPage(browser, 'Linus', `${server.url}/signin?next=%2Fc%2Fgrace-live`, {});
  pages.push(signIn);
  const { page } = signIn;
  await page.locator(byTestId('account-email')).fill(fan.email);
  await page.locator(byTestId('account-password')).fill(fan.password);
  await page.click(byTestId('account-submit'));
  await page.waitForSelector(byTestId('follow'), { timeout: STEP_TIMEOUT_MS });
  assert.is(await bellLabel(page), 'Notifications');
  await page.click(byTestId('follow'));
  await page.waitForSelector(byTestId('unfollow'), { timeout: STEP_TIMEOUT_MS });
  await page.click(byTestId('notification-bell'));
  assert.match(await textOf(page, byTestId('notifications-empty')), 'Follow a channel');

  const show = await createSession(server.url, owner.token, 'Night shift');
  assert.is((await api(server.url, 'POST', `/api/multihost/${show.id}/start`, owner.token)).status, 200);
  await waitForBell(page, 'Notifications, 1 unread');
  assert.is(await textOf(page, byTestId('notification-count')), '1');
  // The panel is open: the pushed notification appears in it too.
  assert.equal(await listed(page), [{ text: 'Grace is live: Night shift', kind: 'channel-live', read: 'false' }]);

  await Promise.all([
    page.waitForNavigation({ timeout: STEP_TIMEOUT_MS }),
    page.click(`${byTestId('notification')} a`),
  ]);
  assert.is(new URL(page.url()).pathname, `/watch/${show.id}`);
  await waitForBell(page, 'Notifications');
  assert.is(await page.$(byTestId('notification-count')), null);

  // The home page lists the followed channel's show first, marked.
  await page.goto(`${server.url}/`, { waitUntil: 'load' });
  await page.waitForSelector(byTestId('live-following'), { timeout: STEP_TIMEOUT_MS });
  const cards = await page.$$eval(byTestId('live-card'), (items) =>
    items.map((item) => ({
      id: (item as HTMLElement).dataset.sessionId,
      following: item.querySelector('[data-testid="live-following"]') !== null,
    })),
  );
  assert.equal(cards, [
    { id: show.id, following: true },
    { id: early.id, following: false },
  ]);

  // Another page of the same account, later: the same one notification, read.
  const laptop = await openPage(browser, 'Linus laptop', `${server.url}/`, {});
  pages.push(laptop);
  await laptop.page.evaluate(
    (identity: string) => localStorage.setItem('stagecast.identity', identity),
    await page.evaluate(() => localStorage.getItem('stagecast.identity') ?? ''),
  );
  await laptop.page.reload({ waitUntil: 'load' });
  await laptop.page.click(byTestId('notification-bell'));
  await laptop.page.waitForSelector(byTestId('notification'), { timeout: STEP_TIMEOUT_MS });
  assert.equal(await listed(laptop.page), [{ text: 'Grace is live: Night shift', kind: 'channel-live', read: 'true' }]);

  // An invitation to host arrives while both pages are open; Mark all read on one clears both.
  const duet = await createSession(server.url, owner.token, 'Duet');
  const invited = await api(server.url, 'POST', `/api/multihost/${duet.id}/invite`, owner.token, {
    userId: fan.user.userId,
  });
  assert.is(invited.status, 200);
  await waitForBell(laptop.page, 'Notifications, 1 unread');
  await waitForBell(page, 'Notifications, 1 unread');
  assert.equal((await listed(laptop.page))[0], {
    text: 'Grace invited you to host Duet',
    kind: 'host-invitation',
    read: 'false',
  });
  await laptop.page.click(byTestId('notifications-read-all'));
  await waitForBell(laptop.page, 'Notifications');
  await waitForBell(page, 'Notifications');
  await laptop.page.keyboard.press('Escape');
  assert.is(await laptop.page.$(byTestId('notification-panel')), null, 'Escape closes the panel');
});

test('search from the menu: a show by its host, a channel by its title; no match said in words', async () => {
  const owner = await registerAccount(server.url, { displayName: 'Hedy' });
  const created = await request(server.url, 'POST', '/api/channels', {
    token: owner.token,
    body: { slug: 'spread-spectrum', title: 'Spread Spectrum Radio' },
  });
  assert.ok(created.body.ok);
  const show = await createSession(server.url, owner.token, 'Frequency hopping');
  assert.is((await api(server.url, 'POST', `/api/multihost/${show.id}/start`, owner.token)).status, 200);

  const visitor = await openPage(browser, 'Visitor', `${server.url}/`, {});
  pages.push(visitor);
  const { page } = visitor;
  await page.locator(byTestId('menu-search')).fill('hedy');
  await Promise.all([page.waitForNavigation({ timeout: STEP_TIMEOUT_MS }), page.keyboard.press('Enter')]);
  assert.is(new URL(page.url()).pathname, '/search');
  await page.waitForSelector(byTestId('search-session'), { timeout: STEP_TIMEOUT_MS });
  assert.match(await textOf(page, byTestId('search-session')), 'Frequency hopping');

  await page.locator(byTestId('search-words')).fill('SPECTRUM');
  await Promise.all([page.waitForNavigation({ timeout: STEP_TIMEOUT_MS }), page.click(byTestId('search-submit'))]);
  await page.waitForSelector(byTestId('search-channel'), { timeout: STEP_TIMEOUT_MS });
  assert.match(await textOf(page, byTestId('search-channel')), 'Spread Spectrum Radio');
  await Promise.all([
    page.waitForNavigation({ timeout: STEP_TIMEOUT_MS }),
    page.click(`${byTestId('search-channel')} a`),
  ]);
  assert.is(new URL(page.url()).pathname, '/c/spread-spectrum');

  await page.goto(`${server.url}/search?q=zzz-nothing`, { waitUntil: 'load' });
  assert.match(await textOf(page, byTestId('search-empty')), 'Nothing live and no channel matches “zzz-nothing”.');
});

test.run();
