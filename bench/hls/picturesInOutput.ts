// What the show's pictures cost and how fast they reach the audience: a
// backdrop uploaded (the HTTP twin of the studio's "Pictures" box) and
// removed, each timed from the upload to the first listed segment whose
// picture shows it (a spot of background at the top of the canvas, clear of
// the tiles and the logo, turns the backdrop's colour, and back); and the
// compositor's CPU with the backdrop and a logo on against without them (a
// picture slot carries a 720p key frame ~25 times a second while shown). The
// backdrop is as detailed as a photo (colour bars under grain), so its key
// frame is as large as a real one's; its size is reported.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pictureFrame } from '../../recorder/slots/pictureFrames.ts';
import { colourPng, detailedJpeg } from '../../testkit/pictureFiles.ts';
import { api } from '../../testkit/signalingClient.ts';
import { startFfmpegCpuWindow } from './recorderProcesses.ts';
import { measureSpotChange } from './changeToOutput.ts';
import { summarize, type Percentiles } from '../stats.ts';

export interface PicturesPlan {
  baseUrl: string;
  sessionId: string;
  primaryToken: string;
  mediaPlaylistUrl: string;
  canvas: { width: number; height: number };
  rounds: number;
  timeoutMs: number;
  /** The server's Node process (the compositor's parent), for its FFmpeg's CPU; none: not measured. */
  serverPid: number | undefined;
  /** Length of each CPU window. */
  cpuWindowS: number;
}

export interface PictureFigures {
  backdropToOutputMs: Percentiles | null;
  backdropRemovedToOutputMs: Percentiles | null;
  /** The compositor's FFmpeg, % of one core, over cpuWindowS each. */
  compositorCpuPct: { withoutPictures: number | null; withPictures: number | null };
  /** The backdrop's key frame (what its slot sends ~25 times a second), bytes. */
  backdropKeyFrameBytes: number | null;
  rounds: number;
  errors: string[];
}

const LOGO = colourPng('ffeb3b', 200, 100, true);

export async function measurePictures(plan: PicturesPlan): Promise<PictureFigures> {
  const backdrop = detailedJpeg(plan.canvas.width, plan.canvas.height);
  const spot = { x: Math.round(plan.canvas.width / 2) - 2, y: 8, width: 4, height: 4 };
  const route = (picture: string) => `/api/multihost/${plan.sessionId}/on-screen/${picture}`;
  const upload = async (picture: string, bytes: Buffer, type: string) => {
    const response = await fetch(`${plan.baseUrl}${route(picture)}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${plan.primaryToken}`, 'content-type': type },
      body: new Uint8Array(bytes),
    });
    const answer = (await response.json()) as { ok: boolean; error?: { message: string } };
    if (!answer.ok) throw new Error(`PUT ${picture}: ${answer.error?.message}`);
  };
  const remove = async (picture: string) => {
    const answer = await api(plan.baseUrl, 'DELETE', route(picture), plan.primaryToken);
    if (!answer.body.ok) throw new Error(`DELETE ${picture}: ${answer.body.error.message}`);
  };
  const measure = (to: 'camera' | 'background', change: () => Promise<void>) =>
    measureSpotChange({ mediaPlaylistUrl: plan.mediaPlaylistUrl, spot, to, change, timeoutMs: plan.timeoutMs });
  const cpuOver = async (): Promise<number | null> => {
    if (plan.serverPid === undefined) return null;
    const window = startFfmpegCpuWindow(plan.serverPid);
    await new Promise((resolve) => setTimeout(resolve, plan.cpuWindowS * 1000));
    return Math.round(window.stop());
  };

  const errors: string[] = [];
  const shownMs: number[] = [];
  const removedMs: number[] = [];
  const compositorCpuPct: PictureFigures['compositorCpuPct'] = { withoutPictures: null, withPictures: null };
  try {
    compositorCpuPct.withoutPictures = await cpuOver();
    for (let round = 0; round < plan.rounds; round++) {
      const shown = await measure('camera', () => upload('backdrop', backdrop, 'image/jpeg'));
      if (shown.listedMs === null) {
        errors.push(`backdrop: ${shown.error}`);
        break;
      }
      shownMs.push(shown.listedMs);
      if (round === 0) {
        await upload('logo', LOGO, 'image/png');
        compositorCpuPct.withPictures = await cpuOver();
        await remove('logo');
      }
      const removed = await measure('background', () => remove('backdrop'));
      if (removed.listedMs === null) {
        errors.push(`backdrop removed: ${removed.error}`);
        break;
      }
      removedMs.push(removed.listedMs);
    }
  } catch (error) {
    errors.push(error instanceof Error ? error.message : String(error));
  }
  return {
    backdropKeyFrameBytes: await keyFrameBytes(backdrop, plan.canvas).catch(() => null),
    backdropToOutputMs: shownMs.length > 0 ? summarize(shownMs, 0) : null,
    backdropRemovedToOutputMs: removedMs.length > 0 ? summarize(removedMs, 0) : null,
    compositorCpuPct,
    rounds: Math.min(shownMs.length, removedMs.length),
    errors,
  };
}

/** The size of the key frame the compositor makes of `picture` as a backdrop (as pictureFrames.ts makes it). */
async function keyFrameBytes(picture: Buffer, canvas: { width: number; height: number }): Promise<number> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stagecast-bench-picture-'));
  try {
    const file = path.join(dir, 'backdrop.jpg');
    fs.writeFileSync(file, picture);
    const frame = await pictureFrame(file, 'backdrop', canvas);
    return frame.payloads.reduce((sum, payload) => sum + payload.length, 0);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
