// How long the producer's desk takes to reach the audience: a host taken off
// air (backstage) and put back, and a banner shown and hidden, each timed
// from the control (the HTTP twins of the studio's `multihost:set-on-air`
// and `multihost:set-on-screen`) to the first listed segment whose picture
// shows it. Grid layout, two hosts on air: off air, the primary host's
// camera fills the picture and covers the gap between the two tiles; back on
// air, the gap is background again. The banner's box covers background
// under the two letterboxed cameras. Rounds alternate, each starting from the
// picture the previous one was seen to reach.
import { api } from '../../testkit/signalingClient.ts';
import { summarize, type Percentiles } from '../stats.ts';
import { onScreenGeometry } from '../../signaling/protocol/onScreen.ts';
import { gapCoveredBy, measureSpotChange, type ChangeToOutput } from './changeToOutput.ts';
import type { CompositionLayout } from './tileGeometry.ts';

export interface OnAirPlan {
  baseUrl: string;
  sessionId: string;
  primaryToken: string;
  primaryHostId: string;
  /** The host moved off air and back. */
  otherHostId: string;
  mediaPlaylistUrl: string;
  canvas: { width: number; height: number };
  rounds: number;
  timeoutMs: number;
}

export interface OnAirFigures {
  offAirToOutputMs: Percentiles | null;
  onAirToOutputMs: Percentiles | null;
  bannerToOutputMs: Percentiles | null;
  bannerHiddenToOutputMs: Percentiles | null;
  rounds: number;
  errors: string[];
}

export async function measureOnAirToOutput(plan: OnAirPlan): Promise<OnAirFigures> {
  const both: CompositionLayout = {
    kind: 'grid',
    focusHostId: plan.primaryHostId,
    hostIds: [plan.primaryHostId, plan.otherHostId],
  };
  const alone: CompositionLayout = { ...both, hostIds: [plan.primaryHostId] };
  const spot = gapCoveredBy(plan.canvas, both, alone);
  if (!spot) return nothing('no gap to watch');
  const put = async (path: string, body: unknown) => {
    const answer = await api(plan.baseUrl, 'PUT', `/api/multihost/${plan.sessionId}/${path}`, plan.primaryToken, body);
    if (!answer.body.ok) throw new Error(`PUT ${path}: ${answer.body.error.message}`);
  };
  const measure = (to: 'camera' | 'background', change: () => Promise<void>): Promise<ChangeToOutput> =>
    measureSpotChange({ mediaPlaylistUrl: plan.mediaPlaylistUrl, spot, to, change, timeoutMs: plan.timeoutMs });

  const errors: string[] = [];
  // From any layout to the grid of both, seen in the output (not timed).
  const start = await measure('background', () => put('layout', { layout: 'grid' }));
  if (start.listedMs === null) return nothing(start.error!);
  const offMs: number[] = [];
  const onMs: number[] = [];
  const bannerMs: number[] = [];
  const hiddenMs: number[] = [];
  const { banner } = onScreenGeometry(plan.canvas);
  const bannerSpot = { x: banner.x + 4, y: banner.y + 4, width: 4, height: 4 };
  const bannerChange = (to: 'camera' | 'background', text: string | null) =>
    measureSpotChange({
      mediaPlaylistUrl: plan.mediaPlaylistUrl,
      spot: bannerSpot,
      to,
      change: () => put('on-screen', { banner: text }),
      timeoutMs: plan.timeoutMs,
    });
  for (let round = 0; round < plan.rounds; round++) {
    const shown = await bannerChange('camera', `Round ${round + 1}`);
    if (shown.listedMs === null) {
      errors.push(`banner: ${shown.error}`);
      break;
    }
    bannerMs.push(shown.listedMs);
    const hidden = await bannerChange('background', null);
    if (hidden.listedMs === null) {
      errors.push(`banner hidden: ${hidden.error}`);
      break;
    }
    hiddenMs.push(hidden.listedMs);
    const off = await measure('camera', () => put(`hosts/${plan.otherHostId}/on-air`, { onAir: false }));
    if (off.listedMs === null) {
      errors.push(`off air: ${off.error}`);
      break;
    }
    offMs.push(off.listedMs);
    const on = await measure('background', () => put(`hosts/${plan.otherHostId}/on-air`, { onAir: true }));
    if (on.listedMs === null) {
      errors.push(`on air: ${on.error}`);
      break;
    }
    onMs.push(on.listedMs);
  }
  return {
    offAirToOutputMs: offMs.length > 0 ? summarize(offMs, 0) : null,
    onAirToOutputMs: onMs.length > 0 ? summarize(onMs, 0) : null,
    bannerToOutputMs: bannerMs.length > 0 ? summarize(bannerMs, 0) : null,
    bannerHiddenToOutputMs: hiddenMs.length > 0 ? summarize(hiddenMs, 0) : null,
    rounds: Math.min(offMs.length, onMs.length),
    errors,
  };
}

/** The figures of a measure that could not run, with why. */
export function nothing(error: string): OnAirFigures {
  return {
    offAirToOutputMs: null,
    onAirToOutputMs: null,
    bannerToOutputMs: null,
    bannerHiddenToOutputMs: null,
    rounds: 0,
    errors: [error],
  };
}
