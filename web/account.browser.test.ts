// Accounts through the UI in real Chromium: a guest creates an account and
// keeps their name; the account page changes the name, the picture (a real
// upload; a file that is not a picture is refused in words) and the
// password; the access token (5 s here) runs out and is renewed without the
// person noticing, for HTTP and for the studio's socket (the account hosts
// a session); signing out and in again keeps it all. An admin credits coins
// from the admin page (once, however often Credit is clicked); the wallet
// page shows the balance and pages through the history. One server, one
// browser.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, ElementHandle, Page } from 'puppeteer-core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { launchChromium } from '../testkit/chromium.ts';
import { makeAdmin, topUp } from '../testkit/coins.ts';
import { signInGuest } from '../testkit/signalingClient.ts';
import { registerAccount, request } from '../testkit/accountClient.ts';
import { byTestId, joinAsHost, openPage, STEP_TIMEOUT_MS, type HostPage } from '../testkit/studioPages.ts';
import { startTestServer, type TestServer } from '../testkit/testServer.ts';
import { TINY_PNG } from '../testkit/tinyPng.ts';

const TOKEN_TTL_S = 5;
const EMAIL = 'grace@example.test';

let server: TestServer;
let browser: Browser;
let visitor: HostPage;
let files: string;

test.before(async () => {
  server = await startTestServer({ ACCESS_TOKEN_TTL_S: String(TOKEN_TTL_S) });
  browser = await launchChromium();
  files = fs.mkdtempSync(path.join(os.tmpdir(), 'stagecast-account-'));
});

test.after(async () => {
  await visitor?.context.close().catch(() => undefined);
  await browser?.close();
  await server?.close();
  fs.rmSync(files, { recursive: true, force: true });
});

async function textOf(page: Page, selector: string): Promise<string> {
  await page.waitForSelector(selector, { timeout: STEP_TIMEOUT_MS });
  return page.$eval(selector, (element) => (element as HTMLElement).innerText.trim());
}

async function storedToken(page: Page): Promise<string> {
  return page.evaluate(
    () => (JSON.parse(localStorage.getItem('stagecast.identity') ?? '{}') as { token?: string }).token ?? '',
  );
}

async function avatarInput(page: Page): Promise<ElementHandle<HTMLInputElement>> {
  return (await page.waitForSelector(byTestId('avatar-file'), {
    timeout: STEP_TIMEOUT_MS,
  })) as ElementHandle<HTMLInputElement>;
}

async function signInThroughForm(page: Page, password: string): Promise<void> {
  await page.locator(byTestId('account-email')).fill(EMAIL);
  await page.locator(byTestId('account-password')).fill(password);
  await page.click(byTestId('account-submit'));
}

test('a guest creates an account and keeps the name; the menu and the orders page know them', async () => {
  const guest = await signInGuest(server.url, 'Grace H');
  visitor = await openPage(browser, 'Grace', `${server.url}/orders`, { guest });
  assert.match(await textOf(visitor.page, byTestId('guest-name')), 'Grace H (guest)');
  assert.match(await textOf(visitor.page, byTestId('orders-sign-in')), 'Sign in with an account to buy.');

  await visitor.page.click(byTestId('menu-register'));
  await visitor.page.waitForSelector(byTestId('account-display-name'), { timeout: STEP_TIMEOUT_MS });
  const kept = await visitor.page.$eval(byTestId('account-display-name'), (input) => (input as HTMLInputElement).value);
  assert.is(kept, 'Grace H', "the guest's display name is kept");
  await visitor.page.locator(byTestId('account-email')).fill(EMAIL);
  await visitor.page.locator(byTestId('account-password')).fill('short');
  await visitor.page.click(byTestId('account-submit'));
  // The browser's own check stops a too-short password; the server's words show for what it refuses.
  assert.is(await visitor.page.$(byTestId('account-problem')), null);
  await visitor.page.locator(byTestId('account-password')).fill('first password');
  await visitor.page.click(byTestId('account-submit'));

  await visitor.page.waitForFunction(() => location.pathname === '/orders', { timeout: STEP_TIMEOUT_MS });
  assert.is(await textOf(visitor.page, byTestId('account-name')), 'Grace H');
  await visitor.page.waitForSelector('[role="tablist"]', { timeout: STEP_TIMEOUT_MS });
  assert.is(await visitor.page.$(byTestId('orders-sign-in')), null, 'signed in: the orders page lists orders');
});

