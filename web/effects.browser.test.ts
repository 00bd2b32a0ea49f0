// Camera and voice effects end to end (docs/effects.md), in real Chromium
// with a fake camera of one known colour and a fake microphone of one known
// tone: the primary host (an account) turns on a colour look and a voice
// effect in the studio's Effects panel; the co-host decodes the changed
// picture and hears the shifted pitch, peer to peer and, after going live,
// through the SFU; the broadcast's picture shows the look. A premium look is
// bought from the panel, kept for next time (a reload comes back with it),
// and "All off" sends the raw camera and microphone again. Last, a
// background picture uploaded from the panel replaces what the
// segmentation model (loaded from this server) finds is not the person.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, ElementHandle, Page } from 'puppeteer-core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { computeLayout } from '../signaling/protocol/layoutGeometry.ts';
import type { EffectChoice } from '../signaling/protocol/index.ts';
import { registerAccount, request, type SignedInAccount } from '../testkit/accountClient.ts';
import { launchChromium } from '../testkit/chromium.ts';
import { makeAdmin, topUp } from '../testkit/coins.ts';
import { compositorRestarts } from '../testkit/compositorRestarts.ts';
import { colourDistance, frameColours, rgbOf, type Rgb } from '../testkit/frameColours.ts';
import { newestLiveSegment } from '../testkit/hlsFiles.ts';
import { colourPng } from '../testkit/pictureFiles.ts';
import { waitForMode } from '../testkit/meshPages.ts';
import { addCoHost, createSession } from '../testkit/sessions.ts';
import { signInGuest } from '../testkit/signalingClient.ts';
import { solidColourClip, toneClip } from '../testkit/solidClip.ts';
import {
  assertReceivesFrom,
  byTestId,
  joinAsHost,
  openHostPage,
  openPage,
  report,
  STEP_TIMEOUT_MS,
  type HostPage,
} from '../testkit/studioPages.ts';
import { startTestServer, type TestServer } from '../testkit/testServer.ts';
import { waitFor } from '../testkit/waitFor.ts';

const CAMERA = 'c83c28';
const BACKDROP = '2050e0';
/** What the black-and-white look makes of CAMERA: its luma (BT.709), in every channel. */
const CAMERA_GREY: Rgb = [88, 88, 88];
const TONE_HZ = 440;
/** The "Higher voice" effect's ratio. */
const PITCH_UP = 1.5;
const COLOUR_TOLERANCE = 30;
const CAPTURE = '320x180@15';
/** The broadcast's picture on a busy 2-core machine: the compositor may be restarted by its watchdog meanwhile. */
const HLS_CHANGE_TIMEOUT_MS = 60_000;

let server: TestServer;
let browser: Browser;
let removeClips: () => void;
let files: string;

test.before(async () => {
  server = await startTestServer({ MESH_MAX_HOSTS: '4' });
  const camera = solidColourClip(CAMERA);
  const tone = toneClip(TONE_HZ);
  removeClips = () => {
    camera.remove();
    tone.remove();
  };
  browser = await launchChromium({ fakeVideoFile: camera.file, fakeAudioFile: tone.file });
  files = fs.mkdtempSync(path.join(os.tmpdir(), 'stagecast-effects-'));
});

test.after(async () => {
  await browser?.close();
  await server?.close();
  removeClips?.();
  if (files) fs.rmSync(files, { recursive: true, force: true });
});

/** The average colour of the middle of `userId`'s tile as this page decodes it ([] before a frame). */
async function tileColour(page: Page, userId: string): Promise<number[]> {
  return page.evaluate((id) => {
    const video = document.querySelector<HTMLVideoElement>(`[data-testid="tile"][data-user-id="${id}"] video`);
    if (!video || video.videoWidth === 0) return [];
    const canvas = document.createElement('canvas');
    canvas.width = canvas.height = 16;
    const context = canvas.getContext('2d', { willReadFrequently: true })!;
    context.drawImage(video, video.videoWidth / 2 - 8, video.videoHeight / 2 - 8, 16, 16, 0, 0, 16, 16);
    const pixels = context.getImageData(0, 0, 16, 16).data;
    const sum = [0, 0, 0];
    for (let offset = 0; offset < pixels.length; offset += 4) {
      for (let channel = 0; channel < 3; channel++) sum[channel]! += pixels[offset + channel]!;
    }
    return sum.map((total) => Math.round(total / 256));
  }, userId);
}

