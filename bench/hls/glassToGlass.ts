// Glass-to-glass latency of the audience path, read from pictures. A real
// Chromium studio page joins the session as a host with a camera that paints
// its own capture time (Date.now()) as 8 × 6 black/white blocks: 40 bits of
// time and an 8-bit check, large enough to survive VP8, the recorder's
// scaling and H.264. A Chromium audience page (/watch/:sessionId, hls.js)
// plays the live HLS; for every frame it shows (requestVideoFrameCallback) it
// reads the blocks back from that host's tile and subtracts the painted time
// from the frame's display time. Both pages run on this machine, one clock.
// Page code is given as strings: the bench runs through tsx, whose compiled
// functions may call helpers that do not exist in a page.
import type { Browser, Page } from 'puppeteer-core';
import { launchChromium } from '../../testkit/chromium.ts';
import { joinAsHost, STEP_TIMEOUT_MS } from '../../testkit/studioPages.ts';
import { closeBrowser, identityOf, killOnExit } from '../peers/benchBrowser.ts';
import { summarize, type Percentiles } from '../stats.ts';
import type { Rect } from './tileGeometry.ts';

/** Blocks of the time code: 5 bytes of time (ms, low 40 bits) + 1 check byte = 48 bits. */
const COLUMNS = 8;
const ROWS = 6;
/** The time camera's canvas (16:9 like a camera, so it fills its tile). */
const CAMERA_WIDTH = 640;
const CAMERA_HEIGHT = 360;
/** Readings kept in the audience page between two collections. */
const MAX_PAGE_SAMPLES = 20_000;

/**
 * Installed before the studio loads: getUserMedia gives the time-painting
 * canvas and a silent microphone (Chromium's fake one beeps every second,
 * which the A/V analysis of the marks host would hear as beeps of its own).
 */
const TIME_CAMERA_SCRIPT = `(() => {
  if (!navigator.mediaDevices || window.__stagecastTimeCamera) return;
  window.__stagecastTimeCamera = true;
  const COLUMNS = ${COLUMNS}, ROWS = ${ROWS}, WIDTH = ${CAMERA_WIDTH}, HEIGHT = ${CAMERA_HEIGHT};
  const silence = () => {
    const audio = new AudioContext();
    const destination = audio.createMediaStreamDestination();
    const gain = audio.createGain();
    gain.gain.value = 0;
    const oscillator = audio.createOscillator();
    oscillator.connect(gain).connect(destination);
    oscillator.start();
    return destination.stream.getAudioTracks()[0];
  };
  const canvas = document.createElement('canvas');
  canvas.width = WIDTH;
  canvas.height = HEIGHT;
  const context = canvas.getContext('2d');
  const paint = () => {
    const now = Date.now();
    let rest = now % 2 ** 40;
    const bytes = [];
    for (let i = 0; i < 5; i++) { bytes.push(rest % 256); rest = Math.floor(rest / 256); }
    bytes.push((bytes.reduce((sum, byte) => sum + byte, 0) % 256) ^ 0xa5);
    const blockWidth = WIDTH / COLUMNS, blockHeight = HEIGHT / ROWS;
    for (let bit = 0; bit < COLUMNS * ROWS; bit++) {
      const on = (bytes[Math.floor(bit / 8)] >> (7 - (bit % 8))) & 1;
      context.fillStyle = on ? '#ffffff' : '#000000';
      context.fillRect((bit % COLUMNS) * blockWidth, Math.floor(bit / COLUMNS) * blockHeight, Math.ceil(blockWidth), Math.ceil(blockHeight));
    }
  };
  paint();
  setInterval(paint, 1000 / 30);
  navigator.mediaDevices.getUserMedia = async (constraints) => {
    const tracks = [];
    if (constraints && constraints.audio) tracks.push(silence());
    if (constraints && constraints.video) tracks.push(canvas.captureStream(30).getVideoTracks()[0]);
    return new MediaStream(tracks);
  };
})()`;

