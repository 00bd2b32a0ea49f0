// The host studio end to end: three hosts in real Chromium pages (each with
// its own fake camera and microphone and its own guest identity) join one
// session on a real Stagecast node, see and hear each other, and follow the
// primary host's camera toggles and layout changes. Timings are printed.
import type { Browser, Page } from 'puppeteer-core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { launchChromium } from '../testkit/chromium.ts';
import { startTestServer, type TestServer } from '../testkit/testServer.ts';
import {
  assertReceivesFrom,
  byTestId,
  joinAsHost,
  openHostPage,
  report,
  STEP_TIMEOUT_MS,
  type HostPage,
} from '../testkit/studioPages.ts';

/** Small captures keep three pages' encoders within a 2-core machine (320×180: one layer; 640×360@15: two). */
const CAPTURE = process.env.STUDIO_TEST_CAPTURE ?? '320x180@15';

type Host = HostPage;

let server: TestServer;
let browser: Browser;
const hosts: Host[] = [];
let studioUrl = '';

async function openHost(name: string, url: string): Promise<Host> {
  const host = await openHostPage(browser, name, url);
  hosts.push(host);
  return host;
}

async function userIdOf(page: Page): Promise<string> {
  return page.evaluate(() => {
    const raw = localStorage.getItem('stagecast.identity');
    return raw ? (JSON.parse(raw) as { user: { userId: string } }).user.userId : '';
  });
}

async function tileAttribute(page: Page, userId: string, attribute: string): Promise<string | null> {
  return page.$eval(
    `${byTestId('tile')}[data-user-id="${userId}"]`,
    (element, name) => element.getAttribute(name),
    attribute,
  );
}

test.before(async () => {
  // MEDIASOUP_WORKER_BIN runs the test against another worker build.
  const workerBin = process.env.MEDIASOUP_WORKER_BIN;
  server = await startTestServer(workerBin ? { MEDIASOUP_WORKER_BIN: workerBin } : {});
  browser = await launchChromium();
});

test.after(async () => {
  for (const host of hosts) await host.context.close().catch(() => undefined);
  await browser?.close();
  await server?.close();
});

test('three hosts join one session and each decodes both other cameras and hears both microphones', async () => {
  // The primary host creates the session through the home page form.
  const primary = await openHost('primary', `${server.url}/?capture=${CAPTURE}`);
  await primary.page.type(byTestId('create-display-name'), 'Ada');
  await primary.page.type(byTestId('create-title'), 'Browser test panel');
  await primary.page.select(byTestId('create-type'), 'panel');
  // Co-hosts go on air as they join (web/backstage.browser.test.ts takes the other way).
  await primary.page.click(byTestId('create-backstage'));
  await primary.page.click(byTestId('create-session'));
  await primary.page.waitForFunction(() => location.pathname.startsWith('/studio/'), { timeout: STEP_TIMEOUT_MS });
  studioUrl = await primary.page.evaluate(() => location.origin + location.pathname);
  primary.userId = await userIdOf(primary.page);
  await joinAsHost(primary);

  // Two more hosts open the invite link, sign in as guests and ask to join.
  const guests = await Promise.all(
    ['Grace', 'Linus'].map(async (name) => {
      const host = await openHost(name, `${studioUrl}?capture=${CAPTURE}`);
      await host.page.waitForSelector(byTestId('display-name'), { timeout: STEP_TIMEOUT_MS });
      await host.page.type(byTestId('display-name'), name);
      await host.page.click(byTestId('sign-in'));
      await host.page.waitForSelector(byTestId('ask-to-join'), { timeout: STEP_TIMEOUT_MS });
      await host.page.click(byTestId('ask-to-join'));
      await host.page.waitForSelector(byTestId('waiting-approval'), { timeout: STEP_TIMEOUT_MS });
      host.userId = await userIdOf(host.page);
      return host;
    }),
  );

  // The primary host approves both from the studio's request list.
  for (const guest of guests) {
    const approve = `${byTestId('join-request')}[data-user-id="${guest.userId}"] ${byTestId('approve')}`;
    await primary.page.waitForSelector(approve, { timeout: STEP_TIMEOUT_MS });
    await primary.page.click(approve);
  }
  await Promise.all(guests.map((guest) => joinAsHost(guest)));

  for (const host of hosts) {
    await host.page.waitForFunction(
      (count) => document.querySelectorAll('[data-testid="tile"]').length === count,
      { timeout: STEP_TIMEOUT_MS, polling: 200 },
      hosts.length,
    );
  }
  for (const host of hosts) {
    await assertReceivesFrom(
      host,
      hosts.filter((other) => other !== host),
    );
  }

  for (const host of hosts) {
    const timings = await host.page.evaluate(() => window.stagecastStudio?.timings());
    const firstFrames = hosts
      .filter((other) => other !== host)
      .map(
        (other) =>
          `${other.name} ${timings?.firstFrameAfterMs[other.userId] ?? '?'} ms ` +
          `(${timings?.firstFrameAfterConsumeMs[other.userId] ?? '?'} ms after consuming)`,
      );
    report(
      `${host.name}: joined after ${timings?.joinedAfterMs} ms; first remote frame after join: ${firstFrames.join(', ')}`,
    );
  }
  const sent = await primary.page.evaluate(async () => (await window.stagecastStudio?.stats())?.local ?? []);
  const layers = sent.filter((entry) => entry.source === 'camera');
  report(
    `primary camera sends ${layers.length} RTP stream(s): ${layers
      .map((entry) => `${entry.rid ?? '-'} ${entry.frameWidth ?? '?'}x${entry.frameHeight ?? '?'}`)
      .join(', ')}`,
  );
});

