// Requests to join as host in real Chromium, both sides through the UI: the
// requester sees the pending request with a Cancel button and withdraws it
// (the primary host's list drops it live); asks again, keeps it across a
// reload, and the primary host denies it with a reason the requester reads.
// Invitation links: the primary host's signed link lets a new guest straight
// onto the stage; a tampered link says so and leaves the way to ask (expiry
// is the same path: signaling/multihost/multihost.integration.test.ts). One server and one browser for the file.
import type { Browser, Page } from 'puppeteer-core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { launchChromium } from '../testkit/chromium.ts';
import { createSession } from '../testkit/sessions.ts';
import { signInGuest } from '../testkit/signalingClient.ts';
import { byTestId, joinAsHost, openHostPage, STEP_TIMEOUT_MS, type HostPage } from '../testkit/studioPages.ts';
import { startTestServer, type TestServer } from '../testkit/testServer.ts';

/** Small captures: the primary host only needs to be in the room to see its request list. */
const CAPTURE = '320x180@15';

let server: TestServer;
let browser: Browser;
const pages: HostPage[] = [];

test.before(async () => {
  const workerBin = process.env.MEDIASOUP_WORKER_BIN;
  server = await startTestServer(workerBin ? { MEDIASOUP_WORKER_BIN: workerBin } : {});
  browser = await launchChromium();
});

test.after(async () => {
  for (const page of pages) await page.context.close().catch(() => undefined);
  await browser?.close();
  await server?.close();
});

async function open(name: string, url: string): Promise<HostPage> {
  const guest = await signInGuest(server.url, name);
  const host = await openHostPage(browser, name, url, guest);
  pages.push(host);
  return host;
}

const requestEntry = (userId: string) => `${byTestId('join-request')}[data-user-id="${userId}"]`;

async function waitGone(page: Page, selector: string): Promise<void> {
  await page.waitForFunction((query) => !document.querySelector(query), { timeout: STEP_TIMEOUT_MS }, selector);
}

async function textOf(page: Page, selector: string): Promise<string> {
  return page.$eval(selector, (element) => (element as HTMLElement).innerText.trim());
}

test('the requester cancels; then the primary host denies with a reason and the requester reads it', async () => {
  const primaryGuest = await signInGuest(server.url, 'Ada');
  const session = await createSession(server.url, primaryGuest.token, 'Requests panel');
  const studioUrl = `${server.url}/studio/${session.id}?capture=${CAPTURE}`;
  const primary = await openHostPage(browser, 'Ada', studioUrl, primaryGuest);
  pages.push(primary);
  await joinAsHost(primary);

  // Grace asks; her page says she is waiting and offers Cancel; Ada's list shows her.
  const grace = await open('Grace', studioUrl);
  await grace.page.waitForSelector(byTestId('ask-to-join'), { timeout: STEP_TIMEOUT_MS });
  await grace.page.click(byTestId('ask-to-join'));
  await grace.page.waitForSelector(byTestId('waiting-approval'), { timeout: STEP_TIMEOUT_MS });
  await primary.page.waitForSelector(requestEntry(grace.userId), { timeout: STEP_TIMEOUT_MS });

  // She cancels: back to asking, and Ada's list drops her without a reload.
  await grace.page.click(byTestId('cancel-request'));
  await grace.page.waitForSelector(byTestId('ask-to-join'), { timeout: STEP_TIMEOUT_MS });
  await waitGone(primary.page, requestEntry(grace.userId));

  // She asks again; a reload keeps the request pending.
  await grace.page.click(byTestId('ask-to-join'));
  await grace.page.waitForSelector(byTestId('waiting-approval'), { timeout: STEP_TIMEOUT_MS });
  await grace.page.reload({ waitUntil: 'load' });
  await grace.page.waitForSelector(byTestId('cancel-request'), { timeout: STEP_TIMEOUT_MS });

  // Ada denies with a reason; Grace reads it, with a way to ask again or go home.
  const entry = requestEntry(grace.userId);
  await primary.page.waitForSelector(entry, { timeout: STEP_TIMEOUT_MS });
  await primary.page.type(`${entry} ${byTestId('deny-reason')}`, 'The panel is full today');
  await primary.page.click(`${entry} ${byTestId('deny')}`);
  await grace.page.waitForSelector(byTestId('request-denied'), { timeout: STEP_TIMEOUT_MS });
  assert.is(await textOf(grace.page, byTestId('request-denied')), 'Your request was denied: The panel is full today');
  assert.is(await textOf(grace.page, byTestId('ask-to-join')), 'Ask again');
  assert.is(await grace.page.$eval(byTestId('go-home'), (link) => link.getAttribute('href')), '/');
  await waitGone(primary.page, entry);
  assert.is(await primary.page.$(byTestId('join-request')), null, "Ada's list is empty");
});

