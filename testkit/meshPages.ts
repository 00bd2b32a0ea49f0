// What the mesh's browser tests and the bench's `mesh` scenario ask of studio
// pages (through the debug hook): the room's mode as each page knows it, which
// path each page receives through, and how smoothly its tiles played.
import type { MediaMode, TileFrames } from '../signaling/protocol/index.ts';
import type { HostPage } from './studioPages.ts';

export async function modeOf(host: HostPage): Promise<MediaMode | undefined> {
  return host.page.evaluate(() => window.stagecastStudio?.mediaMode());
}

export async function waitForMode(pages: readonly HostPage[], mode: MediaMode, timeoutMs: number): Promise<void> {
  for (const host of pages) {
    await host.page.waitForFunction(
      (wanted) => window.stagecastStudio?.mediaMode() === wanted,
      {
        timeout: timeoutMs,
        polling: 100,
      },
      mode,
    );
  }
}

/**
 * Until every page receives each of `others` other hosts' camera and
 * microphone through `via` only — `shownOnly`: until its stage plays them
 * from `via` (the other path may still be open). Fails naming what a page
 * still receives.
 */
export async function waitForVia(
  pages: readonly HostPage[],
  via: MediaMode,
  others: number,
  timeoutMs: number,
  shownOnly = false,
): Promise<void> {
  for (const host of pages) {
    await host.page
      .waitForFunction(
        (wanted: MediaMode, count: number, shown: boolean) =>
          window.stagecastStudio?.stats().then(({ remote }) => {
            const considered = shown ? remote.filter((entry) => entry.shown) : remote;
            return considered.length >= count * 2 && considered.every((entry) => entry.via === wanted);
          }),
        { timeout: timeoutMs, polling: 100 },
        via,
        others,
        shownOnly,
      )
      .catch(async (error: unknown) => {
        const remote = await host.page.evaluate(async () => (await window.stagecastStudio?.stats())?.remote ?? []);
        const seen = remote.map(
          (entry) =>
            `${entry.via}:${entry.userId}:${entry.source}:${entry.framesDecoded}f:${entry.packetsReceived}p` +
            `${entry.shown ? ':shown' : ''}${entry.quality?.paused ? ':paused' : ''}`,
        );
        throw new Error(
          `${host.name} does not receive through ${via} only: ${JSON.stringify(seen)} (${String(error)})`,
        );
      });
  }
}

export async function resetTileFrames(pages: readonly HostPage[]): Promise<void> {
  await Promise.all(pages.map((host) => host.page.evaluate(() => window.stagecastStudio?.resetTileFrames())));
}

/** `host`'s tiles of the others' cameras: frames presented and the longest gap (ms) since the last reset. */
export async function cameraTileFrames(
  host: HostPage,
  others: readonly HostPage[],
): Promise<(TileFrames & { name: string })[]> {
  const frames = await host.page.evaluate(() => window.stagecastStudio?.tileFrames() ?? {});
  return others.map((other) => ({
    name: other.name,
    ...(frames[`${other.userId}:camera`] ?? {
      frames: 0,
      longestGapMs: Number.NaN,
      swaps: { ready: 0, oldEnded: 0, oldMuted: 0, timedOut: 0 },
    }),
  }));
}
