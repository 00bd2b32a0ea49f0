// Proves the browser rig: Debian Chromium with a fake camera and microphone
// opens the app served by a real Stagecast node.
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

test('the home page loads, reports its title and reaches the server over Socket.io', async () => {
  const page = await browser.newPage();
  await page.goto(server.url, { waitUntil: 'load' });
  assert.is(await page.title(), 'Stagecast');
  const status = await page.waitForFunction(
    () => {
      const text = document.querySelector('[data-testid="server-status"]')?.textContent ?? '';
      return /media worker/.test(text) ? text : undefined;
    },
    { timeout: 10_000 },
  );
  assert.match(String(await status.jsonValue()), /1 media worker live/);
});

test('the fake camera and microphone produce a playing preview', async () => {
  const page = await browser.newPage();
  await page.goto(server.url, { waitUntil: 'load' });
  await page.click('[data-testid="check-devices"]');
  await page.waitForSelector('[data-testid="preview"]', { timeout: 10_000 });
  // Frames are decoded once the video knows its size and time advances.
  await page.waitForFunction(
    () => {
      const video = document.querySelector<HTMLVideoElement>('[data-testid="preview"]');
      return video !== null && video.videoWidth > 0 && video.currentTime > 0.2;
    },
    { timeout: 10_000 },
  );
  const tracks = await page.$eval('[data-testid="tracks"]', (element) => element.textContent ?? '');
  assert.match(tracks, /1 camera · 1 microphone/);
});

test.run();
