// Chat moderation in the web app, end to end in real Chromium: the primary
// host in the studio, a viewer on the watch page (signing in from the chat
// panel) and a moderator the host appoints from the studio's chat. The
// moderator deletes, pins, mutes (the viewer sees until when, then the
// notice goes when unmuted), sets slow mode (the viewer sees the countdown)
// and bans; the viewer reacts (counted live elsewhere; after a reload still
// theirs to take back), reports a message (an admin sees the report) and
// blocks a user (their earlier and later messages hidden from the viewer
// only). One server and one browser for
// every case; the cases build on each other.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Browser, ElementHandle, Page } from 'puppeteer-core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ChatMessageView, ReportView } from '../signaling/protocol/index.ts';
import { registerAccount, request as httpRequest } from '../testkit/accountClient.ts';
import { launchChromium } from '../testkit/chromium.ts';
import { createSession, endSession } from '../testkit/sessions.ts';
import { api, connectClient, signInGuest, type Guest, type TestClient } from '../testkit/signalingClient.ts';
import { byTestId, joinAsHost, openHostPage, type HostPage } from '../testkit/studioPages.ts';
import { startTestServer, type TestServer } from '../testkit/testServer.ts';

const STEP_MS = 10_000;

let server: TestServer;
let browser: Browser;
const pages: HostPage[] = [];
let sessionId = '';
let host: Guest;
let studio: Page;
let moderator: Page;
let viewer: Page;
let troll: TestClient;

test.before(async () => {
  server = await startTestServer();
  browser = await launchChromium();
});

test.after(async () => {
  troll?.close();
  for (const page of pages) await page.context.close().catch(() => undefined);
  await browser?.close();
  await server?.close();
});

async function open(name: string, url: string, guest?: Guest): Promise<HostPage> {
  const opened = await openHostPage(browser, name, url, guest);
  pages.push(opened);
  return opened;
}

/** Whether the page's chat shows a message with exactly this text. */
function shows(page: Page, text: string): Promise<boolean> {
  return page.evaluate(
    (wanted) =>
      Array.from(document.querySelectorAll('[data-testid="chat-message"] .text')).some(
        (node) => node.textContent === wanted,
      ),
    text,
  );
}

async function waitShown(page: Page, text: string, shown = true): Promise<void> {
  await page.waitForFunction(
    (wanted, visible) =>
      Array.from(document.querySelectorAll('[data-testid="chat-message"] .text')).some(
        (node) => node.textContent === wanted,
      ) === visible,
    { timeout: STEP_MS },
    text,
    shown,
  );
}

async function sendFromUi(page: Page, text: string): Promise<void> {
  await page.waitForSelector(`${byTestId('chat-input')}:not([disabled])`, { timeout: STEP_MS });
  await page.type(byTestId('chat-input'), text);
  await page.click(byTestId('chat-send'));
  await waitShown(page, text);
}

/** Opens the actions dialog of the message with this text. */
async function openActions(page: Page, text: string): Promise<void> {
  const button = await page.waitForFunction(
    (wanted) =>
      Array.from(document.querySelectorAll('[data-testid="chat-message"]'))
        .find((item) => item.querySelector('.text')?.textContent === wanted)
        ?.querySelector('[data-testid="message-actions"]'),
    { timeout: STEP_MS },
    text,
  );
  await (button as ElementHandle<HTMLButtonElement>).click();
  await page.waitForSelector(`dialog[open]${byTestId('chat-actions')}`, { timeout: STEP_MS });
}

/** Clicks an action of the open dialog, which closes when the action worked. */
async function act(page: Page, action: string): Promise<void> {
  await page.click(`dialog[open] ${byTestId(action)}`);
  await page.waitForSelector(`dialog[open]${byTestId('chat-actions')}`, { hidden: true, timeout: STEP_MS });
}

async function actionsOffered(page: Page): Promise<string[]> {
  return page.$$eval('dialog[open] [data-testid^="action-"]', (buttons) =>
    buttons.map((button) => button.getAttribute('data-testid') ?? ''),
  );
}

