// The media and master playlists of a live rendition, plain and low-latency,
// rendered from what the packager holds (LiveRendition.ts). Pure: the
// conformance test checks them against the rules of the HLS spec
// (RFC 8216bis: partial segments, server control, preload hints, skips).
//
// Plain: complete segments only, cacheable, what every player and a CDN
// take (and what VOD archives, VodArchiver.ts). Low-latency: the same
// segments, with the parts of the newest ones, the part being written as a
// preload hint, and reports of the other renditions' edges.

export interface ListedPart {
  uri: string;
  durationS: number;
  independent: boolean;
}

export interface ListedSegment {
  msn: number;
  uri: string;
  initUri: string;
  durationS: number;
  /** Wall clock of its first frame (ISO 8601). */
  programDateTime: string;
  /** A new FFmpeg run starts here. */
  discontinuity: boolean;
  /** Its parts while it is near the live edge (else empty). */
  parts: readonly ListedPart[];
}

export interface LiveWindow {
  /** Complete segments, oldest first. */
  segments: readonly ListedSegment[];
  /** The segment being written: its parts so far (none before its first part). */
  current: ListedSegment | undefined;
  /** The msn the next new segment gets (the current one's, while one is open). */
  nextMsn: number;
  /** Discontinuity tags that have left the window (with their segments). */
  discontinuitySequence: number;
  targetDurationS: number;
}

export interface LowLatencyOptions {
  partTargetS: number;
  /** The part the packager writes next (EXT-X-PRELOAD-HINT). */
  preloadHintUri: string;
  /** The other renditions' newest parts (EXT-X-RENDITION-REPORT), by playlist URI relative to this one. */
  renditionReports: readonly { uri: string; lastMsn: number; lastPart: number }[];
  /** A delta update was asked for (_HLS_skip=YES) and may be given. */
  skip: boolean;
}

/**
 * How much older than the playlist's end a segment must be to be skipped in
 * a delta update (CAN-SKIP-UNTIL): the spec's minimum, six target durations.
 */
export function canSkipUntilS(targetDurationS: number): number {
  return 6 * targetDurationS;
}

/**
 * Parts are listed for the segments that end less than this far before the
 * live edge (the spec: remove them once older than three target durations).
 */
export function partsListedForS(targetDurationS: number): number {
  return 3 * targetDurationS;
}

/** The hold-back a low-latency player keeps from the edge: three part targets (the spec asks at least two). */
export function partHoldBackS(partTargetS: number): number {
  return 3 * partTargetS;
}

export function plainMediaPlaylist(window: LiveWindow): string {
  return (
    [...header(window, 7), '#EXT-X-INDEPENDENT-SEGMENTS', ...segmentLines(window.segments, false, undefined)].join(
      '\n',
    ) + '\n'
  );
}

export function lowLatencyMediaPlaylist(window: LiveWindow, options: LowLatencyOptions): string {
  const listedS = window.segments.reduce((sum, segment) => sum + segment.durationS, 0);
  const skipUntilS = canSkipUntilS(window.targetDurationS);
  // Skippable: the leading segments that end more than CAN-SKIP-UNTIL before the end.
  let skipped = 0;
  if (options.skip) {
    let endS = 0;
    for (const segment of window.segments) {
      endS += segment.durationS;
      if (listedS - endS < skipUntilS) break;
      skipped++;
    }
  }
  const control = [
    'CAN-BLOCK-RELOAD=YES',
    `PART-HOLD-BACK=${seconds(partHoldBackS(options.partTargetS))}`,
    ...(listedS > skipUntilS ? [`CAN-SKIP-UNTIL=${seconds(skipUntilS)}`] : []),
  ];
  const recentFromS = listedS + (window.current?.durationS ?? 0) - partsListedForS(window.targetDurationS);
  const lines = [
    ...header(window, 9),
    '#EXT-X-INDEPENDENT-SEGMENTS',
    `#EXT-X-SERVER-CONTROL:${control.join(',')}`,
    `#EXT-X-PART-INF:PART-TARGET=${seconds(options.partTargetS)}`,
  ];
  if (skipped > 0) lines.push(`#EXT-X-SKIP:SKIPPED-SEGMENTS=${skipped}`);
  const shown = window.segments.slice(skipped);
  // The map and date of the first listed segment are needed even after a skip (a new EXT-X-MAP is written
  // at every change of init section, so the skipped ones' map is repeated).
  lines.push(...segmentLines(shown, true, recentFromS - skippedDurationS(window.segments, skipped)));
  const current = window.current;
  if (current) {
    const previous = shown.at(-1);
    if (current.discontinuity) lines.push('#EXT-X-DISCONTINUITY');
    if (!previous || previous.initUri !== current.initUri) lines.push(`#EXT-X-MAP:URI="${current.initUri}"`);
    lines.push(`#EXT-X-PROGRAM-DATE-TIME:${current.programDateTime}`);
    lines.push(...current.parts.map(partLine));
  }
  lines.push(`#EXT-X-PRELOAD-HINT:TYPE=PART,URI="${options.preloadHintUri}"`);
  for (const report of options.renditionReports) {
    lines.push(`#EXT-X-RENDITION-REPORT:URI="${report.uri}",LAST-MSN=${report.lastMsn},LAST-PART=${report.lastPart}`);
  }
  return lines.join('\n') + '\n';
}

