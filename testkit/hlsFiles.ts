// Reading what the recorder wrote, for tests that watch its folders.
import fs from 'node:fs';
import { mediaSequenceOf, parseMediaPlaylist, type PlaylistSegment } from '../recorder/hlsPlaylist.ts';

/** The segment file names a media playlist lists (none while it does not exist yet). */
export function listedSegments(playlist: string): string[] {
  if (!fs.existsSync(playlist)) return [];
  return fs
    .readFileSync(playlist, 'utf8')
    .split('\n')
    .filter((line) => line.endsWith('.m4s'));
}

/** A live session's 720p media playlist as a player reads it: its segments with their media sequence numbers. */
export async function livePlaylist(
  baseUrl: string,
  sessionId: string,
): Promise<{ text: string; segments: (PlaylistSegment & { msn: number })[] } | undefined> {
  const response = await fetch(`${baseUrl}/media/live/${sessionId}/720p/index.m3u8`);
  if (!response.ok) return undefined;
  const text = await response.text();
  const first = mediaSequenceOf(text);
  return { text, segments: parseMediaPlaylist(text).map((segment, index) => ({ ...segment, msn: first + index })) };
}

/** The newest segment of a live session's 720p HLS rendition (and its init segment), over HTTP as a player gets it. */
export async function newestLiveSegment(
  baseUrl: string,
  sessionId: string,
): Promise<{ name: string; init: Buffer; media: Buffer } | undefined> {
  const base = `${baseUrl}/media/live/${sessionId}/720p`;
  const playlist = await fetch(`${base}/index.m3u8`);
  if (!playlist.ok) return undefined;
  const text = await playlist.text();
  const init = [...text.matchAll(/#EXT-X-MAP:URI="([^"]+)"/g)].at(-1)?.[1];
  const name = text
    .split('\n')
    .filter((line) => line.endsWith('.m4s'))
    .at(-1);
  if (!init || !name) return undefined;
  const [initBytes, mediaBytes] = await Promise.all(
    [init, name].map(async (file) => Buffer.from(await (await fetch(`${base}/${file}`)).arrayBuffer())),
  );
  return { name, init: initBytes!, media: mediaBytes! };
}