async function closeActions(page: Page): Promise<void> {
  await page.click(`dialog[open] ${byTestId('chat-actions-close')}`);
  await page.waitForSelector(`dialog[open]${byTestId('chat-actions')}`, { hidden: true, timeout: STEP_MS });
}

async function text(page: Page, testId: string): Promise<string> {
  return page.$eval(byTestId(testId), (element) => element.textContent ?? '');
}

async function userIdOf(page: Page): Promise<string> {
  return page.evaluate(() => JSON.parse(localStorage.getItem('stagecast.identity') ?? '{}').user?.userId ?? '');
}

test('the primary host has the chat in the studio and appoints a moderator from it', async () => {
  host = await signInGuest(server.url, 'Hana Host');
  sessionId = (await createSession(server.url, host.token, 'Moderated show')).id;
  const hostPage = await open('host', `${server.url}/studio/${sessionId}?capture=320x180@15`, host);
  await joinAsHost(hostPage);
  studio = hostPage.page;
  await studio.waitForSelector(`${byTestId('studio')} ${byTestId('chat')} ${byTestId('chat-input')}`, {
    timeout: STEP_MS,
  });
  await studio.waitForSelector(byTestId('slow-mode'), { timeout: STEP_MS });

  const mo = await signInGuest(server.url, 'Mo Moderator');
  moderator = (await open('moderator', `${server.url}/watch/${sessionId}`, mo)).page;
  viewer = (await open('viewer', `${server.url}/watch/${sessionId}`)).page;
  // The viewer signs in from the chat panel.
  await viewer.type(`${byTestId('chat')} ${byTestId('display-name')}`, 'Vic Viewer');
  await viewer.click(`${byTestId('chat')} ${byTestId('sign-in')}`);
  await sendFromUi(viewer, 'hello from vic');
  await sendFromUi(moderator, 'hi from mo');
  await waitShown(studio, 'hi from mo');

  // A viewer's controls on someone else's message: react, block, report; no moderation.
  await openActions(viewer, 'hi from mo');
  assert.equal((await actionsOffered(viewer)).sort(), ['action-block', 'action-report', 'action-report-user']);
  await closeActions(viewer);

  // The primary host's: everything, including appointing.
  await openActions(studio, 'hi from mo');
  const offered = await actionsOffered(studio);
  for (const action of ['action-pin', 'action-delete', 'action-mute', 'action-ban', 'action-appoint']) {
    assert.ok(offered.includes(action), `${action} in ${offered.join(', ')}`);
  }
  await act(studio, 'action-appoint');
  // The appointed moderator gets the moderators' tools live, no reload.
  await moderator.waitForSelector(byTestId('slow-mode'), { timeout: STEP_MS });
});

test('the moderator deletes a message: gone for everyone; a late action on it fails in words, in the dialog', async () => {
  await sendFromUi(viewer, 'oops, wrong chat');
  await waitShown(moderator, 'oops, wrong chat');
  await waitShown(studio, 'oops, wrong chat');
  // The host has the same message's actions open meanwhile.
  await openActions(studio, 'oops, wrong chat');
  await openActions(moderator, 'oops, wrong chat');
  await act(moderator, 'action-delete');
  for (const page of [moderator, viewer, studio]) await waitShown(page, 'oops, wrong chat', false);

  // The failure shows inside the modal dialog (the panel behind it is inert), which stays open.
  await studio.click(`dialog[open] ${byTestId('action-pin')}`);
  const alert = await studio.waitForSelector(`dialog[open] ${byTestId('chat-actions-problem')}[role="alert"]`, {
    timeout: STEP_MS,
  });
  assert.match((await alert?.evaluate((node) => node.textContent)) ?? '', /gone/);
  await closeActions(studio);
  await studio.waitForSelector(byTestId('chat-problem'), { timeout: STEP_MS });
});