test('the account page changes the name and the picture; a file that is not a picture is refused in words', async () => {
  const { page } = visitor;
  await page.click(byTestId('account-link'));
  await page.waitForSelector(byTestId('profile-display-name'), { timeout: STEP_TIMEOUT_MS });
  assert.match(await textOf(page, byTestId('account-email-shown')), EMAIL);

  await page.locator(byTestId('profile-display-name')).fill('Grace Hopper');
  await page.locator(byTestId('profile-bio')).fill('Compilers, mostly.');
  await page.click(byTestId('profile-save'));
  assert.match(await textOf(page, byTestId('profile-note')), 'Saved.');
  assert.is(await textOf(page, byTestId('account-name')), 'Grace Hopper', 'the menu follows');

  const notAPicture = path.join(files, 'notes.png');
  fs.writeFileSync(notAPicture, 'not a picture at all');
  await (await avatarInput(page)).uploadFile(notAPicture);
  assert.match(await textOf(page, byTestId('avatar-note')), 'PNG, JPEG or WebP');
  assert.ok(await page.$(`${byTestId('account-menu')} ${byTestId('avatar-initial')}`), 'still the initial');

  const picture = path.join(files, 'me.png');
  fs.writeFileSync(picture, TINY_PNG);
  await (await avatarInput(page)).uploadFile(picture);
  assert.match(await textOf(page, byTestId('avatar-note')), 'saved');
  // The picture shows in the menu, loaded from the server.
  await page.waitForFunction(
    () => {
      const image = document.querySelector<HTMLImageElement>('[data-testid="account-menu"] [data-testid="avatar"]');
      return image?.complete && image.naturalWidth === 1;
    },
    { timeout: STEP_TIMEOUT_MS },
  );
});

test('the access token runs out and is renewed unnoticed: HTTP calls and the studio socket go on as the account', async () => {
  const { page } = visitor;
  const before = await storedToken(page);
  await new Promise((resolve) => setTimeout(resolve, (TOKEN_TTL_S + 1) * 1000));
  // A fresh load asks for the account with the expired token in storage.
  await page.reload({ waitUntil: 'load' });
  assert.match(await textOf(page, byTestId('account-email-shown')), EMAIL);
  assert.is.not(await storedToken(page), before, 'renewed');

  // Hosting as the account: the name is the account's, the studio's socket connects after another expiry.
  await page.goto(`${server.url}/?capture=320x180@15`, { waitUntil: 'load' });
  const name = await page.$eval(byTestId('create-display-name'), (element) => (element as HTMLInputElement).value);
  assert.is(name, 'Grace Hopper');
  await page.locator(byTestId('create-title')).fill("Grace's panel");
  await new Promise((resolve) => setTimeout(resolve, (TOKEN_TTL_S + 1) * 1000));
  await page.click(byTestId('create-session'));
  await page.waitForFunction(() => location.pathname.startsWith('/studio/'), { timeout: STEP_TIMEOUT_MS });
  await joinAsHost(visitor);
  const host = await page.evaluate(() => {
    const identity = JSON.parse(localStorage.getItem('stagecast.identity') ?? '{}') as { user?: { userId: string } };
    return identity.user?.userId;
  });
  const sessionId = page.url().split('/studio/')[1]!.split('?')[0]!;
  const session = (await (await fetch(`${server.url}/api/multihost/${sessionId}`)).json()) as {
    data: { primaryHostId: string; hosts: { displayName: string }[] };
  };
  assert.is(session.data.primaryHostId, host, 'the account (not a guest) hosts');
  assert.is(session.data.hosts[0]?.displayName, 'Grace Hopper');

  // The account keeps a banner for later shows, and shows it again from the list with a click.
  await page.locator(byTestId('banner-text')).fill('Grace Hopper: compilers');
  await page.locator(byTestId('banner-save')).click();
  await page.waitForFunction(
    (selector) => document.querySelector(selector)?.textContent?.trim() === 'Grace Hopper compilers',
    { timeout: STEP_TIMEOUT_MS },
    byTestId('saved-banner-show'),
  );
  await page.locator(byTestId('banner-text')).fill('');
  await page.locator(byTestId('saved-banner-show')).click();
  await page.waitForFunction(
    (selector) => document.querySelector(selector)?.textContent?.includes('Grace Hopper compilers'),
    { timeout: STEP_TIMEOUT_MS },
    byTestId('banner-shown'),
  );
});

