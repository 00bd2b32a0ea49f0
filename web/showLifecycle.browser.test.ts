// A show's life as its hosts and audience see it, in real Chromium pages on
// one server: a studio link to a session that does not exist says so before
// asking for a name; the primary host reloads the studio mid-show and is back
// on stage by itself while the co-host sees how long the session waits, the
// audience sees "reconnecting" (not an end) and the HLS keeps advancing;
// ending the show asks first, then shows "Show ended" with the recording's
// link, and the audience page stops counting viewers.
import type { Browser, BrowserContext, Page } from 'puppeteer-core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { SessionState, StreamStats } from '../signaling/protocol/index.ts';
import { launchChromium } from '../testkit/chromium.ts';
import { addCoHost, createSession } from '../testkit/sessions.ts';
import { api, signInGuest, type Guest } from '../testkit/signalingClient.ts';
import {
  assertReceivesFrom,
  byTestId,
  joinAsHost,
  openHostPage,
  report,
  STEP_TIMEOUT_MS,
  type HostPage,
} from '../testkit/studioPages.ts';
import { startTestServer, type TestServer } from '../testkit/testServer.ts';

const CAPTURE = '320x180@15';
/** Short, so the test waits past it; long enough for a reload and a rejoin on a busy machine. */
const GRACE_S = 8;
const LIVE_TIMEOUT_MS = 45_000;

let server: TestServer;
let browser: Browser;
const contexts: BrowserContext[] = [];

// The show the reload and end cases share.
let alice: Guest;
let primary: HostPage;
let coHost: HostPage;
let audience: Page;
let sessionId = '';

test.before(async () => {
  // 15 fps: the compositor beside three Chromium pages on two cores keeps real time (at the default 30 the
  // fresh-clone CI of 3f37b7a saw it fall 10 s behind); the encoder's speed is the bench's figure.
  server = await startTestServer({ PRIMARY_HOST_GRACE_S: String(GRACE_S), HLS_FPS: '15' });
  browser = await launchChromium();
});

