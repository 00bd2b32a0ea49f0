// What the LL-HLS packager needs to know of FFmpeg's fragmented MP4: from the
// init section, the video track's id and timescale, the per-track sample
// defaults and the RFC 6381 codecs string for the master playlist; from each
// fragment, where its video starts, how long it lasts and whether it opens
// with a key frame (a part that can start playback: INDEPENDENT=YES, and a
// segment boundary). The boxes are read with codem-isoboxer; timing follows
// the defaults chain of ISO/IEC 14496-12 (trun, then tfhd, then trex).
import { parseBuffer, type IsoBox } from 'codem-isoboxer';

export interface InitInfo {
  videoTrackId: number;
  videoTimescale: number;
  /** trex defaults per track id. */
  defaults: ReadonlyMap<number, SampleDefaults>;
  /** e.g. `avc1.4d401f,mp4a.40.2`. */
  codecs: string;
}

export interface FragmentInfo {
  /** Decode time of the fragment's first video sample (s, from the run's start). */
  startS: number;
  /** Its video's duration (s). */
  durationS: number;
  /** It starts with a key frame. */
  independent: boolean;
}

interface SampleDefaults {
  duration: number;
  flags: number;
}

/** sample_is_non_sync_sample in the sample flags. */
const NON_SYNC_SAMPLE = 0x0001_0000;

export function readInit(bytes: Buffer): InitInfo {
  const file = parseBuffer(arrayBufferOf(bytes));
  let video: { id: number; timescale: number } | undefined;
  for (const trak of file.fetchAll('trak')) {
    const handler = field(descendant(trak, 'hdlr'), 'handler_type');
    if (handler !== 'vide') continue;
    video = {
      id: Number(field(descendant(trak, 'tkhd'), 'track_ID')),
      timescale: Number(field(descendant(trak, 'mdhd'), 'timescale')),
    };
  }
  if (!video || !(video.timescale > 0)) throw new Error('the init section has no video track');
  const defaults = new Map<number, SampleDefaults>();
  for (const trex of file.fetchAll('trex')) {
    defaults.set(Number(trex.track_ID), {
      duration: Number(trex.default_sample_duration ?? 0),
      flags: Number(trex.default_sample_flags ?? 0),
    });
  }
  return { videoTrackId: video.id, videoTimescale: video.timescale, defaults, codecs: codecsOf(bytes) };
}

/**
 * Undefined for a fragment without video: FFmpeg cuts one from audio alone
 * when the video encoder falls behind (a busy machine) or the picture pauses.
 */
export function readFragment(bytes: Buffer, init: InitInfo): FragmentInfo | undefined {
  const file = parseBuffer(arrayBufferOf(bytes));
  const traf = file
    .fetchAll('traf')
    .find((candidate) => Number(field(child(candidate, 'tfhd'), 'track_ID')) === init.videoTrackId);
  if (!traf) return undefined;
  const tfhd = child(traf, 'tfhd');
  const trexDefaults = init.defaults.get(init.videoTrackId);
  const defaultDuration = Number(tfhd?.default_sample_duration ?? trexDefaults?.duration ?? 0);
  const defaultFlags = Number(tfhd?.default_sample_flags ?? trexDefaults?.flags ?? 0);
  const start = Number(field(child(traf, 'tfdt'), 'baseMediaDecodeTime') ?? 0);
  let duration = 0;
  let firstFlags: number | undefined;
  for (const trun of (traf.boxes ?? []).filter((box) => box.type === 'trun')) {
    const samples = (trun.samples as { sample_duration?: number; sample_flags?: number }[] | undefined) ?? [];
    for (const [index, sample] of samples.entries()) {
      duration += sample.sample_duration ?? defaultDuration;
      if (firstFlags === undefined) {
        firstFlags =
          index === 0 && trun.first_sample_flags !== undefined
            ? Number(trun.first_sample_flags)
            : (sample.sample_flags ?? defaultFlags);
      }
    }
  }
  if (firstFlags === undefined) return undefined;
  return {
    startS: start / init.videoTimescale,
    durationS: duration / init.videoTimescale,
    independent: (firstFlags & NON_SYNC_SAMPLE) === 0,
  };
}

/** RFC 6381: `avc1.` and the avcC's profile, constraints and level in hex; AAC-LC as FFmpeg's aac encoder writes it. */
function codecsOf(init: Buffer): string {
  const codecs: string[] = [];
  const avcC = init.indexOf('avcC', 0, 'latin1');
  if (avcC >= 0) codecs.push(`avc1.${init.subarray(avcC + 5, avcC + 8).toString('hex')}`);
  if (init.includes('mp4a', 0, 'latin1')) codecs.push('mp4a.40.2');
  return codecs.join(',');
}

function arrayBufferOf(bytes: Buffer): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) as ArrayBuffer;
}

function child(box: IsoBox, type: string): IsoBox | undefined {
  return box.boxes?.find((candidate) => candidate.type === type);
}

function descendant(box: IsoBox, type: string): IsoBox | undefined {
  for (const inner of box.boxes ?? []) {
    if (inner.type === type) return inner;
    const found = descendant(inner, type);
    if (found) return found;
  }
  return undefined;
}

function field(box: IsoBox | undefined, name: string): unknown {
  return box?.[name];
}
