// One rendition of the live ladder as our own HLS packager holds it: FFmpeg's
// fragments (mp4BoxStream.ts) become partial segments, kept in memory while
// they are near the live edge (LL-HLS serves them from here), and every key
// frame starts a new segment. A complete segment is written to disk whole
// (temp file, then rename) with the plain playlist after it, in the shape
// FFmpeg's HLS muxer used to write, so the CDN path, the compositor's
// watchdog and VOD archiving read what they always read.
//
// Across FFmpeg runs (restarts) the media sequence continues, each run has
// its own init section, and its first segment is a discontinuity; a
// rendition taking over a folder (the recorder restarted after a worker
// died) continues the playlist it finds there. A rendition that starts
// where another node's left off (a cluster node took the session over: the
// folder was on the dead node's disk) is told where that one was
// (`continueAfter`): its numbering goes on from there, its first segment a
// discontinuity, so players keep reloading the same playlist.
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { hlsSegmentPrefix } from '../hlsOutputArgs.ts';
import { mediaSequenceOf, parseMediaPlaylist } from '../hlsPlaylist.ts';
import { isMissingFile } from '../isMissingFile.ts';
import { readFragment, readInit, type InitInfo } from './cmafFragments.ts';
import { writeWhole } from './writeWhole.ts';
import {
  lowLatencyMediaPlaylist,
  plainMediaPlaylist,
  partsListedForS,
  type ListedPart,
  type ListedSegment,
  type LiveWindow,
  type LowLatencyOptions,
} from './livePlaylists.ts';

export interface LiveRenditionOptions {
  /** The rendition's folder (index.m3u8, init and media segments). */
  dir: string;
  name: string;
  segmentSeconds: number;
  /** Complete segments listed. */
  windowSegments: number;
  partTargetS: number;
  /** Where a packager on another node left off (when the folder holds no playlist of its own). */
  continueAfter?: HlsContinuation;
  logger: Logger;
}

/**
 * Where a live playlist is: the next media sequence number, the
 * discontinuity sequence number of its newest segment (a player counts
 * one more at the next EXT-X-DISCONTINUITY), and the newest run's
 * generation (in every file name: a run after it must use a higher one, or
 * its init section would take the name of one a CDN keeps for a year).
 */
export interface HlsContinuation {
  nextMsn: number;
  discontinuitySequence: number;
  generation: number;
}

/** A part's place: segment `msn`, part `part` (from 0). */
export interface PartPosition {
  msn: number;
  part: number;
}

interface HeldPart extends ListedPart {
  bytes: Buffer | undefined;
}

interface HeldSegment extends ListedSegment {
  parts: HeldPart[];
}

interface Run {
  generation: number;
  init: InitInfo;
  initUri: string;
  /**
   * Wall clock of the run's media time 0: dates every segment. Set when the first fragment arrives (its
   * end is now), as FFmpeg's HLS muxer did at its start: FFmpeg spends a moment probing its inputs
   * before any output, and dating from the spawn would make its output look that much late
   * (CompositorProcess restarts a run that lags).
   */
  startedAtMs: number | undefined;
  firstSegment: boolean;
  /** Fragments of audio alone since the last part, waiting for one with video. */
  heldAudio: Buffer[];
}

/** Segments that left the window stay on disk this many more (a player may still be fetching one). */
const DELETE_AFTER_SEGMENTS = 2;

export class LiveRendition {
  readonly #options: LiveRenditionOptions;
  readonly #targetDurationS: number;
  #segments: HeldSegment[] = [];
  #current: HeldSegment | undefined;
  #nextMsn = 0;
  #discontinuitySequence = 0;
  /** The newest run's generation (or the one this rendition continues after). */
  #generation = 0;
  /** Left the window, deleted once DELETE_AFTER_SEGMENTS more have. */
  readonly #retired: string[] = [];
  #run: Run | undefined;
  readonly #listeners = new Set<() => void>();
  #changes = 0;
  #plain: { at: number; text: string } | undefined;

  constructor(options: LiveRenditionOptions) {
    this.#options = options;
    this.#targetDurationS = Math.max(1, Math.ceil(options.segmentSeconds));
    fs.mkdirSync(options.dir, { recursive: true });
    if (!this.#restore() && options.continueAfter) {
      this.#nextMsn = options.continueAfter.nextMsn;
      this.#discontinuitySequence = options.continueAfter.discontinuitySequence;
      this.#generation = options.continueAfter.generation;
    }
  }

  /** Where this playlist is now (what a packager taking over elsewhere continues from). */
  get continuation(): HlsContinuation {
    const listed = this.#current ? [...this.#segments, this.#current] : this.#segments;
    return {
      nextMsn: this.#nextMsn,
      discontinuitySequence: this.#discontinuitySequence + listed.filter((segment) => segment.discontinuity).length,
      generation: this.#generation,
    };
  }

  get name(): string {
    return this.#options.name;
  }