test.after(async () => {
  for (const context of contexts) await context.close().catch(() => undefined);
  await browser?.close();
  await server?.close();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function sessionStatus(): Promise<string | undefined> {
  const { body } = await api<SessionState>(server.url, 'GET', `/api/multihost/${sessionId}`);
  return body.ok ? body.data.status : body.error.code;
}

async function streamStats(): Promise<StreamStats> {
  const { body } = await api<StreamStats>(server.url, 'GET', `/api/room/${sessionId}/stream/stats`);
  if (!body.ok) throw new Error(body.error.message);
  return body.data;
}

interface PlaylistSample {
  atMs: number;
  /** EXT-X-MEDIA-SEQUENCE: grows as segments slide out of the live window. */
  mediaSequence: number;
  /** The newest segment's sequence number: grows with every segment written. */
  newest: number;
}

/** The live 720p playlist as an audience's player reads it now. */
async function samplePlaylist(): Promise<PlaylistSample | undefined> {
  // Unreadable (not written yet, or the stream went away) is no sample.
  const text = await fetch(`${server.url}/media/live/${sessionId}/720p/index.m3u8`)
    .then((response) => (response.ok ? response.text() : undefined))
    .catch(() => undefined);
  if (text === undefined) return undefined;
  const match = /#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(text);
  const segments = text.split('\n').filter((line) => line.endsWith('.m4s')).length;
  if (!match || segments === 0) return undefined;
  const mediaSequence = Number(match[1]);
  return { atMs: Date.now(), mediaSequence, newest: mediaSequence + segments - 1 };
}

/**
 * A script that, in the page from now on (and in every later document when
 * installed with `evaluateOnNewDocument`), remembers the first text each test
 * id showed: a banner that is up for a second is still seen. A string, not a
 * function: the test's compiler would add helpers the page does not have.
 */
function recordSightings(ids: string[]): string {
  return `(() => {
    const ids = ${JSON.stringify(ids)};
    const seen = {};
    window.sightings = seen;
    const look = () => {
      for (const id of ids) {
        if (id in seen) continue;
        const element = document.querySelector('[data-testid="' + id + '"]');
        if (element) seen[id] = element.textContent ?? '';
      }
    };
    new MutationObserver(look).observe(document, { childList: true, subtree: true, characterData: true });
    look();
  })()`;
}

const sightings = (page: Page) =>
  page.evaluate(() => (window as unknown as { sightings?: Record<string, string> }).sightings ?? {});

async function textOf(page: Page, id: string): Promise<string> {
  return page.$eval(byTestId(id), (element) => element.textContent ?? '');
}

async function playhead(page: Page): Promise<number> {
  return page.evaluate(() => window.stagecastPlayer?.currentTime() ?? -1);
}

test('a studio link to a session that does not exist says so, without asking for a name or making a guest', async () => {
  const context = await browser.createBrowserContext();
  contexts.push(context);
  const page = await context.newPage();
  const guestRequests: string[] = [];
  page.on('request', (request) => {
    if (new URL(request.url()).pathname === '/api/auth/guest') guestRequests.push(request.method());
  });
  await page.goto(`${server.url}/studio/no-such-session`, { waitUntil: 'load' });
  await page.waitForSelector(byTestId('session-not-found'), { timeout: STEP_TIMEOUT_MS });
  assert.match(await textOf(page, 'session-not-found'), 'does not exist');
  assert.is(await page.$(byTestId('display-name')), null, 'no display name asked');
  assert.ok(await page.$(`${byTestId('home-link')}[href="/"]`), 'a way home');
  assert.equal(guestRequests, [], 'no guest identity was requested');
});

test('the primary host reloads mid-show: back on stage by itself, the show waits visibly, the HLS goes on', async () => {
  alice = await signInGuest(server.url, 'Alice');
  const bob = await signInGuest(server.url, 'Bob');
  sessionId = (await createSession(server.url, alice.token, 'Reload show')).id;
  await addCoHost(server.url, alice.token, bob, sessionId);
  const studioUrl = `${server.url}/studio/${sessionId}?capture=${CAPTURE}`;
  primary = await openHostPage(browser, 'Alice', studioUrl, alice);
  coHost = await openHostPage(browser, 'Bob', studioUrl, bob);
  contexts.push(primary.context, coHost.context);
  await joinAsHost(primary);
  await joinAsHost(coHost);

  const audienceContext = await browser.createBrowserContext();
  contexts.push(audienceContext);
  audience = await audienceContext.newPage();
  audience.on('pageerror', (error) => report(`audience page error: ${String(error)}`));
  await audience.goto(`${server.url}/watch/${sessionId}`, { waitUntil: 'load' });

  await primary.page.click(byTestId('go-live'));
  await audience.waitForSelector(byTestId('live-badge'), { timeout: STEP_TIMEOUT_MS });
  const firstSegmentDeadline = Date.now() + LIVE_TIMEOUT_MS;
  while ((await samplePlaylist()) === undefined && Date.now() < firstSegmentDeadline) await sleep(500);
  assert.ok((await samplePlaylist()) !== undefined, 'the live playlist exists');
  await assertReceivesFrom(coHost, [primary]);

  await coHost.page.evaluate(recordSightings(['host-away']));
  await audience.evaluate(recordSightings(['host-reconnecting', 'ended-badge', 'ended']));
  await primary.page.evaluateOnNewDocument(recordSightings(['prejoin', 'rejoin-countdown']));

  // The playlist is sampled all along: it must not stall while the host is away.
  const samples: PlaylistSample[] = [];
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const sample = await samplePlaylist();
      if (sample) samples.push(sample);
      await sleep(500);
    }
  })();

  // A failed step must not leave the sampler running (the process would never exit).
  try {
    await reloadAndWait(samples);
  } finally {
    sampling = false;
    await sampler;
  }
});

