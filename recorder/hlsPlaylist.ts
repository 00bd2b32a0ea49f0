// Reads the entries of an HLS media playlist written by FFmpeg: which init
// segment (EXT-X-MAP) and media segments it lists, with their durations,
// wall-clock times and discontinuities.

export interface PlaylistSegment {
  uri: string;
  durationS: number;
  /** The EXT-X-MAP in force for this segment. */
  initUri: string | undefined;
  programDateTime: string | undefined;
  /** A discontinuity precedes this segment (FFmpeg restarted). */
  discontinuity: boolean;
}

export function parseMediaPlaylist(text: string): PlaylistSegment[] {
  const segments: PlaylistSegment[] = [];
  let initUri: string | undefined;
  let durationS = 0;
  let programDateTime: string | undefined;
  let discontinuity = false;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#EXT-X-MAP:')) initUri = /URI="([^"]+)"/.exec(line)?.[1];
    else if (line.startsWith('#EXTINF:')) durationS = Number.parseFloat(line.slice('#EXTINF:'.length));
    else if (line.startsWith('#EXT-X-PROGRAM-DATE-TIME:'))
      programDateTime = line.slice('#EXT-X-PROGRAM-DATE-TIME:'.length);
    else if (line === '#EXT-X-DISCONTINUITY') discontinuity = true;
    else if (line && !line.startsWith('#')) {
      segments.push({ uri: line, durationS, initUri, programDateTime, discontinuity });
      durationS = 0;
      programDateTime = undefined;
      discontinuity = false;
    }
  }
  return segments;
}

/** The media sequence number of a playlist's first segment (0 when not given, as the spec says). */
export function mediaSequenceOf(text: string): number {
  return Number(/^#EXT-X-MEDIA-SEQUENCE:(\d+)/m.exec(text)?.[1] ?? 0);
}