async function waitForTileColour(page: Page, userId: string, expected: Rgb, what: string): Promise<void> {
  let seen: number[] = [];
  await waitFor(
    what,
    async () => {
      seen = await tileColour(page, userId);
      return seen.length === 3 && colourDistance(seen, expected) <= COLOUR_TOLERANCE ? true : undefined;
    },
    STEP_TIMEOUT_MS,
    200,
  ).catch((error: unknown) => {
    throw new Error(`${String(error)}: the tile shows ${JSON.stringify(seen)}, not ${JSON.stringify(expected)}`);
  });
}

/** The strongest frequency (Hz) of `userId`'s microphone as this page receives it, over ~1.5 s. */
async function dominantHz(page: Page, userId: string): Promise<number> {
  return page.evaluate(async (id) => {
    const audio = document.querySelector<HTMLAudioElement>(`[data-testid="remote-audio"][data-user-id="${id}"]`);
    if (!(audio?.srcObject instanceof MediaStream)) return 0;
    const context = new AudioContext();
    const analyser = new AnalyserNode(context, { fftSize: 8192, smoothingTimeConstant: 0 });
    context.createMediaStreamSource(audio.srcObject).connect(analyser);
    const levels = new Float32Array(analyser.frequencyBinCount);
    const power = new Float64Array(levels.length);
    for (let snapshot = 0; snapshot < 15; snapshot++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      analyser.getFloatFrequencyData(levels);
      levels.forEach((decibels, bin) => (power[bin]! += 10 ** (decibels / 10)));
    }
    const hzPerBin = context.sampleRate / analyser.fftSize;
    let best = 0;
    for (let bin = Math.ceil(100 / hzPerBin); bin < 2000 / hzPerBin; bin++) if (power[bin]! > power[best]!) best = bin;
    await context.close();
    return best * hzPerBin;
  }, userId);
}

async function waitForPitch(page: Page, userId: string, expectedHz: number, what: string): Promise<void> {
  let heard = 0;
  await waitFor(
    what,
    async () => {
      heard = await dominantHz(page, userId);
      return Math.abs(heard - expectedHz) <= expectedHz * 0.05 ? true : undefined;
    },
    STEP_TIMEOUT_MS,
    200,
  ).catch((error: unknown) => {
    throw new Error(`${String(error)}: the strongest frequency is ${heard.toFixed(0)} Hz, not ${expectedHz} Hz`);
  });
}

/** A studio page signed in as `account` (the identity the app keeps after signing in). */
async function openAccountStudio(name: string, url: string, account: SignedInAccount): Promise<HostPage> {
  const host = await openPage(browser, name, `${new URL(url).origin}/404-for-storage`, {});
  const now = Date.now();
  await host.page.evaluate(
    (identity) => localStorage.setItem('stagecast.identity', identity),
    JSON.stringify({
      token: account.token,
      user: { userId: account.user.userId, displayName: account.user.displayName, avatarUrl: null },
      account: { renewAt: now + 10 * 60_000, expiresAt: now + 15 * 60_000 },
    }),
  );
  await host.page.goto(url, { waitUntil: 'load' });
  return { ...host, userId: account.user.userId };
}