async function reloadAndWait(samples: PlaylistSample[]): Promise<void> {
  const reloadedAt = Date.now();
  const atReload = samples.at(-1) ?? (await samplePlaylist());
  assert.ok(atReload, 'the playlist before the reload');
  await primary.page.reload({ waitUntil: 'load' });
  await primary.page.waitForFunction(() => window.stagecastStudio?.phase() === 'joined', {
    timeout: STEP_TIMEOUT_MS,
    polling: 100,
  });
  report(`the primary host was back on stage ${((Date.now() - reloadedAt) / 1000).toFixed(1)} s after the reload`);
  const primarySaw = await sightings(primary.page);
  assert.not.ok('prejoin' in primarySaw, 'no device check after the reload');
  assert.match(primarySaw['rejoin-countdown'] ?? '', /waits for you for \d+\s+s/, 'the rejoining host sees the wait');

  // While Alice was away, Bob saw the countdown and the audience "reconnecting"; both are gone now.
  await coHost.page.waitForSelector(byTestId('host-away'), { hidden: true, timeout: STEP_TIMEOUT_MS });
  await audience.waitForSelector(byTestId('host-reconnecting'), { hidden: true, timeout: STEP_TIMEOUT_MS });
  const bobSaw = await sightings(coHost.page);
  const audienceSaw = await sightings(audience);
  report(`co-host saw: ${bobSaw['host-away']}; audience saw: ${audienceSaw['host-reconnecting']}`);
  const secondsShown = Number(/ends in\s*(\d+)/.exec(bobSaw['host-away'] ?? '')?.[1]);
  assert.ok(secondsShown > 0 && secondsShown <= GRACE_S, `the co-host sees a countdown (${bobSaw['host-away']})`);
  assert.match(audienceSaw['host-reconnecting'] ?? '', 'reconnecting', 'the audience is told the host is reconnecting');
  assert.not.ok('ended-badge' in audienceSaw || 'ended' in audienceSaw, 'the audience never saw an end');

  // Past the moment the grace period would have ended the show: still live, media flowing both ways.
  await sleep(Math.max(0, reloadedAt + GRACE_S * 1000 + 2000 - Date.now()));
  assert.is(await sessionStatus(), 'live', 'the session is still live after the grace period');
  assert.ok(await audience.$(byTestId('live-badge')), 'the audience page is still live');
  await assertReceivesFrom(coHost, [primary]);
  await assertReceivesFrom(primary, [coHost]);

  // From the reload on, a new segment at least every few seconds (they are 1 s long).
  const after = samples.filter((sample) => sample.atMs >= atReload.atMs);
  const last = after.at(-1)!;
  let longestStallMs = 0;
  let since = atReload;
  for (const sample of after) {
    if (sample.newest > since.newest) since = sample;
    else longestStallMs = Math.max(longestStallMs, sample.atMs - since.atMs);
  }
  report(
    `media sequence ${atReload.mediaSequence} → ${last.mediaSequence} (newest segment ${atReload.newest} → ` +
      `${last.newest}) over ${((last.atMs - atReload.atMs) / 1000).toFixed(1)} s; longest stall ${longestStallMs} ms`,
  );
  // The same broadcast went on (its numbering continued, it was not restarted or ended) and never paused
  // for long. How many segments a second the encoder manages is the bench's figure: on a loaded machine
  // it runs below real time, so the count is not asserted against the clock.
  assert.ok(
    // (The media sequence moves only once more segments than the window holds were made.)
    last.mediaSequence >= atReload.mediaSequence && last.newest - atReload.newest >= 3,
    `the numbering went on across the reload (${atReload.mediaSequence} → ${last.mediaSequence}, newest ${atReload.newest} → ${last.newest})`,
  );
  assert.ok(longestStallMs < 4000, `the playlist never stalled (${longestStallMs} ms without a new segment)`);
}

