// `mesh [--rounds R] [--browser-capture WxH@fps] [--hold S]`: small rooms of
// real Chromium studio pages (testkit/chromium.ts, fake camera and
// microphone), peer to peer against going through the SFU (docs/mesh.md).
// Two servers are started: one with MESH_MAX_HOSTS=4 (rooms of up to four
// run as a mesh) and one with MESH_MAX_HOSTS=0 (every room on the SFU), so
// the same room is measured both ways on the same machine.
//
// 1. `meshJoinToFirstFrameMs` / `sfuJoinToFirstFrameMs`, per room size 2–4:
//    every host of a fresh room presses Join at once; a sample is one host's
//    time from its Join to the first frame of one other host's camera on its
//    stage (the studio's own timing, `firstFrameAfterMs`). R rooms per size
//    and mode.
// 2. `serverWorkerCpuPct` {mesh, sfu}: the mediasoup worker's CPU (/proc)
//    over --hold seconds while a 4-host room runs, each way.
// 3. `migrationFreezeMs`: a 4-host mesh decodes; a fifth host joins and the
//    room moves to the SFU. For each of the four hosts' tiles of the three
//    others, the longest time between two frames presented on screen
//    (requestVideoFrameCallback, the debug hook's `tileFrames`) from just
//    before the join until every page receives only through the SFU: 12
//    samples per round. `previewFreezeMs`: each page's own preview (which
//    never switches) over the same time, and `migrationFreezeBeyondPreviewMs`
//    each tile's gap less its page's preview gap: what the switch itself
//    cost, apart from the page stalling as a whole. `tilesOnSfuMs`: from the join until every stage of
//    the four plays the SFU's tracks; `switchToSfuMs`: until the links are
//    closed too. `steadyFreezeMs` is the same measure over a window
//    of the same length without a switch (what two cores shared by five
//    pages cost anyway); `returnFreezeMs` the switch back to the mesh after
//    the fifth host leaves (MESH_RETURN_DELAY_MS=2000 on the started server).
import type { Browser } from 'puppeteer-core';
import type { MediaMode } from '../../signaling/protocol/index.ts';
import { launchChromium } from '../../testkit/chromium.ts';
import { cameraTileFrames, resetTileFrames, waitForVia } from '../../testkit/meshPages.ts';
import { addCoHost, createSession } from '../../testkit/sessions.ts';
import { signInGuest } from '../../testkit/signalingClient.ts';
import { joinAsHost, openHostPage, type HostPage } from '../../testkit/studioPages.ts';
import type { MeshOptions } from '../cli.ts';
import { closeBrowser, killOnExit } from '../peers/benchBrowser.ts';
import { startCpuWindow } from '../server/processStats.ts';
import { startStagecastTarget, type BenchTarget } from '../server/targets.ts';
import { round, summarize } from '../stats.ts';
import type { RunContext } from './context.ts';
import { sleep } from './measure.ts';

const ROOM_SIZES = [2, 3, 4] as const;
const RETURN_DELAY_MS = 2000;
/** Every step (first frames, a switch) is given this long. */
const STEP_TIMEOUT_MS = 45_000;

interface Room {
  pages: HostPage[];
  sessionId: string;
}

