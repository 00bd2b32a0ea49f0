// The live HLS ladder of one broadcast, packaged by us from FFmpeg's
// fragmented MP4 (one pipe per rendition): a LiveRendition per rendition,
// the master playlists (plain and low-latency) once every rendition has a
// segment, and each rendition's low-latency playlist with reports of the
// others' edges (EXT-X-RENDITION-REPORT lets a player switch without a
// blocking reload of its own). Design: docs/ll-hls.md.
import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import type { Rendition } from '../hlsOutputArgs.ts';
import { masterPlaylist, type MasterEntry } from './livePlaylists.ts';
import { LiveRendition, type HlsContinuation } from './LiveRendition.ts';
import { Mp4BoxStream } from './mp4BoxStream.ts';
import { writeWhole } from './writeWhole.ts';

export interface LiveLadderOptions {
  /** Folder of the master playlists and one sub-folder per rendition. */
  dir: string;
  renditions: readonly Rendition[];
  fps: number;
  segmentSeconds: number;
  windowSegments: number;
  partSeconds: number;
  /** Write the low-latency master playlist (LL_HLS). */
  lowLatency: boolean;
  /** Where another node's packager of this broadcast left off (LiveRendition). */
  continueAfter?: HlsContinuation;
  logger: Logger;
}

export const PLAIN_MASTER = 'master.m3u8';
export const LOW_LATENCY_MASTER = 'master-ll.m3u8';
export const PLAIN_MEDIA_PLAYLIST = 'index.m3u8';
export const LOW_LATENCY_MEDIA_PLAYLIST = 'll.m3u8';

/** Audio bitrate of every rendition (hlsOutputArgs.ts), counted in the master's BANDWIDTH. */
const AUDIO_BITS_PER_S = 128_000;

export class LiveLadder {
  readonly #options: LiveLadderOptions;
  readonly #renditions: LiveRendition[];
  #mastersWritten = false;
  /** The newest rendering of each low-latency playlist, and the changes it was rendered at. */
  readonly #rendered = new Map<string, { stamp: number; text: string }>();
  /** The current run's outputs, until each has ended. */
  #running: Promise<void> = Promise.resolve();

