// One synthetic HLS viewer: what a player does on the network, without
// decoding. It reads the master playlist once, picks a rendition, then polls
// that rendition's media playlist every target duration and fetches each new
// segment (and the init segment whenever it changes), starting near the live
// edge as a player does. A low-latency viewer reads master-ll.m3u8 and,
// like hls.js in low-latency mode, asks for the playlist with the next part
// (`_HLS_msn`/`_HLS_part`: the server holds the request until it exists)
// and fetches each new part. Each request is timed from sending it to the
// last byte of the body. Its own HTTP/1.1 keep-alive connection, like a browser.
import http from 'node:http';
import { parseMediaPlaylist } from '../../recorder/hlsPlaylist.ts';
import { lowLatencyParts, type ListedPart } from './lowLatencyParts.ts';

/** A request that has not finished in this time counts as an error. */
const REQUEST_TIMEOUT_MS = 10_000;
/** A player starting on a live stream begins this many segments from the end. */
const START_SEGMENTS_FROM_EDGE = 2;

export interface FetchTiming {
  status: number;
  bytes: number;
  ms: number;
  /** The body, only when asked for. */
  body?: Buffer;
}

export interface ViewerCounters {
  playlistFetchMs: number[];
  segmentFetchMs: number[];
  initFetchMs: number[];
  segmentsFetched: number;
  bytes: number;
  /** Failed requests (a 404 of a file not written yet is not one). */
  errors: number;
  /** The first few failure messages. */
  errorMessages: string[];
  /** Times the viewer found its next segment gone from the window (it fell behind and jumped to the edge). */
  fellBehind: number;
  /** Low-latency: each part's fetch, request → last byte. */
  partFetchMs: number[];
  /** Low-latency: each blocking playlist request, sent → answered (the hold plus the transfer). */
  blockedReloadHoldMs: number[];
  /** Low-latency: the DURATION of every part fetched (s × 1000). */
  partDurationMs: number[];
  partsFetched: number;
  /** Low-latency: blocking requests the server gave up on (503 after three target durations). */
  holdTimeouts: number;
}

export interface KeptSegment {
  uri: string;
  initUri: string;
  body: Buffer;
}

export interface HlsViewerOptions {
  /** `http://host:port/media/live/<sessionId>` (no trailing slash). */
  liveUrl: string;
  /** Rendition name (its folder); undefined: the first in the master playlist (the best). */
  rendition?: string;
  /** Keep segment bodies (the A/V sync analysis reads them); at most this many, oldest dropped. */
  keepSegments?: number;
  /** Play the low-latency playlist (parts, blocking reload). */
  lowLatency?: boolean;
  counters: ViewerCounters;
}

export function emptyCounters(): ViewerCounters {
  return {
    playlistFetchMs: [],
    segmentFetchMs: [],
    initFetchMs: [],
    segmentsFetched: 0,
    bytes: 0,
    errors: 0,
    errorMessages: [],
    fellBehind: 0,
    partFetchMs: [],
    blockedReloadHoldMs: [],
    partDurationMs: [],
    partsFetched: 0,
    holdTimeouts: 0,
  };
}

/** One set of figures for many viewers (or many crowds). */
export function mergeCounters(all: readonly ViewerCounters[]): ViewerCounters {
  const merged = emptyCounters();
  for (const counters of all) {
    merged.playlistFetchMs.push(...counters.playlistFetchMs);
    merged.segmentFetchMs.push(...counters.segmentFetchMs);
    merged.initFetchMs.push(...counters.initFetchMs);
    merged.segmentsFetched += counters.segmentsFetched;
    merged.bytes += counters.bytes;
    merged.errors += counters.errors;
    merged.fellBehind += counters.fellBehind;
    merged.partFetchMs.push(...counters.partFetchMs);
    merged.blockedReloadHoldMs.push(...counters.blockedReloadHoldMs);
    merged.partDurationMs.push(...counters.partDurationMs);
    merged.partsFetched += counters.partsFetched;
    merged.holdTimeouts += counters.holdTimeouts;
    for (const message of counters.errorMessages) {
      if (merged.errorMessages.length < 20) merged.errorMessages.push(message);
    }
  }
  return merged;
}

