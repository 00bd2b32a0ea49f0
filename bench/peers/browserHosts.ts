// Real Chromium hosts for `rooms --browsers N`: studio pages of the bench's
// session that join beside the synthetic hosts and say what a browser makes
// of the media — frames decoded, frame rate and freezes per remote camera,
// from Chrome's inbound-rtp stats. Debian's Chromium with a fake camera and
// microphone (testkit/chromium.ts; never a downloaded browser), one browser
// context per host. Closed at the end, and the browser killed by its pid.
import fs from 'node:fs';
import type { Browser } from 'puppeteer-core';
import { launchChromium } from '../../testkit/chromium.ts';
import { joinAsHost, openHostPage, type HostPage } from '../../testkit/studioPages.ts';
import { processCpuSeconds } from '../server/processStats.ts';
import { closeBrowser, identityOf, killOnExit } from './benchBrowser.ts';
import type { PageSample } from './browserFigures.ts';

export interface BrowserHostPlan {
  label: string;
  /** An identity token of a host of the session (a guest the bench signed in). */
  token: string;
}

/** A page's answer is awaited at most this long (a page starved of CPU answers late, a wedged one never). */
const PAGE_ANSWER_TIMEOUT_MS = 10_000;
/**
 * How long a page may take to join. All pages press Join at once, and on a
 * small machine eight of them starve each other: they get there, late (the
 * join time is in the figures), and a page still not in by then has failed.
 */
const JOIN_TIMEOUT_MS = 60_000;
/** Closing Chromium politely gets this long before its process is killed. */
const CLOSE_GRACE_MS = 5000;

/**
 * Keeps every RTCPeerConnection the page creates, so the bench can read
 * their stats. Installed before joining (the studio creates its transports'
 * connections on Join) and for any later document of the page. A string,
 * not a function: the bench runs through tsx, whose compiled functions may
 * call helpers that do not exist in the page.
 */
const RECORD_PEER_CONNECTIONS = `(() => {
  if (window.__stagecastBenchConnections) return;
  const connections = [];
  window.__stagecastBenchConnections = connections;
  const Native = window.RTCPeerConnection;
  window.RTCPeerConnection = class extends Native {
    constructor(...args) {
      super(...args);
      connections.push(this);
    }
  };
})()`;

/** Every remote camera's inbound-rtp, named after its consumer and host (debug hook), plus the studio's timings. */
const SAMPLE_REMOTE_VIDEOS = `(async () => {
  const hook = window.stagecastStudio;
  const remote = hook ? (await hook.stats()).remote : [];
  const userIdByConsumerId = new Map(remote.map((entry) => [entry.consumerId, entry.userId]));
  const videos = [];
  for (const connection of window.__stagecastBenchConnections ?? []) {
    if (connection.connectionState === 'closed') continue;
    (await connection.getStats()).forEach((entry) => {
      if (entry.type !== 'inbound-rtp' || entry.kind !== 'video') return;
      const userId = userIdByConsumerId.get(entry.trackIdentifier);
      if (userId === undefined) return; // mediasoup-client's bandwidth probe, or a consumer already gone
      videos.push({
        consumerId: entry.trackIdentifier,
        userId,
        framesDecoded: entry.framesDecoded ?? 0,
        framesDropped: entry.framesDropped ?? 0,
        freezeCount: entry.freezeCount ?? 0,
        totalFreezesDurationS: entry.totalFreezesDuration ?? 0,
        frameHeight: entry.frameHeight ?? null,
      });
    });
  }
  const timings = hook ? hook.timings() : undefined;
  return { videos, firstFrameAfterJoinMs: timings ? timings.firstFrameAfterMs : {} };
})()`;

export class BrowserHosts {
  readonly #browser: Browser;
  readonly #pages: { label: string; host: HostPage }[];
  readonly #joinedLabels = new Set<string>();
  readonly #forgetExitHook: () => void;
  readonly capture: string;
  /** Why pages failed to join, one entry per page. */
  readonly joinErrors: string[] = [];