  constructor(options: LiveLadderOptions) {
    this.#options = options;
    this.#renditions = options.renditions.map(
      (rendition) =>
        new LiveRendition({
          dir: path.join(options.dir, rendition.name),
          name: rendition.name,
          segmentSeconds: options.segmentSeconds,
          windowSegments: options.windowSegments,
          partTargetS: partTargetS(options.fps, options.partSeconds),
          ...(options.continueAfter ? { continueAfter: options.continueAfter } : {}),
          logger: options.logger,
        }),
    );
  }

  /**
   * How long a blocking request may be held: three target durations (the
   * spec's bound, after which the server answers 503).
   */
  get blockingHoldMs(): number {
    return 3 * Math.max(1, Math.ceil(this.#options.segmentSeconds)) * 1000;
  }

  /** The highest `_HLS_part` worth holding for: two segments' parts (beyond, a request is refused). */
  get maxPartIndex(): number {
    return 2 * Math.ceil(this.#options.segmentSeconds / partTargetS(this.#options.fps, this.#options.partSeconds));
  }

  /** Where the ladder is (every rendition cuts at the same key frames; the furthest counts). */
  get continuation(): HlsContinuation {
    const each = this.#renditions.map((rendition) => rendition.continuation);
    return {
      nextMsn: Math.max(...each.map((position) => position.nextMsn)),
      discontinuitySequence: Math.max(...each.map((position) => position.discontinuitySequence)),
      generation: Math.max(...each.map((position) => position.generation)),
    };
  }

  get renditions(): readonly LiveRendition[] {
    return this.#renditions;
  }

  rendition(name: string): LiveRendition | undefined {
    return this.#renditions.find((rendition) => rendition.name === name);
  }

  /**
   * A new FFmpeg run's outputs, in rendition order: each is cut into parts as
   * it arrives. A broken stream ends that rendition's run (logged); FFmpeg's
   * watchdog restarts the whole run if its output stops.
   */
  startRun(generation: number, outputs: readonly Readable[]): void {
    const ended = this.#renditions.map((rendition, index) => {
      const output = outputs[index];
      if (!output) throw new Error(`no output for rendition ${rendition.name}`);
      return this.#feed(rendition, generation, output);
    });
    this.#running = Promise.all(ended).then(() => undefined);
  }

  /** Resolves once the current run's outputs have ended and their last segments are written. */
  runEnded(): Promise<void> {
    return this.#running;
  }

  /** `name`'s low-latency playlist with the other renditions' reports; undefined before its run's first init. */
  lowLatencyPlaylist(name: string, skip: boolean): string | undefined {
    const rendition = this.rendition(name);
    if (!rendition) return undefined;
    // A thousand held requests are answered with one rendering.
    const stamp = this.#renditions.reduce((sum, other) => sum + other.changes, 0);
    const key = `${name}|${skip}`;
    const cached = this.#rendered.get(key);
    if (cached?.stamp === stamp) return cached.text;
    const renditionReports = this.#renditions.flatMap((other) => {
      const edge = other.edge;
      if (other === rendition || !edge) return [];
      return [{ uri: `../${other.name}/${LOW_LATENCY_MEDIA_PLAYLIST}`, lastMsn: edge.msn, lastPart: edge.part }];
    });
    const text = rendition.lowLatencyPlaylist({ renditionReports, skip });
    if (text !== undefined) this.#rendered.set(key, { stamp, text });
    return text;
  }

  #feed(rendition: LiveRendition, generation: number, output: Readable): Promise<void> {
    const boxes = new Mp4BoxStream();
    return new Promise<void>((resolve) => {
      let broken = false;
      output.on('data', (chunk: Buffer) => {
        if (broken) return;
        try {
          for (const section of boxes.push(chunk)) {
            if (section.kind === 'init') rendition.startRun(generation, section.bytes);
            else {
              rendition.addFragment(section.bytes);
              this.#writeMastersOnce();
            }
          }
        } catch (error) {
          // Serving a misread part would be worse than a gap: this run's output is ignored from here.
          broken = true;
          this.#options.logger.warn({ err: error, rendition: rendition.name, generation }, 'unreadable HLS output');
        }
      });
      // 'end', then 'close' (or 'close' alone after an error): once.
      let ended = false;
      const end = () => {
        if (ended) return;
        ended = true;
        rendition.endRun(generation);
        resolve();
      };
      output.once('end', end);
      output.once('error', (error) => {
        this.#options.logger.warn({ err: error, rendition: rendition.name }, 'HLS output pipe failed');
      });
      output.once('close', end);
    });
  }

  /** Both masters, once every rendition has listed a segment (a player starting earlier would find nothing). */
  #writeMastersOnce(): void {
    if (this.#mastersWritten) return;
    if (!this.#renditions.every((rendition) => rendition.codecs && rendition.lastMsn !== undefined)) return;
    if (
      this.#renditions.some(
        (rendition) => !fs.existsSync(path.join(this.#options.dir, rendition.name, PLAIN_MEDIA_PLAYLIST)),
      )
    ) {
      return;
    }
    this.#mastersWritten = true;
    const entries = (playlist: string): MasterEntry[] =>
      this.#options.renditions.map((rendition, index) => ({
        uri: `${rendition.name}/${playlist}`,
        bandwidth: Math.round(rendition.videoBitrateKbps * 1000 * 1.1) + AUDIO_BITS_PER_S,
        width: rendition.width,
        height: rendition.height,
        codecs: this.#renditions[index]!.codecs!,
        frameRate: this.#options.fps,
      }));
    writeWhole(path.join(this.#options.dir, PLAIN_MASTER), masterPlaylist(entries(PLAIN_MEDIA_PLAYLIST)));
    if (this.#options.lowLatency) {
      writeWhole(path.join(this.#options.dir, LOW_LATENCY_MASTER), masterPlaylist(entries(LOW_LATENCY_MEDIA_PLAYLIST)));
    }
  }
}

/**
 * The PART-TARGET for parts of `partSeconds` rounded to whole frames (s): one
 * frame more than a part, since no part may be longer than the target and
 * FFmpeg's first part of a run, or one whose cut an audio packet decided,
 * runs a little over. The parts stay above 85 % of it, as the spec asks.
 */
export function partTargetS(fps: number, partSeconds: number): number {
  return (Math.max(1, Math.round(fps * partSeconds)) + 1) / fps;
}