/** Reads the time code from every frame the audience page shows, in `region` (canvas coordinates of `canvasWidth`). */
function timeReaderScript(region: Rect, canvasWidth: number): string {
  return `(() => {
  const COLUMNS = ${COLUMNS}, ROWS = ${ROWS}, REGION = ${JSON.stringify(region)}, CANVAS_WIDTH = ${canvasWidth};
  const samples = [];
  const state = { samples, frames: 0, failures: 0, lastValue: -1 };
  window.__stagecastGlass = state;
  const scratch = document.createElement('canvas');
  const context = scratch.getContext('2d', { willReadFrequently: true });
  const read = (video, displayedAt) => {
    const scale = video.videoWidth / CANVAS_WIDTH;
    if (!scale) return;
    const x = Math.round(REGION.x * scale), y = Math.round(REGION.y * scale);
    const width = Math.round(REGION.width * scale), height = Math.round(REGION.height * scale);
    scratch.width = width;
    scratch.height = height;
    context.drawImage(video, x, y, width, height, 0, 0, width, height);
    const pixels = context.getImageData(0, 0, width, height).data;
    const blockWidth = width / COLUMNS, blockHeight = height / ROWS;
    const bytes = [0, 0, 0, 0, 0, 0];
    for (let bit = 0; bit < COLUMNS * ROWS; bit++) {
      // The middle half of each block: its edges are where compression smears.
      const x0 = Math.floor((bit % COLUMNS) * blockWidth + blockWidth / 4);
      const y0 = Math.floor(Math.floor(bit / COLUMNS) * blockHeight + blockHeight / 4);
      let sum = 0, count = 0;
      for (let py = y0; py < y0 + blockHeight / 2; py += 2) {
        for (let px = x0; px < x0 + blockWidth / 2; px += 2) {
          const at = (py * width + px) * 4;
          sum += pixels[at] + pixels[at + 1] + pixels[at + 2];
          count += 3;
        }
      }
      if (count > 0 && sum / count > 128) bytes[Math.floor(bit / 8)] |= 1 << (7 - (bit % 8));
    }
    state.frames++;
    const check = (bytes.slice(0, 5).reduce((total, byte) => total + byte, 0) % 256) ^ 0xa5;
    if (check !== bytes[5]) { state.failures++; return; }
    let low = 0;
    for (let i = 4; i >= 0; i--) low = low * 256 + bytes[i];
    if (low === state.lastValue) return; // the same painted frame shown again
    state.lastValue = low;
    const cycle = 2 ** 40;
    let painted = displayedAt - (displayedAt % cycle) + low;
    if (painted > displayedAt + 60000) painted -= cycle;
    if (samples.length < ${MAX_PAGE_SAMPLES}) samples.push(displayedAt - painted);
  };
  const attach = () => {
    const video = document.querySelector('[data-testid="watch-video"]');
    if (!video || !video.requestVideoFrameCallback) return setTimeout(attach, 200);
    const onFrame = (_now, metadata) => {
      try { read(video, performance.timeOrigin + metadata.expectedDisplayTime); } catch (error) { state.error = String(error); }
      video.requestVideoFrameCallback(onFrame);
    };
    video.requestVideoFrameCallback(onFrame);
  };
  attach();
})()`;
}

export interface GlassToGlassRun {
  /** Painted → displayed, per distinct painted frame read back; null without readings. */
  latencyMs: Percentiles | null;
  samples: number;
  /** The same per phase of the run (`phase()`), e.g. without and with the viewer crowd. */
  byPhase: Record<string, { latencyMs: Percentiles | null; samples: number }>;
  /** Audience frames read, and those whose check byte failed (mid-transition or smeared). */
  framesRead: number;
  unreadableFrames: number;
  /** hls.js's own idea of its distance from the live edge at the end, seconds. */
  playerLatencyS: number | null;
  /** The page played the low-latency playlist (null: no player). */
  playerLowLatency: boolean | null;
  /** hls.js fatal errors on the audience page. */
  playerFatalErrors: number | null;
  error?: string;
}

interface PageState {
  samples: number[];
  frames: number;
  failures: number;
  error?: string;
}

/** Which playlist an audience page plays: the low-latency one (the default) or the plain one (`?ll=0`). */
export type AudienceVariant = 'lowLatency' | 'plain';

/** One audience page's readings. */
class AudienceReadings {
  readonly samples: number[] = [];
  readonly samplesByPhase = new Map<string, number[]>();
  frames = 0;
  failures = 0;
  error: string | undefined;

  constructor(readonly page: Page) {}
}

export class GlassToGlass {
  readonly #browser: Browser;
  readonly #forgetExitHook: () => void;
  readonly #url: string;
  readonly #sessionId: string;
  readonly hostUserId: string;
  readonly #audiences = new Map<AudienceVariant, AudienceReadings>();
  #phase = 'start';

  /** Launches Chromium, opens the studio as the host of `token` with the time camera, and joins. */
  static async join(url: string, sessionId: string, token: string): Promise<GlassToGlass> {
    const browser = await launchChromium({ niceness: 0 });
    const forgetExitHook = killOnExit(browser);
    try {
      const identity = identityOf(token, 'bench glass');
      const context = await browser.createBrowserContext();
      const page = await context.newPage();
      await page.setViewport({ width: 1000, height: 700 });
      await page.evaluateOnNewDocument(TIME_CAMERA_SCRIPT);
      // Signed in already: the identity the studio keeps in localStorage.
      await page.goto(`${url}/404-for-storage`, { waitUntil: 'domcontentloaded' });
      await page.evaluate(
        (stored) => localStorage.setItem('stagecast.identity', stored),
        JSON.stringify({ token, user: identity }),
      );
      await page.goto(`${url}/studio/${sessionId}?capture=${CAMERA_WIDTH}x${CAMERA_HEIGHT}@30`, { waitUntil: 'load' });
      await joinAsHost({ name: 'glass host', context, page, userId: identity.userId });
      return new GlassToGlass(browser, forgetExitHook, url, sessionId, identity.userId);
    } catch (error) {
      await closeBrowser(browser);
      forgetExitHook();
      throw error;
    }
  }