export class HlsViewer {
  readonly #options: HlsViewerOptions;
  readonly #agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  readonly #fetchedInits = new Map<string, Buffer | undefined>();
  #lastSegmentUri: string | undefined;
  #stopped = false;
  #wake: (() => void) | undefined;
  /** Init segments and segment bodies, when kept. */
  readonly kept: KeptSegment[] = [];
  readonly initBodies = new Map<string, Buffer>();

  constructor(options: HlsViewerOptions) {
    this.#options = options;
  }

  /** Plays until `stopAtMs` (performance.now()) or stop(); never throws (errors are counted). */
  async run(stopAtMs: number): Promise<void> {
    const { counters } = this.#options;
    let mediaPath: string | undefined;
    while (!this.#stopped && performance.now() < stopAtMs && mediaPath === undefined) {
      mediaPath = await this.#pickRendition();
      if (mediaPath === undefined) await this.#sleep(1000, stopAtMs);
    }
    if (this.#options.lowLatency && mediaPath !== undefined) {
      await this.#playLowLatency(mediaPath, stopAtMs);
      this.#agent.destroy();
      return;
    }
    let targetDurationMs = 1000;
    while (!this.#stopped && mediaPath !== undefined && performance.now() < stopAtMs) {
      const pollStartedAt = performance.now();
      const playlist = await this.#fetch(`${this.#options.liveUrl}/${mediaPath}`, counters.playlistFetchMs, true);
      if (playlist?.body) {
        const text = playlist.body.toString('utf8');
        targetDurationMs = (Number(/#EXT-X-TARGETDURATION:(\d+)/.exec(text)?.[1]) || 1) * 1000;
        await this.#fetchNewSegments(mediaPath, text, stopAtMs);
      }
      await this.#sleep(Math.max(0, pollStartedAt + targetDurationMs - performance.now()), stopAtMs);
    }
    this.#agent.destroy();
  }

  stop(): void {
    this.#stopped = true;
    this.#wake?.();
  }

  /** The media playlist path (`720p/index.m3u8`), or undefined when the master is not there yet. */
  async #pickRendition(): Promise<string | undefined> {
    const master = await this.#fetch(
      `${this.#options.liveUrl}/${this.#options.lowLatency ? 'master-ll.m3u8' : 'master.m3u8'}`,
      this.#options.counters.playlistFetchMs,
      true,
    );
    if (!master?.body) return undefined;
    const paths = master.body
      .toString('utf8')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line.endsWith('.m3u8'));
    const wanted = this.#options.rendition;
    return wanted ? paths.find((candidate) => candidate.startsWith(`${wanted}/`)) : paths[0];
  }

  async #fetchNewSegments(mediaPath: string, text: string, stopAtMs: number): Promise<void> {
    const { counters } = this.#options;
    const folder = mediaPath.slice(0, mediaPath.lastIndexOf('/'));
    const segments = parseMediaPlaylist(text);
    if (segments.length === 0) return;
    let next: number;
    if (this.#lastSegmentUri === undefined) {
      next = Math.max(0, segments.length - START_SEGMENTS_FROM_EDGE);
    } else {
      const last = segments.findIndex((segment) => segment.uri === this.#lastSegmentUri);
      if (last >= 0) next = last + 1;
      else {
        counters.fellBehind++;
        next = Math.max(0, segments.length - START_SEGMENTS_FROM_EDGE);
      }
    }
    for (const segment of segments.slice(next)) {
      if (this.#stopped || performance.now() >= stopAtMs) return;
      const keep = this.#options.keepSegments !== undefined;
      if (segment.initUri && !this.#fetchedInits.has(segment.initUri)) {
        const init = await this.#fetch(
          `${this.#options.liveUrl}/${folder}/${segment.initUri}`,
          counters.initFetchMs,
          keep,
        );
        if (!init) return; // try again at the next poll
        this.#fetchedInits.set(segment.initUri, init.body);
        if (init.body) this.initBodies.set(segment.initUri, init.body);
      }
      const fetched = await this.#fetch(
        `${this.#options.liveUrl}/${folder}/${segment.uri}`,
        counters.segmentFetchMs,
        keep,
      );
      if (!fetched) return;
      counters.segmentsFetched++;
      this.#lastSegmentUri = segment.uri;
      if (keep && fetched.body && segment.initUri) {
        this.kept.push({ uri: segment.uri, initUri: segment.initUri, body: fetched.body });
        if (this.kept.length > this.#options.keepSegments!) this.kept.shift();
      }
    }
  }

  /**
   * Low-latency play: one plain request for the edge, then a blocking request for the part after the
   * newest fetched, and every new part (its init when it changes), until the stop.
   */
  async #playLowLatency(mediaPath: string, stopAtMs: number): Promise<void> {
    const { counters } = this.#options;
    const folder = mediaPath.slice(0, mediaPath.lastIndexOf('/'));
    let last: ListedPart | undefined;
    while (!this.#stopped && performance.now() < stopAtMs) {
      const blocking = last !== undefined;
      const query = last ? `?_HLS_msn=${last.msn}&_HLS_part=${last.index + 1}` : '';
      const playlist = await this.#fetch(
        `${this.#options.liveUrl}/${mediaPath}${query}`,
        blocking ? counters.blockedReloadHoldMs : counters.playlistFetchMs,
        true,
        (status) => {
          if (status === 503) counters.holdTimeouts++;
        },
      );
      if (!playlist?.body) {
        await this.#sleep(200, stopAtMs);
        continue;
      }
      const parts = lowLatencyParts(playlist.body.toString('utf8'));
      let next: number;
      if (!last) {
        // A player starts at the newest part it can decode from: the last independent one.
        next = Math.max(
          0,
          parts.findLastIndex((part) => part.independent),
        );
      } else {
        const at = parts.findIndex((part) => part.uri === last!.uri);
        if (at >= 0) next = at + 1;
        else {
          counters.fellBehind++;
          next = Math.max(
            0,
            parts.findLastIndex((part) => part.independent),
          );
        }
      }
      for (const part of parts.slice(next)) {
        if (this.#stopped || performance.now() >= stopAtMs) return;
        if (part.initUri && !this.#fetchedInits.has(part.initUri)) {
          const init = await this.#fetch(
            `${this.#options.liveUrl}/${folder}/${part.initUri}`,
            counters.initFetchMs,
            false,
          );
          if (!init) break;
          this.#fetchedInits.set(part.initUri, undefined);
        }
        const fetched = await this.#fetch(
          `${this.#options.liveUrl}/${folder}/${part.uri}`,
          counters.partFetchMs,
          false,
        );
        if (!fetched) break;
        counters.partsFetched++;
        counters.partDurationMs.push(part.durationS * 1000);
        last = part;
      }
    }
  }

  /** GET; the time goes to `timings` on success; undefined (and an error counted) on failure. */
  async #fetch(
    url: string,
    timings: number[],
    keepBody: boolean,
    onStatus?: (status: number) => void,
  ): Promise<FetchTiming | undefined> {
    const { counters } = this.#options;
    try {
      const result = await get(url, this.#agent, keepBody);
      counters.bytes += result.bytes;
      onStatus?.(result.status);
      if (result.status !== 200) {
        // A playlist or segment not there yet (the broadcast is starting) is not the server failing,
        // nor is a blocking reload the server gave up on (503, counted as a hold timeout).
        if (result.status !== 404 && result.status !== 503) countError(counters, `HTTP ${result.status}`);
        return undefined;
      }
      timings.push(result.ms);
      return result;
    } catch (error) {
      countError(counters, error instanceof Error ? error.message : String(error));
      return undefined;
    }
  }

  #sleep(ms: number, stopAtMs: number): Promise<void> {
    const wait = Math.min(ms, Math.max(0, stopAtMs - performance.now()));
    return new Promise((resolve) => {
      const timer = setTimeout(done, wait);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = done;
    });
  }
}

const MAX_ERROR_MESSAGES = 20;

function countError(counters: ViewerCounters, message: string): void {
  counters.errors++;
  if (counters.errorMessages.length < MAX_ERROR_MESSAGES) counters.errorMessages.push(message);
}

/** One GET over `agent`, timed to the last byte. */
export function get(url: string, agent: http.Agent, keepBody: boolean): Promise<FetchTiming> {
  return new Promise((resolve, reject) => {
    const startedAt = performance.now();
    const request = http.get(url, { agent }, (response) => {
      const chunks: Buffer[] = [];
      let bytes = 0;
      response.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (keepBody) chunks.push(chunk);
      });
      response.on('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          bytes,
          ms: performance.now() - startedAt,
          ...(keepBody ? { body: Buffer.concat(chunks) } : {}),
        }),
      );
      response.on('error', reject);
    });
    request.setTimeout(REQUEST_TIMEOUT_MS, () => request.destroy(new Error('timed out')));
    request.on('error', reject);
  });
}
