// What tests read of a PK battle in the browser: the opponent's tile on a
// studio's battle stage decoding, and the score bar in the audience's HLS
// picture.
import { battleLayout } from '../signaling/protocol/battleLayout.ts';
import { compositorRestarts } from './compositorRestarts.ts';
import { colourDistance, frameColours, rgbOf, type Region } from './frameColours.ts';
import { newestLiveSegment } from './hlsFiles.ts';
import type { Page } from 'puppeteer-core';
import { byTestId, STEP_TIMEOUT_MS, type HostPage } from './studioPages.ts';
import { waitFor } from './waitFor.ts';

/** The opponent's tile on a battle stage shows decoded video (its element has a picture and keeps playing). */
export async function assertOpponentVideo(host: HostPage, opponent: HostPage): Promise<void> {
  const video = `${byTestId('battle-stage')} ${byTestId('tile')}[data-user-id="${opponent.userId}"] video`;
  await host.page.waitForFunction(
    (selector) => {
      const element = document.querySelector<HTMLVideoElement>(selector);
      return (
        element !== null && element.videoWidth > 0 && (element.getVideoPlaybackQuality?.().totalVideoFrames ?? 0) > 0
      );
    },
    { timeout: STEP_TIMEOUT_MS, polling: 200 },
    video,
  );
}

/** The broadcast's canvas (720p) and where the battle picture puts the score bar on it. */
const BAR = battleLayout({ width: 1280, height: 720 }, ['own'], ['opponent']).scoreBar;
export const OWN_BAR = rgbOf('ff2d6f');
export const OPPONENT_BAR = rgbOf('2d7dff');
/** Colours after H.264 and yuv420p: close, not equal. */
const SAME_COLOUR = 60;

/** A small patch of the score bar at `share` of its width. */
function barPatch(share: number): Region {
  return {
    x: BAR.x + Math.round(BAR.width * share) - 4,
    y: BAR.y + Math.round(BAR.height / 2) - 4,
    width: 8,
    height: 8,
  };
}

/**
 * How long the audience's picture may take to show a change: two compositors beside three Chromium pages on
 * the 2-core CI machine have run far behind real time (a watchdog restart then costs seconds more).
 */
const HLS_CHANGE_TIMEOUT_MS = 60_000;

/** Waits until the audience's picture of a session shows the score bar with these colours at these shares. */
export async function waitForHlsBar(
  baseUrl: string,
  sessionId: string,
  what: string,
  expected: [number, ReturnType<typeof rgbOf>][],
): Promise<void> {
  let seen: unknown[] = [];
  let seenSegment = '';
  await waitFor(
    `${what} in the HLS picture`,
    async () => {
      const segment = await newestLiveSegment(baseUrl, sessionId);
      if (!segment) return undefined;
      seenSegment = segment.name;
      seen = await Promise.all(
        expected.map(async ([share]) => (await frameColours(segment.init, segment.media, barPatch(share))).at(-1)),
      );
      return expected.every(([, colour], index) => {
        const got = seen[index] as number[] | undefined;
        return got !== undefined && colourDistance(got, colour) <= SAME_COLOUR;
      })
        ? segment.name
        : undefined;
    },
    HLS_CHANGE_TIMEOUT_MS,
    500,
  ).catch(async (error: unknown) => {
    const restarts = await compositorRestarts(baseUrl).catch(() => undefined);
    throw new Error(
      `${String(error)}; last colours ${JSON.stringify(seen)} in ${seenSegment}; compositor restarts ${JSON.stringify(restarts)}`,
    );
  });
}

async function scoreBar(page: Page, within: string): Promise<{ own: number; opponent: number }> {
  return page.$eval(`${byTestId(within)} ${byTestId('score-bar')}`, (bar) => ({
    own: Number(bar.getAttribute('data-own-score')),
    opponent: Number(bar.getAttribute('data-opponent-score')),
  }));
}

/** The score bar inside `within` (a test id) shows these scores. */
export async function waitForScores(page: Page, within: string, own: number, opponent: number): Promise<void> {
  await page
    .waitForFunction(
      (selector, wantOwn, wantOpponent) => {
        const bar = document.querySelector(selector);
        return (
          bar?.getAttribute('data-own-score') === String(wantOwn) &&
          bar.getAttribute('data-opponent-score') === String(wantOpponent)
        );
      },
      { timeout: STEP_TIMEOUT_MS, polling: 100 },
      `${byTestId(within)} ${byTestId('score-bar')}`,
      own,
      opponent,
    )
    .catch(async (error: unknown) => {
      throw new Error(
        `${within}: score bar ${JSON.stringify(await scoreBar(page, within))}, wanted ${own}–${opponent}`,
        {
          cause: error,
        },
      );
    });
}