  /** Launches Chromium and opens one studio page per plan, signed in and ready to join. */
  static async open(
    url: string,
    sessionId: string,
    plans: readonly BrowserHostPlan[],
    capture: string,
  ): Promise<BrowserHosts> {
    const browser = await launchChromium({ niceness: 0 });
    const forgetExitHook = killOnExit(browser);
    const pages: { label: string; host: HostPage }[] = [];
    try {
      // One after another: each page loads the app and a fake camera.
      for (const plan of plans) {
        const host = await openHostPage(browser, plan.label, `${url}/studio/${sessionId}?capture=${capture}`, {
          token: plan.token,
          ...identityOf(plan.token, 'bench browser'),
        });
        await host.page.evaluateOnNewDocument(RECORD_PEER_CONNECTIONS);
        await host.page.evaluate(RECORD_PEER_CONNECTIONS);
        pages.push({ label: plan.label, host });
      }
    } catch (error) {
      await closeBrowser(browser);
      forgetExitHook();
      throw error;
    }
    return new BrowserHosts(browser, pages, forgetExitHook, capture);
  }

  private constructor(
    browser: Browser,
    pages: { label: string; host: HostPage }[],
    forgetExitHook: () => void,
    capture: string,
  ) {
    this.#browser = browser;
    this.#pages = pages;
    this.#forgetExitHook = forgetExitHook;
    this.capture = capture;
  }

  get count(): number {
    return this.#pages.length;
  }

  get joined(): number {
    return this.#joinedLabels.size;
  }

  /** Presses Join on every page; a page that fails is counted in `joinErrors`, not thrown. */
  async join(): Promise<void> {
    await Promise.all(
      this.#pages.map(async ({ label, host }) => {
        try {
          await joinAsHost(host, JOIN_TIMEOUT_MS);
          this.#joinedLabels.add(label);
        } catch (error) {
          this.joinErrors.push(`${label}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
        }
      }),
    );
  }

  /** Remote cameras of the joined pages, as Chrome reports them now. */
  async sample(): Promise<PageSample[]> {
    const joined = this.#pages.filter(({ label }) => this.#joinedLabels.has(label));
    const samples = await Promise.all(
      joined.map(async ({ label, host }) => {
        const answer = await withTimeout(
          host.page.evaluate(SAMPLE_REMOTE_VIDEOS) as Promise<Omit<PageSample, 'label' | 'atMs'>>,
          PAGE_ANSWER_TIMEOUT_MS,
        ).catch(() => undefined);
        return answer ? { label, atMs: performance.now(), ...answer } : undefined;
      }),
    );
    return samples.filter((sample) => sample !== undefined);
  }

  /** True when every joined page has decoded frames from `remotesPerPage` remote cameras. */
  async allDecoding(remotesPerPage: number): Promise<boolean> {
    const samples = await this.sample();
    return (
      samples.length === this.joined &&
      samples.every((page) => page.videos.filter((video) => video.framesDecoded > 0).length >= remotesPerPage)
    );
  }

  /** CPU seconds Chromium's processes have used (the browser and its descendants alive now). */
  cpuSeconds(): number | undefined {
    const pid = this.#browser.process()?.pid;
    if (pid === undefined) return undefined;
    let seconds = 0;
    for (const member of processTree(pid)) seconds += processCpuSeconds(member) ?? 0;
    return seconds;
  }

  /** Closes the pages and the browser; kills Chromium by its pid if it does not go. */
  async close(): Promise<void> {
    for (const { host } of this.#pages) await withTimeout(host.context.close(), CLOSE_GRACE_MS).catch(() => undefined);
    await closeBrowser(this.#browser);
    this.#forgetExitHook();
  }
}

/** `root` and every process descending from it, from /proc. */
function processTree(root: number): number[] {
  const childrenByParent = new Map<number, number[]>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    // Fields after the command name (in parentheses, may hold spaces): state, ppid, …
    const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    const children = childrenByParent.get(parent) ?? [];
    children.push(Number(entry));
    childrenByParent.set(parent, children);
  }
  const tree: number[] = [];
  const pending = [root];
  while (pending.length > 0) {
    const pid = pending.pop()!;
    tree.push(pid);
    pending.push(...(childrenByParent.get(pid) ?? []));
  }
  return tree;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