test('password change, sign out, and signing in again (only with the new password) keeps name and picture', async () => {
  const { page } = visitor;
  await page.goto(`${server.url}/account`, { waitUntil: 'load' });
  await page.waitForSelector(byTestId('password-current'), { timeout: STEP_TIMEOUT_MS });
  await page.locator(byTestId('password-current')).fill('not my password');
  await page.locator(byTestId('password-new')).fill('second password');
  await page.click(byTestId('password-save'));
  assert.is(await textOf(page, byTestId('password-note')), 'The current password is wrong.');
  await page.locator(byTestId('password-current')).fill('first password');
  await page.click(byTestId('password-save'));
  await page.waitForFunction(
    () => document.querySelector('[data-testid="password-note"]')?.textContent?.startsWith('Password changed'),
    { timeout: STEP_TIMEOUT_MS },
  );

  // The button's own click: a mouse click at its place can land beside it when the page shifts just then
  // (the menu's avatar loading late, the password note). Signing out turns the menu into "Sign in" on this
  // page and then goes home: the wait for the menu starts after the home page loaded, or it can find the
  // account page's menu and lose it to the navigation while puppeteer hands the element over (CI, three times).
  await Promise.all([
    page.waitForNavigation({ waitUntil: 'load', timeout: STEP_TIMEOUT_MS }),
    page.$eval(byTestId('sign-out'), (button) => (button as HTMLButtonElement).click()),
  ]);
  assert.is(new URL(page.url()).pathname, '/');
  await page.waitForSelector(byTestId('menu-sign-in'), { timeout: STEP_TIMEOUT_MS });
  assert.is(await page.evaluate(() => localStorage.getItem('stagecast.identity')), null);
  await page.goto(`${server.url}/account`, { waitUntil: 'load' });
  await page.waitForSelector(byTestId('account-needs-sign-in'), { timeout: STEP_TIMEOUT_MS });

  await page.click(byTestId('menu-sign-in'));
  await page.waitForSelector(byTestId('account-email'), { timeout: STEP_TIMEOUT_MS });
  await signInThroughForm(page, 'first password');
  assert.is(await textOf(page, byTestId('account-problem')), 'Wrong email or password.');
  await signInThroughForm(page, 'second password');
  await page.waitForFunction(() => location.pathname === '/account', { timeout: STEP_TIMEOUT_MS });
  assert.is(await textOf(page, byTestId('account-name')), 'Grace Hopper');
  assert.ok(
    await page.waitForSelector(`${byTestId('account-menu')} ${byTestId('avatar')}`, { timeout: STEP_TIMEOUT_MS }),
  );
  const bio = await page.$eval(byTestId('profile-bio'), (element) => (element as HTMLTextAreaElement).value);
  assert.is(bio, 'Compilers, mostly.');
});