  /** The newest part listed, if any. */
  get edge(): PartPosition | undefined {
    const segment = this.#current ?? this.#segments.at(-1);
    if (!segment || segment.parts.length === 0) return undefined;
    return { msn: segment.msn, part: segment.parts.length - 1 };
  }

  /** The msn of the newest segment listed (complete or being written). */
  get lastMsn(): number | undefined {
    return (this.#current ?? this.#segments.at(-1))?.msn;
  }

  /** Changes so far: a playlist rendered at one count stays right until the next. */
  get changes(): number {
    return this.#changes;
  }

  /** A run's playlists can be served once its init section has arrived. */
  get live(): boolean {
    return this.#run !== undefined;
  }

  get codecs(): string | undefined {
    return this.#run?.init.codecs;
  }

  /**
   * A new FFmpeg run: its init section (written to disk), its first segment a discontinuity. Its media
   * is dated from `startedAtMs` when given (tests), else from its first fragment's arrival.
   */
  startRun(generation: number, initBytes: Buffer, startedAtMs?: number): void {
    this.#closeCurrent();
    this.#generation = Math.max(this.#generation, generation);
    const init = readInit(initBytes);
    const initUri = `init_${generation}_${this.#options.name}.mp4`;
    writeWhole(path.join(this.#options.dir, initUri), initBytes);
    this.#run = { generation, init, initUri, startedAtMs, firstSegment: true, heldAudio: [] };
  }

  /** A fragment of the current run: a part of the open segment, or the first of a new one at a key frame. */
  addFragment(bytes: Buffer): void {
    const run = this.#run;
    if (!run) throw new Error('a fragment before its init section');
    const info = readFragment(bytes, run.init);
    if (!info) {
      // Audio alone: it rides with the next part that has video (a part may hold several fragments),
      // so the segments keep all the sound and every part's duration is its video's.
      run.heldAudio.push(bytes);
      return;
    }
    const partBytes = run.heldAudio.length > 0 ? Buffer.concat([...run.heldAudio, bytes]) : bytes;
    run.heldAudio = [];
    run.startedAtMs ??= Date.now() - (info.startS + info.durationS) * 1000;
    // Held requests hear of the closed segment together with the new part (one change, not two).
    if (info.independent && this.#current && this.#current.parts.length > 0) this.#closeCurrent(false);
    if (!this.#current) {
      // A run's output starts with a key frame; a segment must too.
      if (!info.independent) return;
      const msn = this.#nextMsn++;
      this.#current = {
        msn,
        uri: `${hlsSegmentPrefix(run.generation)}${String(msn).padStart(5, '0')}.m4s`,
        initUri: run.initUri,
        durationS: 0,
        programDateTime: new Date(run.startedAtMs + info.startS * 1000).toISOString(),
        discontinuity: run.firstSegment && (this.#segments.length > 0 || this.#discontinuitySequence > 0 || msn > 0),
        parts: [],
      };
      run.firstSegment = false;
    }
    const segment = this.#current;
    segment.parts.push({
      uri: partUri(run.generation, segment.msn, segment.parts.length),
      durationS: info.durationS,
      independent: info.independent,
      bytes: partBytes,
    });
    segment.durationS += info.durationS;
    this.#changed();
  }

  /** Run `generation`'s output ended: its last segment is complete as it is (a later run is left alone). */
  endRun(generation: number): void {
    if (this.#run?.generation !== generation) return;
    this.#closeCurrent();
    this.#run = undefined;
  }

  /**
   * Whether the playlist has reached a request's `_HLS_msn`/`_HLS_part`:
   * that part or a later one is listed (a complete segment has every part it
   * will have); without a part, segment `msn` is complete.
   */
  hasReached(msn: number, part: number | undefined): boolean {
    const lastComplete = this.#segments.at(-1)?.msn ?? -1;
    if (msn <= lastComplete) return true;
    if (part === undefined) return false;
    const edge = this.edge;
    return edge !== undefined && (edge.msn > msn || (edge.msn === msn && edge.part >= part));
  }

  /** A part's bytes, while it is held. */
  part(uri: string): Buffer | undefined {
    const position = partPositionOf(uri);
    if (!position || position.generation !== this.#generationOf(position.msn)) return undefined;
    const segment = this.#current?.msn === position.msn ? this.#current : this.#segmentOf(position.msn);
    return segment?.parts[position.part]?.bytes;
  }

  /** The next part this rendition will write (EXT-X-PRELOAD-HINT), while a run is on. */
  get nextPartUri(): string | undefined {
    const run = this.#run;
    if (!run) return undefined;
    const current = this.#current;
    return current
      ? partUri(run.generation, current.msn, current.parts.length)
      : partUri(run.generation, this.#nextMsn, 0);
  }

  plainPlaylist(): string {
    if (this.#plain?.at !== this.#changes)
      this.#plain = { at: this.#changes, text: plainMediaPlaylist(this.#window()) };
    return this.#plain.text;
  }

  lowLatencyPlaylist(options: Omit<LowLatencyOptions, 'preloadHintUri' | 'partTargetS'>): string | undefined {
    const preloadHintUri = this.nextPartUri;
    if (!preloadHintUri) return undefined;
    return lowLatencyMediaPlaylist(this.#window(), {
      ...options,
      preloadHintUri,
      partTargetS: this.#options.partTargetS,
    });
  }

  /** Called after every change (a part, a segment); returns the unsubscribe. */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #window(): LiveWindow {
    return {
      segments: this.#segments,
      current: this.#current,
      nextMsn: this.#nextMsn,
      discontinuitySequence: this.#discontinuitySequence,
      targetDurationS: this.#targetDurationS,
    };
  }

  #generationOf(msn: number): number | undefined {
    const segment = this.#current?.msn === msn ? this.#current : this.#segmentOf(msn);
    return segment ? Number(/_(\d+)_/.exec(segment.uri)?.[1]) : undefined;
  }

  #segmentOf(msn: number): HeldSegment | undefined {
    const first = this.#segments[0]?.msn;
    return first === undefined ? undefined : this.#segments[msn - first];
  }

  #closeCurrent(notify = true): void {
    const segment = this.#current;
    if (!segment) return;
    this.#current = undefined;
    if (segment.parts.length === 0) return;
    const { dir } = this.#options;
    try {
      writeWhole(
        path.join(dir, segment.uri),
        Buffer.concat(segment.parts.map((part) => part.bytes ?? Buffer.alloc(0))),
      );
    } catch (error) {
      // The parts were served; the plain playlist just will not list it.
      this.#options.logger.warn({ err: error, segment: segment.uri }, 'writing a live segment failed');
      if (notify) this.#changed();
      return;
    }
    this.#segments.push(segment);
    while (this.#segments.length > this.#options.windowSegments) {
      const leaving = this.#segments.shift()!;
      if (leaving.discontinuity) this.#discontinuitySequence++;
      this.#retired.push(leaving.uri);
    }
    this.#dropOldParts();
    this.#deleteRetired();
    try {
      writeWhole(path.join(dir, 'index.m3u8'), Buffer.from(plainMediaPlaylist(this.#window())));
    } catch (error) {
      this.#options.logger.warn({ err: error, rendition: this.#options.name }, 'writing the live playlist failed');
    }
    if (notify) this.#changed();
  }

  /** Parts no longer listed are not kept: the segment file has their bytes. */
  #dropOldParts(): void {
    const keepS = partsListedForS(this.#targetDurationS) + this.#targetDurationS;
    let fromEndS = 0;
    for (let index = this.#segments.length - 1; index >= 0; index--) {
      const segment = this.#segments[index]!;
      fromEndS += segment.durationS;
      if (fromEndS > keepS) {
        if (segment.parts.length === 0) break;
        segment.parts = [];
      }
    }
  }

  #deleteRetired(): void {
    while (this.#retired.length > DELETE_AFTER_SEGMENTS) {
      const file = path.join(this.#options.dir, this.#retired.shift()!);
      fs.rm(file, { force: true }, (error) => {
        if (error) this.#options.logger.warn({ err: error, file }, 'deleting an old live segment failed');
      });
    }
  }

  #changed(): void {
    this.#changes++;
    for (const listener of this.#listeners) listener();
  }

  /** Continues the playlist a previous packager left in the folder; false when there is none. */
  #restore(): boolean {
    let text: string;
    try {
      text = fs.readFileSync(path.join(this.#options.dir, 'index.m3u8'), 'utf8');
    } catch (error) {
      if (isMissingFile(error)) return false;
      throw error;
    }
    const firstMsn = mediaSequenceOf(text);
    this.#segments = parseMediaPlaylist(text).map((segment, index) => ({
      msn: firstMsn + index,
      uri: segment.uri,
      initUri: segment.initUri ?? '',
      durationS: segment.durationS,
      programDateTime: segment.programDateTime ?? new Date().toISOString(),
      discontinuity: segment.discontinuity,
      parts: [],
    }));
    this.#nextMsn = firstMsn + this.#segments.length;
    this.#discontinuitySequence = discontinuitySequenceOf(text);
    for (const segment of this.#segments) {
      const generation = /init_(\d+)_/.exec(segment.initUri)?.[1];
      if (generation !== undefined) this.#generation = Math.max(this.#generation, Number(generation));
    }
    return true;
  }
}

export function partUri(generation: number, msn: number, part: number): string {
  return `part_${generation}_${msn}_${part}.m4s`;
}

/** A part URI's generation, msn and index; undefined for any other name. */
export function partPositionOf(uri: string): (PartPosition & { generation: number }) | undefined {
  const match = /^part_(\d{1,6})_(\d{1,9})_(\d{1,3})\.m4s$/.exec(uri);
  if (!match) return undefined;
  return { generation: Number(match[1]), msn: Number(match[2]), part: Number(match[3]) };
}

function discontinuitySequenceOf(text: string): number {
  return Number(/^#EXT-X-DISCONTINUITY-SEQUENCE:(\d+)/m.exec(text)?.[1] ?? 0);
}
