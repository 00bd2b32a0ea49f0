// Live shopping in the web app, end to end in real Chromium: a host, live,
// adds a product with a picture in the studio's shop panel, pins it and
// starts a flash sale; a signed-in, topped-up viewer on the audience page
// sees the card (after their own distance behind the live picture), the
// countdown and the deal price, and buys; both sides see the balance, the
// stock and the order (the studio's figures, both order pages), the seller
// ships it; a second purchase beyond the per-buyer limit is refused in words.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, ElementHandle, Page } from 'puppeteer-core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { SessionState } from '../signaling/protocol/index.ts';
import { registerAccount, type SignedInAccount } from '../testkit/accountClient.ts';
import { launchChromium } from '../testkit/chromium.ts';
import { makeAdmin, topUp } from '../testkit/coins.ts';
import { createSession } from '../testkit/sessions.ts';
import { api, identityOf } from '../testkit/signalingClient.ts';
import {
  byTestId,
  joinAsHost,
  openHostPage,
  openPage,
  STEP_TIMEOUT_MS,
  type HostPage,
} from '../testkit/studioPages.ts';
import { startTestServer, type TestServer } from '../testkit/testServer.ts';

const CAPTURE = '320x180@15';
/** A 1×1 PNG: the product's picture. */
const PNG = Buffer.from(
  '89504e470d0a1a0a0000000d4948445200000001000000010806000000' +
    '1f15c4890000000d49444154789c6360f8cfc0f01f0005000201a1f2a3e90000000049454e44ae426082',
  'hex',
);

let server: TestServer;
let browser: Browser;
const contexts: BrowserContext[] = [];
let seller: SignedInAccount;
let session: SessionState;
let host: HostPage;
let admin: SignedInAccount;
let pictureFile: string;

test.before(async () => {
  // Flash sales' clocks ×10: a 30 s countdown takes 3 s.
  server = await startTestServer({ HLS_FPS: '15', SHOP_TIME_SCALE: '10' });
  browser = await launchChromium();
  admin = await makeAdmin(server.url, { DATA_DIR: server.dataDir });
  seller = await registerAccount(server.url, { displayName: 'Sela' });
  session = await createSession(server.url, seller.token, 'Sela sells');
  host = await openHostPage(
    browser,
    'Sela',
    `${server.url}/studio/${session.id}?capture=${CAPTURE}`,
    identityOf(seller),
  );
  contexts.push(host.context);
  await joinAsHost(host);
  const started = await api(server.url, 'POST', `/api/multihost/${session.id}/start`, seller.token);
  assert.is(started.status, 200, 'the session goes live');
  pictureFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'stagecast-shop-')), 'lamp.png');
  fs.writeFileSync(pictureFile, PNG);
});

test.after(async () => {
  for (const context of contexts) await context.close().catch(() => undefined);
  await browser?.close();
  await server?.close();
  if (pictureFile) fs.rmSync(path.dirname(pictureFile), { recursive: true, force: true });
});

async function text(page: Page, selector: string): Promise<string> {
  return page.$eval(selector, (element) => element.textContent?.trim() ?? '');
}

async function typeInto(page: Page, selector: string, value: string): Promise<void> {
  await page.locator(selector).fill(value);
}

