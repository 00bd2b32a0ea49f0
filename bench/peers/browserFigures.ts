// What the real Chromium hosts of a `rooms --browsers N` run decoded, from
// two samples of Chrome's inbound-rtp stats (window start and end): frames,
// frame rate and freezes per remote camera. Pure, so tests call it directly.
import { round, summarize, type Percentiles } from '../stats.ts';

/** One remote camera as one page's RTCPeerConnection reports it (inbound-rtp, kind video). */
export interface RemoteVideoSample {
  /** The consumer the track belongs to (mediasoup-client names the track after it). */
  consumerId: string;
  /** The remote host, from the studio's debug hook. */
  userId: string;
  framesDecoded: number;
  framesDropped: number;
  /** Chrome's freeze detection: a frame interval over max(3 × mean, mean + 150 ms). */
  freezeCount: number;
  totalFreezesDurationS: number;
  frameHeight: number | null;
}

export interface PageSample {
  label: string;
  /** performance.now() when the page answered. */
  atMs: number;
  videos: RemoteVideoSample[];
  /** ms from pressing Join to each remote camera's first frame (the studio's own timing). */
  firstFrameAfterJoinMs: Record<string, number>;
}

export interface RemoteVideoFigures {
  userId: string;
  /** Frames decoded in the window. */
  framesDecoded: number;
  /** Frames decoded since the page consumed the camera. */
  framesDecodedTotal: number;
  fps: number;
  freezes: number;
  freezeMs: number;
  framesDropped: number;
  frameHeight: number | null;
}

export interface BrowserFigures {
  /** Pages opened (real Chromium hosts). */
  count: number;
  joined: number;
  joinErrors: { message: string; count: number }[];
  /** `?capture=` of the pages: their fake camera's size and frame rate. */
  capture: string;
  /** Remote cameras the joined pages should decode (each joined page: every other host). */
  expectedRemoteVideos: number;
  /** Remote cameras that decoded at least one frame in the window. */
  decodingRemoteVideos: number;
  /** Frames decoded in the window, all pages and remote cameras together. */
  framesDecoded: number;
  /** Decoded frame rate per remote camera over the window. */
  fps: Percentiles;
  /** Freezes that began in the window (Chrome's freezeCount), all remote cameras together. */
  freezes: number;
  /** Their total duration (Chrome's totalFreezesDuration), ms. */
  freezeMs: number;
  framesDropped: number;
  /** Join pressed → first frame of each remote camera, over all (page, remote) pairs. */
  firstFrameAfterJoinMs: Percentiles;
  /** Chromium's processes together, % of one core over the window; null when unreadable. */
  cpuPct: number | null;
  pages: { label: string; remotes: RemoteVideoFigures[] }[];
}

export interface BrowserRun {
  count: number;
  joined: number;
  joinErrors: { message: string; count: number }[];
  capture: string;
  /** Remote cameras each joined page should decode. */
  remoteVideosPerPage: number;
  /** Samples of the joined pages at the window's start and end (a page that did not answer is missing). */
  before: PageSample[];
  after: PageSample[];
  cpuPct: number | null;
}

export function browserFiguresOf(run: BrowserRun): BrowserFigures {
  const pages = run.after.map((end) => {
    const start = run.before.find((sample) => sample.label === end.label);
    const seconds = start ? (end.atMs - start.atMs) / 1000 : 0;
    return { label: end.label, remotes: end.videos.map((video) => remoteFigures(video, start, seconds)) };
  });
  const remotes = pages.flatMap((page) => page.remotes);
  const firstFrames = run.after.flatMap((page) => Object.values(page.firstFrameAfterJoinMs));
  return {
    count: run.count,
    joined: run.joined,
    joinErrors: run.joinErrors,
    capture: run.capture,
    expectedRemoteVideos: run.joined * run.remoteVideosPerPage,
    decodingRemoteVideos: remotes.filter((remote) => remote.framesDecoded > 0).length,
    framesDecoded: total(remotes, 'framesDecoded'),
    fps: summarize(
      remotes.map((remote) => remote.fps),
      1,
    ),
    freezes: total(remotes, 'freezes'),
    freezeMs: total(remotes, 'freezeMs'),
    framesDropped: total(remotes, 'framesDropped'),
    firstFrameAfterJoinMs: summarize(firstFrames, 0),
    cpuPct: run.cpuPct === null ? null : round(run.cpuPct, 1),
    pages,
  };
}

/** Window deltas of one remote camera; a camera first seen at the end counts from zero. */
function remoteFigures(end: RemoteVideoSample, start: PageSample | undefined, seconds: number): RemoteVideoFigures {
  const before = start?.videos.find((video) => video.consumerId === end.consumerId);
  const grown = (key: 'framesDecoded' | 'framesDropped' | 'freezeCount' | 'totalFreezesDurationS') =>
    Math.max(0, end[key] - (before?.[key] ?? 0));
  const framesDecoded = grown('framesDecoded');
  return {
    userId: end.userId,
    framesDecoded,
    framesDecodedTotal: end.framesDecoded,
    fps: seconds > 0 ? round(framesDecoded / seconds, 1) : 0,
    freezes: grown('freezeCount'),
    freezeMs: Math.round(grown('totalFreezesDurationS') * 1000),
    framesDropped: grown('framesDropped'),
    frameHeight: end.frameHeight,
  };
}

function total(remotes: RemoteVideoFigures[], key: 'framesDecoded' | 'freezes' | 'freezeMs' | 'framesDropped'): number {
  return remotes.reduce((sum, remote) => sum + remote[key], 0);
}