export async function runMeshScenario(options: MeshOptions, context: RunContext) {
  if (options.url) throw new Error('mesh starts its own two servers (MESH_MAX_HOSTS=4 and 0): --url is not supported');
  const { progress } = context;
  // Five pages on two cores starve each other and the SFU's congestion estimates say so: videos stay at
  // their lowest layer rather than being paused (as in the browser tests), so a switch is measured, not that.
  const started = { workers: options.workers, pin: false };
  const quality = { VIDEO_PAUSE_ON_CONGESTION: 'false' };
  const meshServer = await startStagecastTarget({
    ...started,
    env: { ...quality, MESH_MAX_HOSTS: '4', MESH_RETURN_DELAY_MS: String(RETURN_DELAY_MS) },
  });
  let sfuServer: BenchTarget | undefined;
  let browser: Browser | undefined;
  let forgetExitHook = () => undefined as void;
  try {
    sfuServer = await startStagecastTarget({ ...started, env: { ...quality, MESH_MAX_HOSTS: '0' } });
    browser = await launchChromium({ niceness: 0 });
    forgetExitHook = killOnExit(browser);
    const servers: Record<MediaMode, BenchTarget> = { mesh: meshServer, sfu: sfuServer };
    const open = (mode: MediaMode, hosts: number) =>
      openRoom(browser!, servers[mode].url, hosts, options.browserCapture);

    // --- join to first frame, and the worker's CPU --------------------------------
    const joinToFirstFrame: Record<MediaMode, Record<number, number[]>> = { mesh: {}, sfu: {} };
    const workerCpuPct: Partial<Record<MediaMode, number>> = {};
    for (const hosts of ROOM_SIZES) {
      for (let roundIndex = 0; roundIndex < options.rounds; roundIndex++) {
        for (const mode of ['mesh', 'sfu'] as const) {
          progress.note(`[mesh] ${hosts} hosts, ${mode}, room ${roundIndex + 1}/${options.rounds}`);
          const room = await open(mode, hosts);
          try {
            await Promise.all(room.pages.map((host) => joinAsHost(host)));
            const samples = await firstFrameTimes(room.pages);
            (joinToFirstFrame[mode][hosts] ??= []).push(...samples);
            if (hosts === 4 && roundIndex === 0) {
              const window = startCpuWindow(await servers[mode].workerPids());
              await sleep(options.holdS * 1000);
              workerCpuPct[mode] = round(window.stop());
            }
          } finally {
            await closeRoom(room);
          }
        }
      }
    }

    // --- the switch to the SFU and back ---------------------------------------------
    const steady: number[] = [];
    const migration: number[] = [];
    const back: number[] = [];
    const switchMs: number[] = [];
    const tilesSwitchedMs: number[] = [];
    const preview: number[] = [];
    const beyondPreview: number[] = [];
    for (let roundIndex = 0; roundIndex < options.rounds; roundIndex++) {
      progress.note(`[mesh] a fifth host joins a 4-host mesh, round ${roundIndex + 1}/${options.rounds}`);
      const room = await open('mesh', 5);
      const four = room.pages.slice(0, 4);
      const fifth = room.pages[4]!;
      try {
        await Promise.all(four.map((host) => joinAsHost(host)));
        await firstFrameTimes(four);
        await waitForVia(four, 'mesh', 3, STEP_TIMEOUT_MS);
        const startedAt = performance.now();
        await resetTileFrames(four);
        await joinAsHost(fifth);
        await waitForVia(four, 'sfu', 4, STEP_TIMEOUT_MS, true);
        tilesSwitchedMs.push(performance.now() - startedAt);
        await waitForVia(room.pages, 'sfu', 4, STEP_TIMEOUT_MS);
        const switchedAfter = performance.now() - startedAt;
        switchMs.push(switchedAfter);
        const tiles = await tileGaps(four);
        migration.push(...tiles.map((tile) => tile.gapMs));
        beyondPreview.push(...tiles.map((tile) => Math.max(0, tile.gapMs - tile.previewGapMs)));
        preview.push(...new Set(tiles.map((tile) => tile.previewGapMs)));
        // The same length of time without a switch, on the SFU now.
        await resetTileFrames(four);
        await sleep(switchedAfter);
        steady.push(...(await tileGaps(four)).map((tile) => tile.gapMs));

        await resetTileFrames(four);
        await fifth.context.close();
        await waitForVia(four, 'mesh', 3, STEP_TIMEOUT_MS);
        back.push(...(await tileGaps(four)).map((tile) => tile.gapMs));
      } finally {
        await closeRoom(room);
      }
    }

    const bySize = (samples: Record<number, number[]>) =>
      Object.fromEntries(ROOM_SIZES.map((hosts) => [hosts, summarize(samples[hosts] ?? [])]));
    return {
      params: {
        rounds: options.rounds,
        browserCapture: options.browserCapture,
        holdS: options.holdS,
        meshReturnDelayMs: RETURN_DELAY_MS,
      },
      figures: {
        meshJoinToFirstFrameMs: bySize(joinToFirstFrame.mesh),
        sfuJoinToFirstFrameMs: bySize(joinToFirstFrame.sfu),
        migrationFreezeMs: summarize(migration),
        previewFreezeMs: summarize(preview),
        migrationFreezeBeyondPreviewMs: summarize(beyondPreview),
        steadyFreezeMs: summarize(steady),
        returnFreezeMs: summarize(back),
        tilesOnSfuMs: summarize(tilesSwitchedMs),
        switchToSfuMs: summarize(switchMs),
        serverWorkerCpuPct: workerCpuPct,
        samples: { migration: migration.length, joinsPerMode: 3 * options.rounds },
      },
    };
  } finally {
    if (browser) await closeBrowser(browser);
    forgetExitHook();
    await sfuServer?.close();
    await meshServer.close();
  }
}

/** A session with `hosts` guest hosts and one studio page each (own browser context), not joined yet. */
async function openRoom(browser: Browser, url: string, hosts: number, capture: string): Promise<Room> {
  const guests = await Promise.all(Array.from({ length: hosts }, (_, index) => signInGuest(url, `Host ${index + 1}`)));
  const primary = guests[0]!;
  const session = await createSession(url, primary.token, 'Mesh bench');
  for (const guest of guests.slice(1)) await addCoHost(url, primary.token, guest, session.id);
  const pages: HostPage[] = [];
  for (const [index, guest] of guests.entries()) {
    pages.push(
      await openHostPage(browser, `host${index + 1}`, `${url}/studio/${session.id}?capture=${capture}`, guest),
    );
  }
  return { pages, sessionId: session.id };
}

async function closeRoom(room: Room): Promise<void> {
  for (const host of room.pages) await host.context.close().catch(() => undefined);
}

/** Each page's Join → first frame of each other host's camera (waits until all are there). */
async function firstFrameTimes(pages: HostPage[]): Promise<number[]> {
  const samples: number[] = [];
  for (const host of pages) {
    const others = pages.filter((other) => other !== host).map((other) => other.userId);
    const handle = await host.page.waitForFunction(
      (userIds: string[]) => {
        const times = window.stagecastStudio?.timings().firstFrameAfterMs ?? {};
        return userIds.every((userId) => userId in times) ? userIds.map((userId) => times[userId]!) : false;
      },
      { timeout: STEP_TIMEOUT_MS, polling: 100 },
      others,
    );
    samples.push(...((await handle.jsonValue()) as number[]));
  }
  return samples;
}

/**
 * Each page's tiles of the other given pages' cameras since the last reset:
 * the longest gap, and the longest gap of the page's own preview over the same
 * time (it never switches paths: a page that stalls stalls it too).
 */
async function tileGaps(pages: HostPage[]): Promise<{ gapMs: number; previewGapMs: number }[]> {
  const perPage = await Promise.all(
    pages.map(async (host) => {
      const [previewTile] = await cameraTileFrames(host, [host]);
      const remote = await cameraTileFrames(
        host,
        pages.filter((other) => other !== host),
      );
      return remote.map((tile) => ({ gapMs: tile.longestGapMs, previewGapMs: previewTile?.longestGapMs ?? 0 }));
    }),
  );
  return perPage.flat().filter((tile) => Number.isFinite(tile.gapMs));
}
