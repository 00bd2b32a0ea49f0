// A small still of what a live session's audience sees, for the lists that
// show who is live (the home page): the first frame of the newest segment of
// the broadcast's smallest rendition, decoded by a short FFmpeg run. Made on
// demand and kept a few seconds per session, one run at a time per session,
// so a home page opened by many people costs one decode per session every
// few seconds, and a node nobody looks at decodes nothing. The compositor's
// FFmpeg is not touched: a still adds no output to the live encode.
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import { defaultRenditions } from '../../recorder/hlsOutputArgs.ts';
import { isMissingFile } from '../../recorder/isMissingFile.ts';

/** How long a still is served before a newer one is made. */
export const THUMBNAIL_MAX_AGE_S = 5;
const WIDTH = 320;
const DECODE_TIMEOUT_MS = 4000;
/** The smallest rendition decodes fastest; a still this size needs no more. */
const RENDITION = defaultRenditions.at(-1)!.name;

interface Still {
  jpeg: Buffer | undefined;
  madeAtMs: number;
}

export class LiveThumbnails {
  readonly #liveDir: (sessionId: string) => string;
  readonly #ffmpeg: () => string;
  readonly #logger: Logger;
  readonly #stills = new Map<string, Promise<Still>>();

  constructor(options: { liveDir: (sessionId: string) => string; ffmpeg: () => string; logger: Logger }) {
    this.#liveDir = options.liveDir;
    this.#ffmpeg = options.ffmpeg;
    this.#logger = options.logger.child({ component: 'thumbnails' });
  }

  /** A JPEG of the session's broadcast a few seconds old at most; undefined while nothing is broadcast. */
  async of(sessionId: string, nowMs = Date.now()): Promise<Buffer | undefined> {
    const cached = this.#stills.get(sessionId);
    if (cached) {
      const still = await cached;
      if (nowMs - still.madeAtMs < THUMBNAIL_MAX_AGE_S * 1000) return still.jpeg;
      // Another caller may have started the next one while this one waited.
      const current = this.#stills.get(sessionId);
      if (current && current !== cached) return (await current).jpeg;
    }
    const making = this.#make(sessionId)
      .catch((error: unknown) => {
        // Never a rejected promise in the map: the next ask after THUMBNAIL_MAX_AGE_S tries again.
        this.#logger.warn({ sessionId, err: error }, 'making a thumbnail failed');
        return undefined;
      })
      .then((jpeg) => ({ jpeg, madeAtMs: Date.now() }));
    this.#stills.set(sessionId, making);
    return (await making).jpeg;
  }

  /** Forgets a session's still (it ended). */
  forget(sessionId: string): void {
    this.#stills.delete(sessionId);
  }

  async #make(sessionId: string): Promise<Buffer | undefined> {
    const folder = path.join(this.#liveDir(sessionId), RENDITION);
    let playlist: string;
    try {
      playlist = await fs.readFile(path.join(folder, 'index.m3u8'), 'utf8');
    } catch (error) {
      if (isMissingFile(error)) return undefined;
      throw error;
    }
    const newest = newestSegment(playlist);
    if (!newest) return undefined;
    try {
      const bytes = Buffer.concat([
        await fs.readFile(path.join(folder, newest.init)),
        await fs.readFile(path.join(folder, newest.segment)),
      ]);
      return await this.#decodeFirstFrame(bytes);
    } catch (error) {
      // A segment that left the window meanwhile, or a decode that failed: no still this time.
      this.#logger.warn({ sessionId, err: error }, 'no thumbnail from the newest segment');
      return undefined;
    }
  }

  #decodeFirstFrame(mp4: Buffer): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const child = execFile(
        this.#ffmpeg(),
        [
          ...['-hide_banner', '-loglevel', 'error', '-i', 'pipe:0'],
          ...['-frames:v', '1', '-vf', `scale=${WIDTH}:-2`, '-q:v', '6', '-f', 'mjpeg', 'pipe:1'],
        ],
        { encoding: 'buffer', timeout: DECODE_TIMEOUT_MS, maxBuffer: 4 * 1024 * 1024 },
        (error, stdout) => {
          if (error) reject(error);
          else if (stdout.length === 0) reject(new Error('FFmpeg wrote no picture'));
          else resolve(stdout);
        },
      );
      // FFmpeg may stop reading once it has its frame: a closed pipe is no error here.
      child.stdin?.on('error', () => undefined);
      child.stdin?.end(mp4);
    });
  }
}

/** The newest media segment of a plain HLS media playlist and the init section it needs. */
export function newestSegment(playlist: string): { init: string; segment: string } | undefined {
  let init: string | undefined;
  let newest: { init: string; segment: string } | undefined;
  for (const line of playlist.split('\n').map((text) => text.trim())) {
    const map = /^#EXT-X-MAP:.*URI="([^"]+)"/.exec(line);
    if (map) init = map[1];
    else if (line && !line.startsWith('#') && init) newest = { init, segment: line };
  }
  // Only plain file names: nothing outside the rendition's folder.
  const plain = /^[A-Za-z0-9_.-]+$/;
  return newest && plain.test(newest.init) && plain.test(newest.segment) ? newest : undefined;
}
