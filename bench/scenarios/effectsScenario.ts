// `effects [--hold S] [--captures 640x360@30,1280x720@30]`: what the camera
// effects cost on this machine (docs/effects.md). One Chromium studio page
// (fake camera at each capture size) hosts a session on a started server
// with the mesh off, so it publishes through the SFU and its encoder runs.
// For each effect (turned on in the studio's Effects panel, as a host
// would), after S seconds:
// - `frameMs` {p50, p95}: the pipeline's own time per frame (read, draw,
//   new frame), from the debug hook's `cameraEffects()`;
// - `processedFps`: frames the pipeline wrote per second;
// - `publishedFps`: frames per second the top simulcast layer encoded
//   (outbound RTP `framesEncoded`), against `rawPublishedFps` with no effect;
// - `scale`: the processing size the guard settled on (1 = the camera's);
// - `segmentationMs`: the background model's last run (it runs every few
//   frames; 0 when it is off or the guard turned it off).
import type { Page } from 'puppeteer-core';
import type { SendStats } from '../../signaling/protocol/index.ts';
import { launchChromium } from '../../testkit/chromium.ts';
import { createSession } from '../../testkit/sessions.ts';
import { signInGuest } from '../../testkit/signalingClient.ts';
import { byTestId, joinAsHost, openHostPage } from '../../testkit/studioPages.ts';
import type { EffectsOptions } from '../cli.ts';
import { closeBrowser, killOnExit } from '../peers/benchBrowser.ts';
import { startStagecastTarget } from '../server/targets.ts';
import { round } from '../stats.ts';
import type { RunContext } from './context.ts';
import { sleep } from './measure.ts';

/** Each case: what the panel is set to (selects and sliders), from all off. */
const CASES: { name: string; selects?: Record<string, string>; sliders?: Record<string, number> }[] = [
  { name: 'look', selects: { 'effect-look': 'vivid' } },
  { name: 'smoothing', sliders: { 'effect-smoothing': 70 } },
  { name: 'brightnessContrast', sliders: { 'effect-brightness': 15, 'effect-contrast': 20 } },
  { name: 'sticker', selects: { 'effect-sticker': 'hearts' } },
  { name: 'backgroundBlur', selects: { 'effect-background': 'blur' } },
  {
    name: 'all',
    selects: { 'effect-look': 'warm', 'effect-sticker': 'sparkles' },
    sliders: { 'effect-smoothing': 70, 'effect-brightness': 10, 'effect-contrast': 10 },
  },
];

interface CaseFigures {
  frameMs: { p50: number; p95: number };
  processedFps: number;
  publishedFps: number;
  scale: number;
  segmentationMs: number;
}

export async function runEffectsScenario(options: EffectsOptions, context: RunContext) {
  if (options.url) throw new Error('effects starts its own server (mesh off): --url is not supported');
  const { progress } = context;
  const server = await startStagecastTarget({ workers: options.workers, pin: false, env: { MESH_MAX_HOSTS: '0' } });
  const browser = await launchChromium({ niceness: 0 });
  const forgetExitHook = killOnExit(browser);
  const bySize: Record<string, { rawPublishedFps: number; cases: Record<string, CaseFigures | { error: string }> }> =
    {};
  try {
    for (const capture of options.captures) {
      const guest = await signInGuest(server.url, 'Bench host');
      const session = await createSession(server.url, guest.token, `Effects ${capture}`);
      const host = await openHostPage(browser, 'bench', `${server.url}/studio/${session.id}?capture=${capture}`, guest);
      try {
        await joinAsHost(host);
        await host.page.waitForSelector(byTestId('effects-panel'));
        progress.note(`[effects] ${capture}: the raw camera`);
        const rawPublishedFps = await publishedFps(host.page, options.holdS);
        const cases: Record<string, CaseFigures | { error: string }> = {};
        for (const effect of CASES) {
          progress.note(`[effects] ${capture}: ${effect.name}`);
          await host.page.click(byTestId('effects-off'));
          await sleep(500);
          for (const [testId, value] of Object.entries(effect.selects ?? {}))
            await host.page.select(byTestId(testId), value);
          for (const [testId, value] of Object.entries(effect.sliders ?? {})) await setSlider(host.page, testId, value);
          // The encoder settles on the new track; the figures count from the last change on.
          await sleep(1000);
          const fps = await publishedFps(host.page, options.holdS);
          const stats = await host.page.evaluate(() => window.stagecastStudio?.cameraEffects());
          cases[effect.name] = stats
            ? {
                frameMs: { p50: round(stats.frameTimes.p50), p95: round(stats.frameTimes.p95) },
                processedFps: round(stats.outputFps),
                publishedFps: fps,
                scale: stats.scale,
                segmentationMs: round(stats.segmentationMs),
              }
            : { error: 'no effects pipeline ran' };
        }
        bySize[capture] = { rawPublishedFps, cases };
      } finally {
        await host.context.close().catch(() => undefined);
      }
    }
  } finally {
    forgetExitHook();
    await closeBrowser(browser);
    await server.close();
  }
  return { params: { holdS: options.holdS, captures: options.captures }, figures: { effects: bySize } };
}

/** A range input moved the way a host drags it (the panel listens to `input`). */
async function setSlider(page: Page, testId: string, value: number): Promise<void> {
  await page.$eval(
    byTestId(testId),
    (input, to) => {
      (input as HTMLInputElement).value = String(to);
      input.dispatchEvent(new Event('input', { bubbles: true }));
    },
    value,
  );
}

/** Frames per second the camera's top simulcast layer encoded over `seconds`. */
async function publishedFps(page: Page, seconds: number): Promise<number> {
  const top = async () => {
    const sent = ((await page.evaluate(async () => (await window.stagecastStudio?.stats())?.local)) ??
      []) as SendStats[];
    const camera = sent.filter((entry) => entry.source === 'camera' && entry.kind === 'video');
    return Math.max(0, ...camera.map((entry) => entry.framesEncoded ?? 0));
  };
  const before = await top();
  const startedAt = performance.now();
  await sleep(seconds * 1000);
  const after = await top();
  return round((after - before) / ((performance.now() - startedAt) / 1000));
}
