// Drives host-studio pages (and other pages of the app) in Chromium for
// browser tests: open a page per host (its own browser context: own identity,
// own fake devices), join, and check that media from other hosts arrives
// (decoded frames, audio packets).
import type { Browser, BrowserContext, Page } from 'puppeteer-core';
import * as assert from 'uvu/assert';
import type { ReceiveStats } from '../signaling/protocol/index.ts';
import type { Guest } from './signalingClient.ts';

export const STEP_TIMEOUT_MS = 20_000;

export interface HostPage {
  name: string;
  context: BrowserContext;
  page: Page;
  userId: string;
}

export function byTestId(id: string): string {
  return `[data-testid="${id}"]`;
}

export function report(line: string): void {
  process.stderr.write(`[studio] ${line}\n`);
}

export async function openHostPage(browser: Browser, name: string, url: string, guest?: Guest): Promise<HostPage> {
  return openPage(browser, name, url, { guest });
}

/** Any page of the app in its own browser context, signed in as `guest` if given (a studio-sized screen by default). */
export async function openPage(
  browser: Browser,
  name: string,
  url: string,
  { guest, viewport = { width: 1100, height: 760 } }: { guest?: Guest; viewport?: { width: number; height: number } },
): Promise<HostPage> {
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  await page.setViewport(viewport);
  page.on('pageerror', (error) => report(`${name} page error: ${String(error)}`));
  // What the page recovered from by itself (web/src/lib/warn.ts): the trace a flaky step leaves.
  page.on('console', (message) => {
    if (message.type() === 'warn' && message.text().startsWith('stagecast:')) report(`${name} ${message.text()}`);
  });
  if (guest) {
    // Signed in already: the identity the app keeps in localStorage.
    const origin = new URL(url).origin;
    await page.goto(`${origin}/404-for-storage`, { waitUntil: 'domcontentloaded' });
    await page.evaluate(
      (identity) => localStorage.setItem('stagecast.identity', identity),
      JSON.stringify({ token: guest.token, user: { userId: guest.userId, displayName: guest.displayName } }),
    );
  }
  await page.goto(url, { waitUntil: 'load' });
  return { name, context, page, userId: guest?.userId ?? '' };
}

/** Clicks Join and waits for the studio to be in the room; a failure says where the page got to. */
export async function joinAsHost(host: HostPage, timeoutMs = STEP_TIMEOUT_MS): Promise<void> {
  const { page } = host;
  await page.waitForSelector(`${byTestId('join')}:not([disabled])`, { timeout: timeoutMs });
  await page.click(byTestId('join'));
  try {
    await page.waitForFunction(() => window.stagecastStudio?.phase() === 'joined', {
      timeout: timeoutMs,
      polling: 100,
    });
  } catch (error) {
    const where = await page
      .evaluate(() => ({
        phase: window.stagecastStudio?.phase(),
        problem: document.querySelector('[role="alert"]')?.textContent?.trim(),
      }))
      .catch((reason: unknown) => ({ unreadable: String(reason) }));
    throw new Error(`${host.name} did not join within ${timeoutMs} ms: ${JSON.stringify(where)}`, { cause: error });
  }
}

export async function remoteStats(page: Page): Promise<ReceiveStats[]> {
  return page.evaluate(async () => (await window.stagecastStudio?.stats())?.remote ?? []);
}

/**
 * Media from `others` arrives at `host`: for each other host, decoded video frames and audio packets grow
 * between two samples a second apart — not necessarily in the same second for all of them, so that a page
 * starved of CPU for a moment (nine browsers on two cores) still shows every stream alive.
 * With `allowServerPausedVideo`, a video the server reports paused (`webrtc:quality-adapted`, not enough
 * bandwidth) passes too, loudly: the client consumed it, the server holds it back.
 */
export async function assertReceivesFrom(
  host: HostPage,
  others: HostPage[],
  allowServerPausedVideo = false,
  timeoutMs = STEP_TIMEOUT_MS,
): Promise<void> {
  const find = (stats: ReceiveStats[], userId: string, kind: 'audio' | 'video') =>
    stats.find((entry) => entry.userId === userId && entry.kind === kind && entry.source !== 'screen');
  const deadline = Date.now() + timeoutMs;
  const videoSeen = new Set<string>();
  const audioSeen = new Set<string>();
  let first = await remoteStats(host.page);
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const second = await remoteStats(host.page);
    for (const other of others) {
      const [videoBefore, videoAfter] = [find(first, other.userId, 'video'), find(second, other.userId, 'video')];
      const [audioBefore, audioAfter] = [find(first, other.userId, 'audio'), find(second, other.userId, 'audio')];
      if (videoBefore && videoAfter && videoAfter.framesDecoded > videoBefore.framesDecoded)
        videoSeen.add(other.userId);
      if (allowServerPausedVideo && videoAfter?.quality?.paused === true) videoSeen.add(other.userId);
      if (audioBefore && audioAfter && audioAfter.packetsReceived > audioBefore.packetsReceived) {
        audioSeen.add(other.userId);
      }
    }
    if (others.every((other) => videoSeen.has(other.userId) && audioSeen.has(other.userId))) {
      const summary = others.map((other) => {
        const video = find(second, other.userId, 'video');
        const audio = find(second, other.userId, 'audio');
        const paused = video?.quality?.paused ? ` (VIDEO PAUSED BY THE SERVER: tier ${video.quality.tier})` : '';
        return `${other.name}: ${video?.framesDecoded} frames${paused}, ${audio?.packetsReceived} audio packets`;
      });
      report(`${host.name} receives ${summary.join('; ')}`);
      return;
    }
    if (Date.now() > deadline) {
      const missing = others
        .filter((other) => !videoSeen.has(other.userId) || !audioSeen.has(other.userId))
        .map((other) => `${other.name} (video ${videoSeen.has(other.userId)}, audio ${audioSeen.has(other.userId)})`);
      assert.unreachable(`${host.name} gets no growing media from ${missing.join(', ')}: ${JSON.stringify(second)}`);
    }
    first = second;
  }
}

/**
 * First remote frame per other host, as the studio's debug hook measured it: after this host joined
 * (includes waiting for hosts who join later) and after it consumed that camera (the media path alone).
 */
export async function firstFrameTimes(
  host: HostPage,
  others: HostPage[],
): Promise<{ afterJoinMs: number[]; afterConsumeMs: number[] }> {
  const timings = await host.page.evaluate(() => window.stagecastStudio?.timings());
  return {
    afterJoinMs: others.map((other) => timings?.firstFrameAfterMs[other.userId] ?? Number.NaN),
    afterConsumeMs: others.map((other) => timings?.firstFrameAfterConsumeMs[other.userId] ?? Number.NaN),
  };
}