  private constructor(
    browser: Browser,
    forgetExitHook: () => void,
    url: string,
    sessionId: string,
    hostUserId: string,
  ) {
    this.#browser = browser;
    this.#forgetExitHook = forgetExitHook;
    this.#url = url;
    this.#sessionId = sessionId;
    this.hostUserId = hostUserId;
  }

  /**
   * Opens an audience page playing `variant` and reads the time code from `region` of the composed
   * picture (`canvasWidth` wide). Several variants can watch at once, each read on its own.
   */
  async watch(region: Rect, canvasWidth: number, variant: AudienceVariant = 'lowLatency'): Promise<void> {
    const context = await this.#browser.createBrowserContext();
    const page = await context.newPage();
    await page.setViewport({ width: 1280, height: 800 });
    const readings = new AudienceReadings(page);
    page.on('pageerror', (error) => (readings.error ??= `audience page: ${String(error)}`));
    await page.goto(`${this.#url}/watch/${this.#sessionId}${variant === 'plain' ? '?ll=0' : ''}`, {
      waitUntil: 'load',
    });
    await page.waitForSelector('[data-testid="watch-video"]', { timeout: STEP_TIMEOUT_MS });
    await page.evaluate(timeReaderScript(region, canvasWidth));
    this.#audiences.set(variant, readings);
  }

  /** Moves the pages' readings here (call now and then: a page keeps a bounded number). */
  async collect(): Promise<void> {
    for (const readings of this.#audiences.values()) {
      const state = (await readings.page
        .evaluate(
          `(() => {
        const state = window.__stagecastGlass;
        if (!state) return undefined;
        const taken = { samples: state.samples.splice(0), frames: state.frames, failures: state.failures, error: state.error };
        return taken;
      })()`,
        )
        .catch(() => undefined)) as PageState | undefined;
      if (!state) continue;
      readings.samples.push(...state.samples);
      const phase = readings.samplesByPhase.get(this.#phase) ?? [];
      phase.push(...state.samples);
      readings.samplesByPhase.set(this.#phase, phase);
      readings.frames = state.frames;
      readings.failures = state.failures;
      if (state.error) readings.error ??= state.error;
    }
  }

  /** Readings collected from now on count for `name` (what was read so far goes to the phase before). */
  async phase(name: string): Promise<void> {
    await this.collect();
    this.#phase = name;
  }

  /** The readings of `variant`'s page (an empty run if it was never opened). */
  async result(variant: AudienceVariant = 'lowLatency'): Promise<GlassToGlassRun> {
    await this.collect();
    const readings = this.#audiences.get(variant);
    const player = readings
      ? ((await readings.page
          .evaluate(
            `(() => window.stagecastPlayer ? { latency: window.stagecastPlayer.latency(), fatal: window.stagecastPlayer.fatalErrors(), lowLatency: window.stagecastPlayer.lowLatency() } : undefined)()`,
          )
          .catch(() => undefined)) as { latency: number; fatal: number; lowLatency: boolean } | undefined)
      : undefined;
    const samples = readings?.samples ?? [];
    const error = readings ? readings.error : `no ${variant} audience page`;
    return {
      latencyMs: samples.length > 0 ? summarize(samples, 0) : null,
      samples: samples.length,
      byPhase: Object.fromEntries(
        [...(readings?.samplesByPhase ?? [])].map(([name, phaseSamples]) => [
          name,
          { latencyMs: phaseSamples.length > 0 ? summarize(phaseSamples, 0) : null, samples: phaseSamples.length },
        ]),
      ),
      framesRead: readings?.frames ?? 0,
      unreadableFrames: readings?.failures ?? 0,
      playerLatencyS: player && Number.isFinite(player.latency) ? Math.round(player.latency * 100) / 100 : null,
      playerFatalErrors: player ? player.fatal : null,
      playerLowLatency: player ? player.lowLatency : null,
      ...(error ? { error } : {}),
    };
  }

  /** Closes the pages and Chromium; kills it by its pid if it does not go. */
  async close(): Promise<void> {
    await closeBrowser(this.#browser);
    this.#forgetExitHook();
  }
}