export interface MasterEntry {
  /** Media playlist, relative to the master. */
  uri: string;
  bandwidth: number;
  width: number;
  height: number;
  codecs: string;
  frameRate: number;
}

export function masterPlaylist(entries: readonly MasterEntry[]): string {
  const lines = ['#EXTM3U', '#EXT-X-VERSION:7', '#EXT-X-INDEPENDENT-SEGMENTS'];
  for (const entry of entries) {
    lines.push(
      `#EXT-X-STREAM-INF:BANDWIDTH=${entry.bandwidth},RESOLUTION=${entry.width}x${entry.height},` +
        `CODECS="${entry.codecs}",FRAME-RATE=${entry.frameRate.toFixed(3)}`,
      entry.uri,
    );
  }
  return lines.join('\n') + '\n';
}

function header(window: LiveWindow, version: number): string[] {
  const firstMsn = window.segments[0]?.msn ?? window.current?.msn ?? window.nextMsn;
  return [
    '#EXTM3U',
    `#EXT-X-VERSION:${version}`,
    `#EXT-X-TARGETDURATION:${window.targetDurationS}`,
    `#EXT-X-MEDIA-SEQUENCE:${firstMsn}`,
    ...(window.discontinuitySequence > 0 ? [`#EXT-X-DISCONTINUITY-SEQUENCE:${window.discontinuitySequence}`] : []),
  ];
}

/** The segments' lines; with `withParts`, the parts of those that start at or after `partsFromS` (window time). */
function segmentLines(
  segments: readonly ListedSegment[],
  withParts: boolean,
  partsFromS: number | undefined,
): string[] {
  const lines: string[] = [];
  let startS = 0;
  let initUri: string | undefined;
  for (const segment of segments) {
    // Also on the first listed segment: the discontinuity sequence counts only those that left the window.
    if (segment.discontinuity) lines.push('#EXT-X-DISCONTINUITY');
    if (segment.initUri !== initUri) {
      lines.push(`#EXT-X-MAP:URI="${segment.initUri}"`);
      initUri = segment.initUri;
    }
    lines.push(`#EXT-X-PROGRAM-DATE-TIME:${segment.programDateTime}`);
    if (withParts && partsFromS !== undefined && startS + segment.durationS > partsFromS) {
      lines.push(...segment.parts.map(partLine));
    }
    lines.push(`#EXTINF:${segment.durationS.toFixed(5)},`, segment.uri);
    startS += segment.durationS;
  }
  return lines;
}

function skippedDurationS(segments: readonly ListedSegment[], skipped: number): number {
  return segments.slice(0, skipped).reduce((sum, segment) => sum + segment.durationS, 0);
}

function partLine(part: ListedPart): string {
  return `#EXT-X-PART:DURATION=${part.durationS.toFixed(5)},URI="${part.uri}"${part.independent ? ',INDEPENDENT=YES' : ''}`;
}

function seconds(value: number): string {
  return value.toFixed(3);
}
