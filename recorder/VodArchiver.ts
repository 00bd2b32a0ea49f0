// Keeps the whole session for VOD while the live playlists keep only a short
// window: every segment FFmpeg adds to the archived rendition's live playlist
// is hard-linked into the VOD folder (no copy, no second encode) and appended
// to a VOD playlist of our own, with a discontinuity and a new EXT-X-MAP
// wherever FFmpeg restarted. FFmpeg may then delete the live copy. A
// recording started mid-broadcast begins with the next segment.
import fs from 'node:fs';
import path from 'node:path';
import { pino, type Logger } from 'pino';
import { isMissingFile } from './isMissingFile.ts';
import { parseMediaPlaylist, type PlaylistSegment } from './hlsPlaylist.ts';

const POLL_MS = 250;

/** For callers that pass no logger: failures other than a missing file must still be seen. */
let fallbackLogger: Logger | undefined;
function defaultLogger(): Logger {
  fallbackLogger ??= pino({ name: 'VodArchiver' });
  return fallbackLogger;
}

export interface VodArchiverOptions {
  /** Segments already listed (the past of a running broadcast) are not kept. Default false. */
  fromNow?: boolean;
  /** Told about files that could not be read or linked. Default: a pino logger on stdout. */
  logger?: Logger;
}

export interface VodSummary {
  playlist: string;
  durationS: number;
  bytes: number;
  segments: number;
}

export class VodArchiver {
  readonly #liveDir: string;
  readonly #vodDir: string;
  readonly #logger: Logger;
  readonly #archived = new Set<string>();
  readonly #skipped = new Set<string>();
  readonly #lines: string[] = [];
  #initUri: string | undefined;
  #durationS = 0;
  #bytes = 0;
  #maxDurationS = 1;
  #timer: NodeJS.Timeout;

  /** Archives `liveDir/index.m3u8` (one rendition) into `vodDir/index.m3u8`. */
  constructor(liveDir: string, vodDir: string, options: VodArchiverOptions = {}) {
    this.#liveDir = liveDir;
    this.#vodDir = vodDir;
    this.#logger = options.logger ?? defaultLogger();
    fs.mkdirSync(vodDir, { recursive: true });
    if (options.fromNow) for (const segment of this.#readLive()) this.#skipped.add(segment.uri);
    this.#write(false);
    this.#timer = setInterval(() => this.#collect(), POLL_MS);
  }

  /** Collects what is left, closes the playlist (EXT-X-ENDLIST) and says what was kept. */
  finish(): VodSummary {
    clearInterval(this.#timer);
    this.#collect();
    this.#write(true);
    return {
      playlist: path.join(this.#vodDir, 'index.m3u8'),
      durationS: this.#durationS,
      bytes: this.#bytes,
      segments: this.#archived.size,
    };
  }

  #readLive(): PlaylistSegment[] {
    const file = path.join(this.#liveDir, 'index.m3u8');
    try {
      return parseMediaPlaylist(fs.readFileSync(file, 'utf8'));
    } catch (error) {
      // Not written yet (FFmpeg writes it with its first segment): nothing to keep so far.
      if (!isMissingFile(error)) this.#logger.warn({ err: error, file }, 'VOD: could not read the live playlist');
      return [];
    }
  }

  #collect(): void {
    let added = false;
    for (const segment of this.#readLive()) {
      if (this.#archived.has(segment.uri) || this.#skipped.has(segment.uri)) continue;
      if (!this.#link(segment.uri)) continue; // already deleted: nothing to keep
      if (segment.initUri && segment.initUri !== this.#initUri) {
        if (!this.#link(segment.initUri)) continue;
        if (this.#initUri !== undefined) this.#lines.push('#EXT-X-DISCONTINUITY');
        this.#lines.push(`#EXT-X-MAP:URI="${segment.initUri}"`);
        this.#initUri = segment.initUri;
      } else if (segment.discontinuity && this.#archived.size > 0) {
        this.#lines.push('#EXT-X-DISCONTINUITY');
      }
      this.#append(segment);
      added = true;
    }
    if (added) this.#write(false);
  }

  #append(segment: PlaylistSegment): void {
    if (segment.programDateTime) this.#lines.push(`#EXT-X-PROGRAM-DATE-TIME:${segment.programDateTime}`);
    this.#lines.push(`#EXTINF:${segment.durationS.toFixed(6)},`, segment.uri);
    this.#archived.add(segment.uri);
    this.#durationS += segment.durationS;
    this.#maxDurationS = Math.max(this.#maxDurationS, Math.ceil(segment.durationS));
  }

  /** Hard-links a file from the live folder; false when it is already gone. */
  #link(uri: string): boolean {
    const target = path.join(this.#vodDir, uri);
    if (fs.existsSync(target)) return true;
    try {
      fs.linkSync(path.join(this.#liveDir, uri), target);
      this.#bytes += fs.statSync(target).size;
      return true;
    } catch (error) {
      // Already deleted from the live window (we were late): nothing to keep.
      if (!isMissingFile(error)) this.#logger.warn({ err: error, uri }, 'VOD: could not keep a segment');
      return false;
    }
  }

  #write(ended: boolean): void {
    const header = [
      '#EXTM3U',
      '#EXT-X-VERSION:7',
      `#EXT-X-TARGETDURATION:${this.#maxDurationS}`,
      '#EXT-X-MEDIA-SEQUENCE:0',
      `#EXT-X-PLAYLIST-TYPE:${ended ? 'VOD' : 'EVENT'}`,
      '#EXT-X-INDEPENDENT-SEGMENTS',
    ];
    const body = [...header, ...this.#lines, ...(ended ? ['#EXT-X-ENDLIST'] : [])].join('\n');
    const file = path.join(this.#vodDir, 'index.m3u8');
    fs.writeFileSync(`${file}.tmp`, `${body}\n`);
    fs.renameSync(`${file}.tmp`, file);
  }
}

/**
 * Closes the VOD playlist of a recording whose archiver never finished (the
 * process stopped): what was kept becomes a complete, seekable VOD.
 */
export function sealVodPlaylist(vodDir: string, logger: Logger = defaultLogger()): void {
  const file = path.join(vodDir, 'index.m3u8');
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    // No playlist: nothing was kept, nothing to seal.
    if (!isMissingFile(error)) logger.warn({ err: error, file }, 'VOD: could not read a playlist to seal');
    return;
  }
  if (text.includes('#EXT-X-ENDLIST')) return;
  const sealed = `${text.replace('#EXT-X-PLAYLIST-TYPE:EVENT', '#EXT-X-PLAYLIST-TYPE:VOD').trimEnd()}\n#EXT-X-ENDLIST\n`;
  fs.writeFileSync(`${file}.tmp`, sealed);
  fs.renameSync(`${file}.tmp`, file);
}