test('the viewer reacts; the count updates on the other pages', async () => {
  await openActions(viewer, 'hi from mo');
  await act(viewer, 'react-like');
  for (const page of [studio, moderator]) {
    await page.waitForFunction(
      () =>
        Array.from(document.querySelectorAll('[data-testid="chat-message"]'))
          .find((item) => item.querySelector('.text')?.textContent === 'hi from mo')
          ?.querySelector('[data-reaction="like"]')
          ?.textContent?.includes('1') ?? false,
      { timeout: STEP_MS },
    );
  }
});

test('the moderator pins a message: pinned on every page', async () => {
  await openActions(moderator, 'hello from vic');
  await act(moderator, 'action-pin');
  for (const page of [viewer, studio, moderator]) {
    await page.waitForFunction(
      (selector) => document.querySelector(selector)?.textContent?.includes('hello from vic') ?? false,
      { timeout: STEP_MS },
      byTestId('chat-pinned'),
    );
  }
});

test('the moderator mutes the viewer for 10 minutes: "muted until", input disabled; unmuted, the notice goes', async () => {
  await viewer.waitForSelector(`${byTestId('chat-input')}:not([disabled])`, { timeout: STEP_MS });
  await openActions(moderator, 'hello from vic');
  await moderator.select(`dialog[open] ${byTestId('mute-minutes')}`, '10');
  const mutedFrom = Date.now();
  await act(moderator, 'action-mute');
  await viewer.waitForSelector(byTestId('chat-muted'), { timeout: STEP_MS });
  const notice = await text(viewer, 'chat-muted');
  // The mute ends 10 minutes after it was given, shown in the viewer's local time: allow a minute either way.
  const endsFrom = mutedFrom + 10 * 60_000;
  const endsTo = Date.now() + 10 * 60_000;
  const candidates = [endsTo + 60_000];
  for (let at = endsFrom - 60_000; at < endsTo + 60_000; at += 30_000) candidates.push(at);
  const expected = await viewer.evaluate(
    (ats) => [...new Set(ats.map((at) => new Date(at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })))],
    candidates,
  );
  assert.ok(notice.startsWith('You are muted until '), notice);
  assert.ok(
    expected.some((time) => notice.includes(time)),
    `${notice} (expected one of ${expected.join(', ')})`,
  );
  assert.ok(await viewer.$(`${byTestId('chat-input')}[disabled]`), 'the input is disabled while muted');

  await openActions(moderator, 'hello from vic');
  assert.ok((await actionsOffered(moderator)).includes('action-unmute'), 'the moderator is offered unmute');
  await act(moderator, 'action-unmute');
  await viewer.waitForSelector(byTestId('chat-muted'), { hidden: true, timeout: STEP_MS });
  await viewer.waitForSelector(`${byTestId('chat-input')}:not([disabled])`, { timeout: STEP_MS });
});

test('the moderator sets slow mode: the viewer sees it, and a countdown after sending', async () => {
  await moderator.select(byTestId('slow-mode'), '5');
  await viewer.waitForFunction(
    (selector) => document.querySelector(selector)?.textContent?.includes('5 s') ?? false,
    { timeout: STEP_MS },
    byTestId('slow-mode-on'),
  );
  // The viewer's last message counts from when it went out, even before slow mode was on.
  await viewer.waitForSelector(byTestId('chat-slow-countdown'), { hidden: true, timeout: STEP_MS });
  await sendFromUi(viewer, 'taking it slow');
  await viewer.waitForSelector(byTestId('chat-slow-countdown'), { timeout: STEP_MS });
  assert.match(await text(viewer, 'chat-slow-countdown'), /send again in [1-5] s/);
  assert.ok(await viewer.$(`${byTestId('chat-send')}[disabled]`), 'Send waits for the countdown');
  // Off again: the countdown goes with it.
  await moderator.select(byTestId('slow-mode'), '0');
  await viewer.waitForSelector(byTestId('chat-slow-countdown'), { hidden: true, timeout: STEP_MS });
});