test('a camera turned off by one host shows as off on the other pages within a second', async () => {
  const [primary, second, third] = hosts as [Host, Host, Host];
  const watchers = [primary, third];
  for (const watcher of watchers) assert.is(await tileAttribute(watcher.page, second.userId, 'data-camera'), 'on');

  const seen = watchers.map((watcher) =>
    watcher.page
      .waitForFunction(
        (userId) =>
          document.querySelector(`[data-testid="tile"][data-user-id="${userId}"]`)?.getAttribute('data-camera') ===
            'off' && Date.now(),
        { timeout: 5000, polling: 'mutation' },
        second.userId,
      )
      .then(async (handle) => Number(await handle.jsonValue())),
  );
  const clickedAt = await second.page.evaluate(() => {
    const at = Date.now();
    document.querySelector<HTMLButtonElement>('[data-testid="toggle-camera"]')?.click();
    return at;
  });
  const latencies = (await Promise.all(seen)).map((at) => at - clickedAt);
  report(
    `camera off by ${second.name} seen after ${latencies.map((ms, i) => `${ms} ms (${watchers[i]?.name})`).join(', ')}`,
  );
  for (const latency of latencies) assert.ok(latency < 1000, `camera toggle took ${latency} ms`);
  assert.is(await tileAttribute(second.page, second.userId, 'data-camera'), 'off');

  // And back on.
  await second.page.click(byTestId('toggle-camera'));
  for (const watcher of watchers) {
    await watcher.page.waitForSelector(`${byTestId('tile')}[data-user-id="${second.userId}"][data-camera="on"]`, {
      timeout: 5000,
    });
  }
});

test('a layout change and a pin by the primary host reach every page, with the new tile roles', async () => {
  const [primary, second] = hosts as [Host, Host, Host];
  await primary.page.click(byTestId('layout-spotlight'));
  for (const host of hosts) {
    await host.page.waitForFunction(
      () => document.querySelector('[data-testid="layout-kind"]')?.textContent === 'spotlight',
      { timeout: 5000, polling: 'mutation' },
    );
    const roles = await host.page.$$eval(byTestId('tile'), (tiles) =>
      tiles.map((tile) => tile.getAttribute('data-role')),
    );
    assert.equal(roles.sort(), ['main', 'thumbnail', 'thumbnail'], `${host.name} roles`);
  }

  await primary.page.select(byTestId('pin-select'), second.userId);
  for (const host of hosts) {
    await host.page.waitForSelector(`${byTestId('tile')}[data-user-id="${second.userId}"][data-role="main"]`, {
      timeout: 5000,
    });
  }

  await primary.page.click(byTestId('layout-grid'));
  for (const host of hosts) {
    await host.page.waitForFunction(
      () =>
        document.querySelector('[data-testid="layout-kind"]')?.textContent === 'grid' &&
        Array.from(document.querySelectorAll('[data-testid="tile"]')).every(
          (tile) => tile.getAttribute('data-role') === 'cell',
        ),
      { timeout: 5000, polling: 'mutation' },
    );
  }
});

test('when the media worker dies, every page shows Reconnecting… and rejoins and consumes again by itself', async () => {
  const slot = server.pool.workers[0];
  assert.ok(slot, 'a live worker');
  const reconnecting = hosts.map((host) => host.page.waitForSelector(byTestId('reconnecting'), { timeout: 5000 }));
  const killedAt = Date.now();
  process.kill(slot.worker.pid, 'SIGKILL');
  await Promise.all(reconnecting);
  for (const host of hosts) {
    await host.page.waitForFunction(() => window.stagecastStudio?.phase() === 'joined', {
      timeout: STEP_TIMEOUT_MS,
      polling: 100,
    });
  }
  report(`all hosts rejoined ${Date.now() - killedAt} ms after the worker was killed`);
  // They rejoined at the same moment: each stage still shows all three (a push that overtook a join's answer counts).
  for (const host of hosts) {
    await host.page.waitForFunction(
      (count) => document.querySelectorAll('[data-testid="tile"]').length === count,
      { timeout: 5000, polling: 200 },
      hosts.length,
    );
  }
  // The fresh transports start with a low bandwidth estimate, and the server's quality controller may hold
  // video back until it grows; audio must flow regardless.
  for (const host of hosts) {
    await assertReceivesFrom(
      host,
      hosts.filter((other) => other !== host),
      true,
    );
  }
});

test.run();
