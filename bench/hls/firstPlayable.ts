// Time from going live to a stream a player can start: the master playlist,
// and for every rendition it lists, the media playlist with a segment, that
// segment and its init segment, all fetchable over HTTP.
import { parseMediaPlaylist } from '../../recorder/hlsPlaylist.ts';

const POLL_MS = 100;

export interface FirstPlayable {
  /** ms from `sinceMs` to everything fetchable; undefined when it never was within the limit. */
  ms: number | undefined;
  /** Rendition folders found in the master playlist. */
  renditions: string[];
}

/** Polls `liveUrl` (…/media/live/<sessionId>) until playable or `timeoutMs`; `sinceMs` is performance.now() at go-live. */
export async function waitForFirstPlayable(
  liveUrl: string,
  sinceMs: number,
  timeoutMs: number,
): Promise<FirstPlayable> {
  const deadline = performance.now() + timeoutMs;
  let renditions: string[] = [];
  const playable = new Set<string>();
  while (performance.now() < deadline) {
    if (renditions.length === 0) renditions = await masterRenditions(liveUrl);
    for (const rendition of renditions) {
      if (!playable.has(rendition) && (await renditionPlayable(liveUrl, rendition))) playable.add(rendition);
    }
    if (renditions.length > 0 && playable.size === renditions.length) {
      return { ms: Math.round(performance.now() - sinceMs), renditions };
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  return { ms: undefined, renditions };
}

async function masterRenditions(liveUrl: string): Promise<string[]> {
  const text = await fetchText(`${liveUrl}/master.m3u8`);
  if (text === undefined) return [];
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.endsWith('/index.m3u8'))
    .map((line) => line.slice(0, line.indexOf('/')));
}

async function renditionPlayable(liveUrl: string, rendition: string): Promise<boolean> {
  const text = await fetchText(`${liveUrl}/${rendition}/index.m3u8`);
  const first = text === undefined ? undefined : parseMediaPlaylist(text)[0];
  if (!first?.initUri) return false;
  return (await fetchOk(`${liveUrl}/${rendition}/${first.initUri}`)) && fetchOk(`${liveUrl}/${rendition}/${first.uri}`);
}

async function fetchText(url: string): Promise<string | undefined> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
    return response.ok ? await response.text() : undefined;
  } catch {
    return undefined;
  }
}

async function fetchOk(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}