test("after a reload the viewer's own reaction is still theirs: pressed, and a click takes it back", async () => {
  await viewer.reload();
  await waitShown(viewer, 'hi from mo');
  await openActions(viewer, 'hi from mo');
  await viewer.waitForSelector(`dialog[open] ${byTestId('react-like')}[aria-pressed="true"]`, { timeout: STEP_MS });
  await act(viewer, 'react-like');
  await studio.waitForFunction(
    () =>
      !Array.from(document.querySelectorAll('[data-testid="chat-message"]'))
        .find((item) => item.querySelector('.text')?.textContent === 'hi from mo')
        ?.querySelector('[data-reaction="like"]'),
    { timeout: STEP_MS },
  );
});

test('the viewer reports a message: an admin finds the report', async () => {
  troll = await connectClient(server.url, (await signInGuest(server.url, 'Troll')).token);
  await troll.call('chat:join', { sessionId });
  const spam: ChatMessageView = await troll.call('chat:send', { sessionId, text: 'buy followers now' });
  await openActions(viewer, 'buy followers now');
  await viewer.click(`dialog[open] ${byTestId('action-report')}`);
  await viewer.select(`dialog[open] ${byTestId('report-reason')}`, 'spam');
  await viewer.type(`dialog[open] ${byTestId('report-details')}`, 'again and again');
  await act(viewer, 'report-send');
  await viewer.waitForSelector(byTestId('chat-notice'), { timeout: STEP_MS });
  assert.match(await text(viewer, 'chat-notice'), /Report sent/);

  const admin = await registerAccount(server.url, { displayName: 'Admin' });
  await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', 'signaling/accounts/setRole.ts', admin.email, 'admin'],
    { cwd: path.resolve(import.meta.dirname, '..'), env: { ...process.env, DATA_DIR: server.dataDir } },
  );
  const refreshed = await httpRequest<{ token: string }>(server.url, 'POST', '/api/auth/refresh', {
    refreshToken: admin.refreshToken,
  });
  assert.ok(refreshed.body.ok);
  const queue = await api<ReportView[]>(server.url, 'GET', '/api/reports?status=open', refreshed.body.data.token);
  assert.ok(queue.body.ok);
  const filed = queue.body.data.find((report) => report.messageId === spam.id);
  assert.equal(
    { reason: filed?.reason, details: filed?.details, text: filed?.messageText, reporter: filed?.reporterId },
    { reason: 'spam', details: 'again and again', text: 'buy followers now', reporter: await userIdOf(viewer) },
  );
});

test('the viewer blocks a user: their earlier and later messages are hidden for the viewer only', async () => {
  await openActions(viewer, 'buy followers now');
  await act(viewer, 'action-block');
  await waitShown(viewer, 'buy followers now', false);
  await viewer.waitForSelector(byTestId('blocked-users'), { timeout: STEP_MS });
  assert.ok(await shows(moderator, 'buy followers now'), 'others still see it');

  await troll.call('chat:send', { sessionId, text: 'still here' });
  await waitShown(moderator, 'still here');
  await sendFromUi(moderator, 'after the troll');
  await waitShown(viewer, 'after the troll');
  assert.not.ok(await shows(viewer, 'still here'), 'the blocked user’s new message is hidden too');
});

test('the moderator bans the viewer: the viewer sees it and cannot write; the chat closes with the show', async () => {
  await openActions(moderator, 'hello from vic');
  await act(moderator, 'action-ban');
  await viewer.waitForSelector(byTestId('chat-banned'), { timeout: STEP_MS });
  assert.is(await viewer.$(byTestId('chat-input')), null, 'no input while banned');
  assert.ok(await shows(viewer, 'after the troll'), 'a banned viewer still reads');

  await endSession(server.url, host.token, sessionId);
  await viewer.waitForSelector(byTestId('chat-closed'), { timeout: STEP_MS });
  await moderator.waitForSelector(byTestId('chat-closed'), { timeout: STEP_MS });
});

test.run();