test('an invitation link puts a new guest on stage without approval; a tampered link says so', async () => {
  const primaryGuest = await signInGuest(server.url, 'Ada');
  const session = await createSession(server.url, primaryGuest.token, 'Invited panel');
  const primary = await openHostPage(
    browser,
    'Ada',
    `${server.url}/studio/${session.id}?capture=${CAPTURE}`,
    primaryGuest,
  );
  pages.push(primary);
  await joinAsHost(primary);
  await primary.page.waitForFunction(
    () => (document.querySelector<HTMLInputElement>('[data-testid="invite-link"]')?.value ?? '').includes('invite='),
    { timeout: STEP_TIMEOUT_MS },
  );
  assert.match(await textOf(primary.page, byTestId('invite-expires')), 'Anyone with the link can join as a co-host');
  // A week-long link instead of a day's.
  const dayLink = await primary.page.$eval(byTestId('invite-link'), (input) => (input as HTMLInputElement).value);
  await primary.page.select(byTestId('invite-lifetime'), '604800');
  await primary.page.waitForFunction(
    (before) => document.querySelector<HTMLInputElement>('[data-testid="invite-link"]')?.value !== before,
    { timeout: STEP_TIMEOUT_MS },
    dayLink,
  );
  const link = await primary.page.$eval(byTestId('invite-link'), (input) => (input as HTMLInputElement).value);

  // Barbara has never been here: a name, then the device check, then the stage. No request, no approval.
  const barbara = await openHostPage(browser, 'Barbara', `${link}&capture=${CAPTURE}`);
  pages.push(barbara);
  assert.is(await textOf(barbara.page, 'h2'), 'You are invited to co-host');
  await barbara.page.locator(byTestId('display-name')).fill('Barbara');
  await barbara.page.click(byTestId('sign-in'));
  await joinAsHost(barbara);
  assert.not.match(barbara.page.url(), 'invite=', 'the invitation leaves the address bar');
  await primary.page.waitForFunction(() => document.querySelectorAll('[data-testid="tile"]').length === 2, {
    timeout: STEP_TIMEOUT_MS,
  });
  assert.is(await primary.page.$(byTestId('join-request')), null, 'nothing to approve');

  // A tampered link: the reason in words, and the way to ask.
  const invitation = new URL(link).searchParams.get('invite') ?? '';
  const tampered = `${invitation.slice(0, -3)}${invitation.endsWith('AAA') ? 'BBB' : 'AAA'}`;
  const late = await open('Ken', `${server.url}/studio/${session.id}?invite=${encodeURIComponent(tampered)}`);
  await late.page.waitForSelector(byTestId('invitation-problem'), { timeout: STEP_TIMEOUT_MS });
  assert.match(
    await textOf(late.page, byTestId('invitation-problem')),
    'This invitation link is not valid: ask the host for a new one.',
  );
  assert.ok(await late.page.$(byTestId('ask-to-join')), 'asking is still possible');
});

test.run();