test('ending asks first, then shows the recording; the audience count stops; the host’s recordings are named', async () => {
  assert.ok(sessionId, 'the previous case left a live show');
  // "Leave and end" and "End session" both ask; cancelling keeps the show on air.
  await primary.page.click(byTestId('leave'));
  await primary.page.waitForSelector(byTestId('end-confirm'), { timeout: STEP_TIMEOUT_MS });
  assert.match(await textOf(primary.page, 'end-confirm'), 'Leave and end');
  // A real modal: the rest of the page is inert, focus starts inside.
  assert.ok(
    await primary.page.$eval(byTestId('end-confirm'), (dialog) => dialog.matches(':modal')),
    'the confirmation is modal',
  );
  assert.is(
    await primary.page.evaluate(() => document.activeElement?.getAttribute('data-testid')),
    'end-cancel',
    'focus starts on the safe answer',
  );
  await primary.page.click(byTestId('end-cancel'));
  await primary.page.waitForSelector(byTestId('end-confirm'), { hidden: true, timeout: STEP_TIMEOUT_MS });

  await primary.page.click(byTestId('end-session'));
  await primary.page.waitForSelector(byTestId('end-confirm'), { timeout: STEP_TIMEOUT_MS });
  const question = await textOf(primary.page, 'end-confirm');
  assert.match(question, "audience's stream ends");
  assert.match(question, 'recording is finished and kept');
  // Escape cancels, and focus goes back to the button that asked.
  await primary.page.keyboard.press('Escape');
  await primary.page.waitForSelector(byTestId('end-confirm'), { hidden: true, timeout: STEP_TIMEOUT_MS });
  assert.is(
    await primary.page.evaluate(() => document.activeElement?.getAttribute('data-testid')),
    'end-session',
    'focus is back on "End session"',
  );
  await sleep(1000);
  assert.is(await sessionStatus(), 'live', 'cancelled: still live');
  assert.is(await primary.page.evaluate(() => window.stagecastStudio?.phase()), 'joined');

  await primary.page.click(byTestId('end-session'));
  await primary.page.waitForSelector(byTestId('end-confirm-yes'), { timeout: STEP_TIMEOUT_MS });
  await primary.page.click(byTestId('end-confirm-yes'));
  await primary.page.waitForSelector(byTestId('session-ended'), { timeout: STEP_TIMEOUT_MS });
  assert.match(await textOf(primary.page, 'session-ended'), 'Show ended');
  await coHost.page.waitForSelector(byTestId('session-ended'), { timeout: STEP_TIMEOUT_MS });

  // The audience page: ended, and no viewer count any more; the server counts nobody.
  await audience.waitForSelector(byTestId('ended-badge'), { timeout: STEP_TIMEOUT_MS });
  assert.is(await audience.$(byTestId('viewer-count')), null, 'the ended page shows no viewer count');

  // The recording just made, once saved: its link opens the VOD, which plays.
  await primary.page.waitForSelector(byTestId('ended-recording-link'), { timeout: LIVE_TIMEOUT_MS });
  const stats = await streamStats();
  assert.is(stats.status, 'archived');
  assert.is(stats.viewers, 0, 'an ended stream counts no viewers');
  const recording = stats.recordings.at(-1)!;
  assert.is(recording.status, 'archived');
  assert.is(
    await primary.page.$eval(byTestId('ended-recording-link'), (link) => link.getAttribute('href')),
    `/vod/${recording.id}`,
  );
  assert.ok(await primary.page.$(`${byTestId('home-link')}[href="/"]`), 'a way home');

  // The host's recordings, under the host's name.
  await Promise.all([
    primary.page.waitForNavigation({ waitUntil: 'load' }),
    primary.page.click(byTestId('host-recordings-link')),
  ]);
  assert.is(new URL(primary.page.url()).pathname, `/hosts/${alice.userId}/recordings`);
  await primary.page.waitForFunction(
    (selector) => document.querySelector(selector)?.textContent?.includes('Recordings of Alice'),
    { timeout: STEP_TIMEOUT_MS },
    byTestId('host-recordings-title'),
  );

  await primary.page.goBack({ waitUntil: 'load' });
  await primary.page.waitForSelector(byTestId('ended-recording-link'), { timeout: STEP_TIMEOUT_MS });
  await Promise.all([
    primary.page.waitForNavigation({ waitUntil: 'load' }),
    primary.page.click(byTestId('ended-recording-link')),
  ]);
  assert.is(new URL(primary.page.url()).pathname, `/vod/${recording.id}`);
  const deadline = Date.now() + LIVE_TIMEOUT_MS;
  let start = await playhead(primary.page);
  let played = 0;
  while (played < 1 && Date.now() < deadline) {
    await sleep(500);
    const now = await playhead(primary.page);
    if (start < 0) start = now;
    played = now - start;
  }
  assert.ok(played >= 1, `the recording plays (${played.toFixed(1)} s)`);
});

test.run();
