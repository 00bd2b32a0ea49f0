// Links that lead nowhere: every page that is asked for something that does
// not exist says so under a heading and offers a way home, instead of a bare
// line of text.
import type { Browser } from 'puppeteer-core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { launchChromium } from '../testkit/chromium.ts';
import { startTestServer, type TestServer } from '../testkit/testServer.ts';

let server: TestServer;
let browser: Browser;

test.before(async () => {
  server = await startTestServer();
  browser = await launchChromium();
});
test.after(async () => {
  await browser?.close();
  await server?.close();
});

const deadEnds: [path: string, heading: RegExp][] = [
  ['/watch/no-such-show', /no such show/i],
  ['/vod/no-such-recording', /no such recording/i],
  ['/c/no-such-channel', /no such channel/i],
  ['/hosts/nobody/recordings', /no such host/i],
  ['/nowhere/at/all', /page not found/i],
];

for (const [path, heading] of deadEnds) {
  test(`${path}: a not-found page with a heading and a way home`, async () => {
    const page = await browser.newPage();
    try {
      await page.goto(`${server.url}${path}`, { waitUntil: 'load' });
      await page.waitForSelector('[data-testid="not-found"]', { timeout: 10_000 });
      const title = await page.$eval('[data-testid="not-found"] h1', (element) => element.textContent ?? '');
      assert.match(title, heading);
      const homeLinks = await page.$$eval('[data-testid="not-found"] a', (links) =>
        links.map((link) => new URL(link.href).pathname),
      );
      assert.ok(homeLinks.includes('/'), `links: ${homeLinks.join(', ')}`);
    } finally {
      await page.close();
    }
  });
}

test.run();
