// Which RTP codecs the installed FFmpeg can read: its SDP demuxer must have
// a depacketizer for the encoding name, and the build must have a decoder
// for the codec. Given an SDP with a codec it lacks, FFmpeg lists the stream
// as "Video: none" and then fails the whole run (every host goes dark), so
// the recorder asks here first and leaves such a track out.
//
// FFmpeg cannot list its depacketizers, and a probe only answers after its
// 10 s RTP read timeout, so they come from a table (FFmpeg's
// libavformat/rtpdec*.c), with the release that added each one; decoders are
// asked of the binary itself (`ffmpeg -decoders`).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

interface Depacketizer {
  /** mediasoup's mimeType, lower case. */
  mimeType: string;
  /** FFmpeg codec id the decoder must handle (`ffmpeg -decoders`: the name, or "(codec …)"). */
  codec: string;
  /** First FFmpeg release with this depacketizer [major, minor]; absent: older than any we meet. */
  since?: readonly [number, number];
}

/** Everything mediasoup can route that FFmpeg may depacketize. Anything else (multiopus, SILK, ISAC, CN, …) is unreadable. */
const depacketizers: readonly Depacketizer[] = [
  { mimeType: 'video/vp8', codec: 'vp8' },
  { mimeType: 'video/vp9', codec: 'vp9' },
  { mimeType: 'video/h264', codec: 'h264' },
  { mimeType: 'video/h265', codec: 'hevc' },
  // rtpdec_av1.c landed in December 2024: FFmpeg 8.0 (Debian 12 ships 5.1).
  { mimeType: 'video/av1', codec: 'av1', since: [8, 0] },
  { mimeType: 'audio/opus', codec: 'opus' },
  { mimeType: 'audio/pcmu', codec: 'pcm_mulaw' },
  { mimeType: 'audio/pcma', codec: 'pcm_alaw' },
  { mimeType: 'audio/g722', codec: 'adpcm_g722' },
  { mimeType: 'audio/ilbc', codec: 'ilbc' },
];

const cacheByBinary = new Map<string, Promise<ReadonlySet<string>>>();

/** Lower-case mime types (`video/vp8`) the FFmpeg at `ffmpegPath` can read from RTP; asked once per binary. */
export function ffmpegReadableRtpCodecs(ffmpegPath: string): Promise<ReadonlySet<string>> {
  let cached = cacheByBinary.get(ffmpegPath);
  if (!cached) {
    cached = probe(ffmpegPath);
    cacheByBinary.set(ffmpegPath, cached);
    // A failed probe (binary replaced mid-flight) is asked again next time.
    cached.catch(() => cacheByBinary.delete(ffmpegPath));
  }
  return cached;
}

async function probe(ffmpegPath: string): Promise<ReadonlySet<string>> {
  const run = promisify(execFile);
  const options = { timeout: 10_000, maxBuffer: 4 * 1024 * 1024 };
  const [version, decoders] = await Promise.all([
    run(ffmpegPath, ['-hide_banner', '-version'], options),
    run(ffmpegPath, ['-hide_banner', '-decoders'], options),
  ]);
  return readableRtpCodecs(parseFfmpegVersion(version.stdout), decoderCodecs(decoders.stdout));
}

/** The depacketizers of this FFmpeg release whose codec it can decode. */
export function readableRtpCodecs(
  version: readonly [number, number] | undefined,
  decodable: ReadonlySet<string>,
): ReadonlySet<string> {
  return new Set(
    depacketizers
      .filter(({ since }) => !since || (version !== undefined && compareVersions(version, since) >= 0))
      .filter(({ codec }) => decodable.has(codec))
      .map(({ mimeType }) => mimeType),
  );
}

/**
 * [major, minor] from `ffmpeg -version`'s first line ("ffmpeg version 5.1.9-0+deb12u1");
 * undefined for a git snapshot ("N-113406-g…"), whose features are not known by number.
 */
export function parseFfmpegVersion(output: string): [number, number] | undefined {
  const match = /^ffmpeg version n?(\d+)\.(\d+)/m.exec(output);
  return match ? [Number(match[1]), Number(match[2])] : undefined;
}

/** Codec ids that some decoder of this build handles, from `ffmpeg -decoders`. */
export function decoderCodecs(output: string): Set<string> {
  const codecs = new Set<string>();
  for (const line of output.split('\n')) {
    // " VFS..D h264                 H.264 / AVC …" or " V..... libdav1d  dav1d AV1 decoder (codec av1)"
    const match = /^ [VAS][F.][S.][X.][B.][D.] ([^\s=]\S*)\s+(.*)$/.exec(line);
    if (!match) continue;
    const aliased = /\(codec (\S+)\)\s*$/.exec(match[2]!);
    codecs.add(aliased ? aliased[1]! : match[1]!);
  }
  return codecs;
}

function compareVersions(a: readonly [number, number], b: readonly [number, number]): number {
  return a[0] - b[0] || a[1] - b[1];
}
