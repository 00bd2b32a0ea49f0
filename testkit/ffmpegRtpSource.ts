// A stand-in host for tests: FFmpeg encodes a test pattern (VP8) and a tone
// (Opus) and sends them as RTP into two comedia PlainTransports, which
// produce them into the router like a browser's camera and microphone.
import { spawn, type ChildProcess } from 'node:child_process';
import type { types } from 'mediasoup';
import { reapOnExit } from '../recorder/childReaper.ts';
import { resolveFfmpeg } from '../recorder/ffmpegBinary.ts';

export interface FfmpegRtpSource {
  videoProducer: types.Producer;
  audioProducer: types.Producer;
  /** What FFmpeg wrote to stderr (errors only). */
  errors(): string;
  stop(): void;
}

let nextSsrc = 22_000_000;

function plainInput(router: types.Router) {
  // FFmpeg sends RTCP from its RTP port + 1, so RTCP is not muxed; comedia
  // learns FFmpeg's address from the first packet.
  return router.createPlainTransport({
    listenInfo: { protocol: 'udp', ip: '127.0.0.1' },
    rtcpMux: false,
    comedia: true,
  });
}

function rtpUrl(transport: types.PlainTransport): string {
  return `rtp://127.0.0.1:${transport.tuple.localPort}?rtcpport=${transport.rtcpTuple!.localPort}&pkt_size=1200`;
}

export async function startFfmpegRtpSource(
  router: types.Router,
  options: {
    seconds?: number;
    size?: string;
    hue?: number;
    /** A solid colour (`0xff00ff`) instead of the moving test pattern: easy to find in a decoded frame. */
    colour?: string;
    /** Sources of the two producers (appData.source). Default camera and microphone. */
    sources?: { video: string; audio: string };
    /** Video frames a second (default 30); a still shared screen sends about one. */
    fps?: number;
    /** The microphone's tone (default 440 Hz): tell two hosts apart in a mix. */
    toneHz?: number;
    appData?: types.AppData;
  } = {},
): Promise<FfmpegRtpSource> {
  const videoSsrc = nextSsrc++;
  const audioSsrc = nextSsrc++;
  const videoIn = await plainInput(router);
  const audioIn = await plainInput(router);
  const videoProducer = await videoIn.produce({
    kind: 'video',
    rtpParameters: {
      codecs: [{ mimeType: 'video/VP8', payloadType: 101, clockRate: 90000 }],
      encodings: [{ ssrc: videoSsrc }],
    },
    appData: { source: options.sources?.video ?? 'camera', ...options.appData },
  });
  const audioProducer = await audioIn.produce({
    kind: 'audio',
    rtpParameters: {
      codecs: [{ mimeType: 'audio/opus', payloadType: 100, clockRate: 48000, channels: 2 }],
      encodings: [{ ssrc: audioSsrc }],
    },
    appData: { source: options.sources?.audio ?? 'microphone', ...options.appData },
  });
  const seconds = options.seconds ?? 30;
  const ffmpeg: ChildProcess = spawn(
    resolveFfmpeg(),
    [
      ...['-hide_banner', '-loglevel', 'error', '-re'],
      ...[
        '-f',
        'lavfi',
        '-i',
        options.colour
          ? `color=c=${options.colour}:size=${options.size ?? '320x240'}:rate=${options.fps ?? 30}:duration=${seconds}`
          : `testsrc=size=${options.size ?? '320x240'}:rate=${options.fps ?? 30}:duration=${seconds},hue=h=${options.hue ?? 0}`,
      ],
      ...['-f', 'lavfi', '-i', `sine=frequency=${options.toneHz ?? 440}:sample_rate=48000:duration=${seconds}`],
      ...['-map', '0:v', '-c:v', 'libvpx', '-b:v', '400k', '-deadline', 'realtime', '-cpu-used', '8', '-g', '15'],
      ...['-ssrc', String(videoSsrc), '-payload_type', '101', '-f', 'rtp', rtpUrl(videoIn)],
      ...['-map', '1:a', '-c:a', 'libopus', '-ac', '2', '-b:a', '64k'],
      ...['-ssrc', String(audioSsrc), '-payload_type', '100', '-f', 'rtp', rtpUrl(audioIn)],
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  reapOnExit(ffmpeg);
  let errors = '';
  ffmpeg.stderr!.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  return {
    videoProducer,
    audioProducer,
    errors: () => errors,
    stop() {
      ffmpeg.kill('SIGKILL');
      videoIn.close();
      audioIn.close();
    },
  };
}