test('a channel page follows and unfollows for an account; a guest is shown the way to one', async () => {
  const owner = await registerAccount(server.url, { displayName: 'Linus' });
  const made = await request(server.url, 'POST', '/api/channels', {
    token: owner.token,
    body: { slug: 'kernel-talk', title: 'Kernel talk' },
  });
  assert.is(made.status, 201);
  const { page } = visitor;
  const meta = () => textOf(page, byTestId('channel-meta'));
  await page.goto(`${server.url}/c/kernel-talk`, { waitUntil: 'load' });
  await page.click(byTestId('follow'));
  await page.waitForSelector(byTestId('unfollow'), { timeout: STEP_TIMEOUT_MS });
  assert.match(await meta(), '1 follower');
  await page.reload({ waitUntil: 'load' });
  await page.waitForSelector(byTestId('unfollow'), { timeout: STEP_TIMEOUT_MS });
  await page.click(byTestId('unfollow'));
  await page.waitForSelector(byTestId('follow'), { timeout: STEP_TIMEOUT_MS });
  assert.match(await meta(), '0 followers');

  const guest = await openPage(browser, 'Guest', `${server.url}/c/kernel-talk`, {
    guest: await signInGuest(server.url, 'Passer-by'),
  });
  try {
    assert.match(await textOf(guest.page, byTestId('follow-sign-in')), 'Follow with an account');
    assert.is(await guest.page.$(byTestId('follow')), null);
  } finally {
    await guest.context.close();
  }
});

test('an admin credits coins from the admin page, once; the wallet shows the balance and pages through the history', async () => {
  const { page } = visitor;
  const graceId = await page.evaluate(
    () => (JSON.parse(localStorage.getItem('stagecast.identity') ?? '{}') as { user: { userId: string } }).user.userId,
  );
  await page.goto(`${server.url}/admin/coins`, { waitUntil: 'load' });
  assert.is(await textOf(page, byTestId('admin-only')), 'Only an admin can credit coins.');

  // Older entries first (through the API, while the admin's 5-second token is fresh).
  const admin = await makeAdmin(server.url, { DATA_DIR: server.dataDir });
  for (let index = 0; index < 26; index++) await topUp(server.url, admin, graceId, 1);

  const desk = await openPage(browser, 'Admin', `${server.url}/signin?next=/admin/coins`, {});
  try {
    await desk.page.waitForSelector(byTestId('account-email'), { timeout: STEP_TIMEOUT_MS });
    await desk.page.locator(byTestId('account-email')).fill(admin.email);
    await desk.page.locator(byTestId('account-password')).fill(admin.password);
    await desk.page.click(byTestId('account-submit'));
    await desk.page.waitForSelector(byTestId('credit-user-id'), { timeout: STEP_TIMEOUT_MS });
    await desk.page.locator(byTestId('credit-user-id')).fill('no-such-user');
    await desk.page.click(byTestId('credit-look-up'));
    assert.is(await textOf(desk.page, byTestId('credit-problem')), 'No account has that user id.');
    await desk.page.locator(byTestId('credit-user-id')).fill(graceId);
    await desk.page.locator(byTestId('credit-amount')).fill('500');
    await desk.page.click(byTestId('credit-look-up'));
    assert.match(await textOf(desk.page, byTestId('credit-confirm')), 'Credit 500 coins to Grace Hopper?');
    // Twice, as an impatient admin would: one credit.
    await desk.page.evaluate(() => {
      const button = document.querySelector<HTMLButtonElement>('[data-testid="credit-confirm-button"]');
      button?.click();
      button?.click();
    });
    assert.match(await textOf(desk.page, byTestId('credit-done')), 'their balance is 526');
  } finally {
    await desk.context.close();
  }

  await page.goto(`${server.url}/wallet`, { waitUntil: 'load' });
  await page.waitForSelector(`${byTestId('wallet-balance')}[data-balance="526"]`, { timeout: STEP_TIMEOUT_MS });
  const rows = () =>
    page.$$eval(byTestId('wallet-entry'), (all) =>
      all.map((row) => [row.getAttribute('data-kind'), Number(row.getAttribute('data-amount'))]),
    );
  const firstPage = await rows();
  assert.is(firstPage.length, 25);
  assert.equal(firstPage[0], ['topup', 500]);
  await page.click(byTestId('wallet-older'));
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="wallet-entry"]').length === 27, {
    timeout: STEP_TIMEOUT_MS,
  });
  const all = await rows();
  assert.is(
    all.reduce((sum, [, amount]) => sum + Number(amount), 0),
    526,
    'the entries add up to the balance',
  );
  assert.is(await page.$(byTestId('wallet-older')), null, 'nothing older');
});

test.run();