test('a host pins a product and runs a flash sale; a viewer sees the card and the countdown, buys; both sides agree', async () => {
  // The host adds a product with a picture in the studio's shop panel.
  const studio = host.page;
  await studio.waitForSelector(byTestId('seller-shop'), { timeout: STEP_TIMEOUT_MS });
  await studio.click(byTestId('shop-add-product'));
  await typeInto(studio, byTestId('product-title'), 'Glow lamp');
  await typeInto(studio, byTestId('product-price'), '40');
  await typeInto(studio, byTestId('product-stock'), '8');
  const file = (await studio.$(byTestId('product-picture'))) as ElementHandle<HTMLInputElement>;
  await file.uploadFile(pictureFile);
  await studio.click(byTestId('product-save'));
  const row = `${byTestId('shop-product')}`;
  await studio.waitForFunction(
    (selector) => Array.from(document.querySelectorAll(selector)).some((item) => item.querySelector('img') !== null),
    { timeout: STEP_TIMEOUT_MS, polling: 100 },
    row,
  );
  assert.match(await text(studio, row), /Glow lamp.*40.*8 left/);
  await studio.click(`${row} ${byTestId('shop-pin')}`);
  await studio.waitForSelector(byTestId('shop-pinned'), { timeout: STEP_TIMEOUT_MS });

  // A viewer with coins opens the audience page: the card shows once their picture has caught up.
  const viewer = await registerAccount(server.url, { displayName: 'Vera' });
  await topUp(server.url, admin, viewer.user.userId, 100);
  const watcher = await openPage(browser, 'watch', `${server.url}/watch/${session.id}`, {
    guest: identityOf(viewer),
    viewport: { width: 360, height: 740 },
  });
  contexts.push(watcher.context);
  const watch = watcher.page;
  await watch.waitForSelector(byTestId('shop-card'), { timeout: STEP_TIMEOUT_MS });
  assert.is(await text(watch, byTestId('shop-card-title')), 'Glow lamp');
  await watch.waitForSelector(`${byTestId('shop-card-price')}[data-price="40"]`, { timeout: STEP_TIMEOUT_MS });
  await watch.waitForSelector(`${byTestId('shop-balance')}[data-balance="100"]`, { timeout: STEP_TIMEOUT_MS });
  const picture = await watch.$eval(
    `${byTestId('shop-card')} img`,
    (image) => (image as HTMLImageElement).naturalWidth,
  );
  assert.is(picture, 1, 'the picture loads');

  // The host starts a flash sale: 25 coins, a 30 s countdown (3 s here), 3 units, one per buyer.
  await studio.click(`${row} ${byTestId('shop-flash-sale')}`);
  await studio.waitForSelector(byTestId('flash-sale-dialog'), { timeout: STEP_TIMEOUT_MS });
  await typeInto(studio, byTestId('sale-price'), '25');
  await typeInto(studio, byTestId('sale-countdown'), '30');
  await typeInto(studio, byTestId('sale-units'), '3');
  await typeInto(studio, byTestId('sale-limit'), '1');
  await studio.click(byTestId('sale-start'));
  await studio.waitForSelector(`${byTestId('shop-sale')}[data-phase="countdown"]`, { timeout: STEP_TIMEOUT_MS });

  // The viewer sees the countdown, then the deal price with the list price struck through.
  await watch.waitForSelector(byTestId('shop-sale-countdown'), { timeout: STEP_TIMEOUT_MS });
  const countdown = await text(watch, byTestId('shop-sale-countdown'));
  assert.match(countdown, /Flash sale: 🪙 25 in\s+0:0\d/, countdown);
  await watch.waitForSelector(`${byTestId('shop-card-price')}[data-price="25"]`, { timeout: STEP_TIMEOUT_MS });
  assert.match(await text(watch, byTestId('shop-card-price')), /25\s*40/);
  await watch.waitForSelector(`${byTestId('shop-card-left')}[data-left="3"]`, { timeout: STEP_TIMEOUT_MS });

  // Buy one: the receipt, the balance, the units left.
  await watch.click(byTestId('shop-buy'));
  await watch.waitForSelector(byTestId('shop-receipt'), { timeout: STEP_TIMEOUT_MS });
  assert.match(await text(watch, byTestId('shop-receipt')), /Bought 1 × Glow lamp for 🪙 25/);
  await watch.waitForSelector(`${byTestId('shop-balance')}[data-balance="75"]`, { timeout: STEP_TIMEOUT_MS });
  await watch.waitForSelector(`${byTestId('shop-card-left')}[data-left="2"]`, { timeout: STEP_TIMEOUT_MS });

  // The shopping bag lists the host's products, the one on sale at its deal price.
  await watch.click(byTestId('shop-bag-open'));
  await watch.waitForSelector(byTestId('shop-bag-item'), { timeout: STEP_TIMEOUT_MS });
  assert.match(await text(watch, byTestId('shop-bag-item')), /Glow lamp\s*🪙 25 · 2 left/);

  // A second one is past the limit: refused in words, nothing charged.
  await watch.click(byTestId('shop-buy'));
  await watch.waitForSelector(byTestId('shop-problem'), { timeout: STEP_TIMEOUT_MS });
  assert.match(await text(watch, byTestId('shop-problem')), /allows 1 per buyer.*Nothing was charged/);
  assert.ok(await watch.$(`${byTestId('shop-balance')}[data-balance="75"]`));

  // The studio: the order in its list, the figures, the stock.
  await studio.waitForSelector(`${byTestId('shop-totals')}[data-orders="1"][data-revenue="25"]`, {
    timeout: STEP_TIMEOUT_MS,
  });
  assert.match(await text(studio, byTestId('shop-orders')), /Vera: 1 × Glow lamp · 🪙 25/);
  await studio.waitForFunction(
    (selector) => /7 left/.test(document.querySelector(selector)?.textContent ?? ''),
    { timeout: STEP_TIMEOUT_MS, polling: 100 },
    row,
  );
  const seen = await studio.$eval(byTestId('shop-pin-figures'), (cells) => cells.textContent ?? '');
  assert.match(seen, /Glow lamp\s*1\s*1\s*1\s*25/, `seen once, tapped once, one order (${seen})`);

  // Order pages: the buyer's purchase; the seller ships it.
  await watch.goto(`${server.url}/orders`, { waitUntil: 'load' });
  await watch.waitForSelector(`${byTestId('order-row')}[data-status="paid"]`, { timeout: STEP_TIMEOUT_MS });
  assert.match(await text(watch, byTestId('order-row')), /1 × Glow lamp.*🪙 25.*Paid/);
  const orders = await openPage(browser, 'orders', `${server.url}/orders?as=seller`, { guest: identityOf(seller) });
  contexts.push(orders.context);
  await orders.page.waitForSelector(byTestId('order-ship'), { timeout: STEP_TIMEOUT_MS });
  assert.match(await text(orders.page, byTestId('order-row')), /Vera/);
  await orders.page.click(byTestId('order-ship'));
  await orders.page.waitForSelector(`${byTestId('order-row')}[data-status="shipped"]`, { timeout: STEP_TIMEOUT_MS });
  await watch.reload({ waitUntil: 'load' });
  await watch.waitForSelector(`${byTestId('order-row')}[data-status="shipped"]`, { timeout: STEP_TIMEOUT_MS });

  // The show ends: the studio's "Show ended" page says what it sold.
  const ended = await api(server.url, 'POST', `/api/multihost/${session.id}/end`, seller.token);
  assert.is(ended.status, 200);
  await studio.waitForSelector(byTestId('ended-shop'), { timeout: STEP_TIMEOUT_MS });
  assert.match(await text(studio, byTestId('shop-total-figures')), /The show\s*1\s*1\s*1\s*25/);
});

test.run();
