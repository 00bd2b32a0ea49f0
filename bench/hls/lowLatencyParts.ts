// The parts of a low-latency media playlist as a player reads them: each
// EXT-X-PART with the media sequence number of the segment it belongs to and
// its index in that segment, the EXT-X-MAP in force, and whether it can
// start playback.

export interface ListedPart {
  msn: number;
  index: number;
  uri: string;
  durationS: number;
  independent: boolean;
  initUri: string | undefined;
}

export function lowLatencyParts(playlist: string): ListedPart[] {
  let msn = Number(/#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(playlist)?.[1] ?? 0);
  let index = 0;
  let initUri: string | undefined;
  const parts: ListedPart[] = [];
  for (const raw of playlist.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#EXT-X-SKIP:')) {
      msn += Number(/SKIPPED-SEGMENTS=(\d+)/.exec(line)?.[1] ?? 0);
    } else if (line.startsWith('#EXT-X-MAP:')) {
      initUri = /URI="([^"]+)"/.exec(line)?.[1];
    } else if (line.startsWith('#EXT-X-PART:')) {
      const uri = /URI="([^"]+)"/.exec(line)?.[1];
      if (!uri) continue;
      parts.push({
        msn,
        index: index++,
        uri,
        durationS: Number(/DURATION=([\d.]+)/.exec(line)?.[1] ?? 0),
        independent: line.includes('INDEPENDENT=YES'),
        initUri,
      });
    } else if (line && !line.startsWith('#')) {
      msn++;
      index = 0;
    }
  }
  return parts;
}
