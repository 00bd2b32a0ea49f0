// How far behind real time FFmpeg's output is. The slot relay ties every
// input timestamp to the wall clock, so a segment's PROGRAM-DATE-TIME is
// (up to FFmpeg's start-up delay) when its media reached the relay: the
// newest segment ending well before now means FFmpeg is working through a
// backlog (it got too little CPU for a while, and its socket buffers kept
// the media rather than dropping it).
import { parseMediaPlaylist } from './hlsPlaylist.ts';

/** Now minus the end of the newest listed segment, in ms; undefined without a dated segment. */
export function outputLagMs(playlistText: string, nowMs: number): number | undefined {
  const newest = parseMediaPlaylist(playlistText).at(-1);
  if (!newest?.programDateTime) return undefined;
  const startedAt = Date.parse(newest.programDateTime);
  return Number.isFinite(startedAt) ? nowMs - (startedAt + newest.durationS * 1000) : undefined;
}