test('a look and a voice effect reach the co-host (mesh, then SFU) and the broadcast; a premium look is bought, kept and turned off', async () => {
  const admin = await makeAdmin(server.url, { DATA_DIR: server.dataDir });
  const ada = await registerAccount(server.url, { displayName: 'Ada' });
  await topUp(server.url, admin, ada.user.userId, 60);
  const session = await createSession(server.url, ada.token, 'Effects show');
  const grace = await signInGuest(server.url, 'Grace');
  await addCoHost(server.url, ada.token, grace, session.id);
  const studioUrl = `${server.url}/studio/${session.id}?capture=${CAPTURE}`;
  const primary = await openAccountStudio('Ada', studioUrl, ada);
  const coHost = await openHostPage(browser, 'Grace', studioUrl, grace);
  try {
    await Promise.all([joinAsHost(primary), joinAsHost(coHost)]);
    await assertReceivesFrom(coHost, [primary]);
    await waitForTileColour(coHost.page, ada.user.userId, rgbOf(CAMERA), 'the raw camera at the co-host');
    await waitForPitch(coHost.page, ada.user.userId, TONE_HZ, 'the raw tone at the co-host');

    // Peer to peer (two hosts, not live): the mesh links swap the tracks.
    await waitForMode([primary, coHost], 'mesh', STEP_TIMEOUT_MS);
    await primary.page.select(byTestId('effect-look'), 'mono');
    await waitForTileColour(
      coHost.page,
      ada.user.userId,
      CAMERA_GREY,
      'the black-and-white look at the co-host (mesh)',
    );
    await primary.page.select(byTestId('effect-voice'), 'pitch-up');
    await waitForPitch(coHost.page, ada.user.userId, TONE_HZ * PITCH_UP, 'the higher voice at the co-host (mesh)');

    // Live: the producers carry the processed tracks; the compositor shows the look.
    await primary.page.click(byTestId('go-live'));
    await waitForMode([primary, coHost], 'sfu', STEP_TIMEOUT_MS);
    await waitForTileColour(coHost.page, ada.user.userId, CAMERA_GREY, 'the look at the co-host (SFU)');
    await waitForPitch(coHost.page, ada.user.userId, TONE_HZ * PITCH_UP, 'the higher voice at the co-host (SFU)');
    const [adaTile] = computeLayout('grid', { width: 1280, height: 720 }, [ada.user.userId, grace.userId]);
    const centre = {
      x: Math.round(adaTile!.rect.x + adaTile!.rect.width / 2) - 8,
      y: Math.round(adaTile!.rect.y + adaTile!.rect.height / 2) - 8,
      width: 16,
      height: 16,
    };
    let broadcast: number[] = [];
    await waitFor(
      "the look in the broadcast's picture",
      async () => {
        const segment = await newestLiveSegment(server.url, session.id);
        if (!segment) return undefined;
        broadcast = (await frameColours(segment.init, segment.media, centre)).at(-1) ?? [];
        return broadcast.length === 3 && colourDistance(broadcast, CAMERA_GREY) <= COLOUR_TOLERANCE ? true : undefined;
      },
      HLS_CHANGE_TIMEOUT_MS,
      500,
    ).catch(async (error: unknown) => {
      // The compositor's background colour there means it had no frame of Ada's yet (a restart under load?).
      const restarts = await compositorRestarts(server.url).catch(() => undefined);
      throw new Error(
        `${String(error)}: Ada's tile in the HLS picture is ${JSON.stringify(broadcast)}; compositor restarts ${JSON.stringify(restarts)}`,
      );
    });
    report(`effects: co-host and HLS see the look; HLS tile ${JSON.stringify(broadcast)}`);

    // A premium look: locked in the list, bought from the panel, then chosen.
    assert.ok(
      await primary.page.$eval(`${byTestId('effect-look')} option[value="noir"]`, (option) => option.disabled),
      'Noir is locked before it is bought',
    );
    await primary.page.click(byTestId('effect-unlock-noir'));
    await primary.page.waitForSelector(byTestId('effects-unlocked'), { timeout: STEP_TIMEOUT_MS });
    assert.match(
      await primary.page.$eval(byTestId('effects-unlocked'), (element) => element.textContent ?? ''),
      'Noir is yours: 50 coins paid, 10 left.',
    );
    await primary.page.waitForFunction(
      () => !document.querySelector<HTMLOptionElement>('[data-testid="effect-look"] option[value="noir"]')?.disabled,
      { timeout: STEP_TIMEOUT_MS },
    );
    await primary.page.select(byTestId('effect-look'), 'noir');
    const kept = async () =>
      (await request<EffectChoice>(server.url, 'GET', '/api/stream-filters/user/choice', { token: ada.token })).body;
    await waitFor(
      'the choice kept on the server',
      async () => {
        const body = await kept();
        return body.ok && body.data.look === 'noir' && body.data.voice === 'pitch-up' ? true : undefined;
      },
      STEP_TIMEOUT_MS,
    );

    // A reload comes back with the choice (this tab rejoins at once).
    await primary.page.reload({ waitUntil: 'load' });
    await primary.page.waitForFunction(() => window.stagecastStudio?.phase() === 'joined', {
      timeout: STEP_TIMEOUT_MS,
    });
    await primary.page.waitForFunction(
      () => document.querySelector<HTMLSelectElement>('[data-testid="effect-look"]')?.value === 'noir',
      { timeout: STEP_TIMEOUT_MS },
    );
    let afterReload: number[] = [];
    await waitFor(
      'a grey picture at the co-host after the reload',
      async () => {
        afterReload = await tileColour(coHost.page, ada.user.userId);
        return afterReload.length === 3 && Math.max(...afterReload) - Math.min(...afterReload) <= 12 ? true : undefined;
      },
      STEP_TIMEOUT_MS,
      200,
    ).catch((error: unknown) => {
      throw new Error(`${String(error)}: the tile shows ${JSON.stringify(afterReload)}`);
    });
    await waitForPitch(coHost.page, ada.user.userId, TONE_HZ * PITCH_UP, 'the voice effect again after the reload');

    // All off: the raw camera and microphone again.
    await primary.page.click(byTestId('effects-off'));
    await waitForTileColour(coHost.page, ada.user.userId, rgbOf(CAMERA), 'the raw camera again at the co-host');
    await waitForPitch(coHost.page, ada.user.userId, TONE_HZ, 'the raw tone again at the co-host');
    const stats = await primary.page.evaluate(() => window.stagecastStudio?.cameraEffects());
    assert.is(stats, undefined, 'no effects pipeline runs once all are off');

    // A background picture: uploaded from the panel; the segmentation model comes from this server and,
    // finding no person in a camera of one colour, puts the picture behind everything.
    const fetched: string[] = [];
    primary.page.on('requestfinished', (finished) => fetched.push(finished.url()));
    const picture = path.join(files, 'backdrop.png');
    fs.writeFileSync(picture, colourPng(BACKDROP, 320, 180));
    const input = (await primary.page.waitForSelector(
      byTestId('effect-background-file'),
    )) as ElementHandle<HTMLInputElement>;
    await input.uploadFile(picture);
    await waitForTileColour(
      coHost.page,
      ada.user.userId,
      rgbOf(BACKDROP),
      'the background picture at the co-host',
    ).catch(async (error: unknown) => {
      const words = await primary.page.$$eval('[data-testid="effects-panel"] p', (notes) =>
        notes.map((note) => note.textContent?.trim()).join(' | '),
      );
      const now = await primary.page.evaluate(() => window.stagecastStudio?.cameraEffects());
      const own = await tileColour(primary.page, ada.user.userId);
      throw new Error(
        `${String(error)}; own preview ${JSON.stringify(own)}; the panel says: ${words || 'nothing'}; effects ${JSON.stringify(now)}`,
      );
    });
    assert.ok(
      fetched.includes(`${server.url}/effects-model/selfie_segmentation_landscape.tflite`),
      `the model from this server: ${fetched.filter((url) => url.includes('effects-model')).join(', ')}`,
    );
    assert.is(
      await primary.page.$eval(byTestId('effect-background'), (select) => (select as HTMLSelectElement).value),
      'image',
    );
    // Blurred (a camera of one colour blurs to itself), then the picture again.
    await primary.page.select(byTestId('effect-background'), 'blur');
    await waitForTileColour(coHost.page, ada.user.userId, rgbOf(CAMERA), 'the blurred background at the co-host');
    await primary.page.select(byTestId('effect-background'), 'image');
    await waitForTileColour(coHost.page, ada.user.userId, rgbOf(BACKDROP), 'the background picture again');
    const segmented = await primary.page.evaluate(() => window.stagecastStudio?.cameraEffects());
    report(`effects: background picture on; segmentation ${segmented?.segmentationMs.toFixed(0)} ms a run`);
  } finally {
    await primary.context.close().catch(() => undefined);
    await coHost.context.close().catch(() => undefined);
  }
});

test.run();
