// How long a change on stage (here a layout change) takes to reach the HLS
// output: the recorder debounces, restarts FFmpeg with the new composition,
// and the first segment of the new run (a new EXT-X-MAP) gets listed:
// `listedMs` is when a player could fetch it. (The segment's
// PROGRAM-DATE-TIME cannot tell when its first frame was taken: with
// append_list FFmpeg continues the old run's timeline.)
import { parseMediaPlaylist } from '../../recorder/hlsPlaylist.ts';

const POLL_MS = 100;

export interface ChangeToOutput {
  listedMs: number | null;
  error?: string;
}

export async function measureChangeToOutput(
  mediaPlaylistUrl: string,
  change: () => Promise<void>,
  timeoutMs: number,
): Promise<ChangeToOutput> {
  const before = await lastInit(mediaPlaylistUrl);
  if (!before) return { listedMs: null, error: 'no playlist before the change' };
  const changedAt = Date.now();
  await change();
  while (Date.now() - changedAt < timeoutMs) {
    const response = await fetch(mediaPlaylistUrl).catch(() => undefined);
    const segments = response?.ok ? parseMediaPlaylist(await response.text()) : [];
    const fresh = segments.find((segment) => segment.initUri !== undefined && segment.initUri !== before);
    if (fresh) return { listedMs: Date.now() - changedAt };
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  return { listedMs: null, error: `no segment of a new composition within ${timeoutMs} ms` };
}

async function lastInit(mediaPlaylistUrl: string): Promise<string | undefined> {
  const response = await fetch(mediaPlaylistUrl).catch(() => undefined);
  if (!response?.ok) return undefined;
  return parseMediaPlaylist(await response.text()).at(-1)?.initUri;
}
