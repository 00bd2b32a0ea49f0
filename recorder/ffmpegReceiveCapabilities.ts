// The RTP capabilities the recorder consumes with: what FFmpeg's RTP input
// can actually take. With the router's full capabilities mediasoup treats the
// PlainTransport like a browser: it estimates bandwidth (transport-cc,
// abs-send-time, REMB) and probes it with padding packets on SSRC 1234 sent
// to the video port. FFmpeg's SDP demuxer has no notion of a second SSRC: the
// probes' sequence numbers break its reordering ("RTP: missed N packets",
// "max delay reached") and starve the other streams, so the broadcast loses
// its audio. FFmpeg sends no NACK, PLI or FIR either (receiver reports only),
// so RTX and feedback are left out too. Key frames are still requested by
// the recorder itself (consumer.requestKeyFrame()).
import type { types } from 'mediasoup';

/** Header extensions that turn on mediasoup's bandwidth estimation and probing. */
const ESTIMATION_EXTENSIONS = new Set([
  'http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01',
  'http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time',
]);

export function ffmpegReceiveCapabilities(routerCapabilities: types.RtpCapabilities): types.RtpCapabilities {
  return {
    codecs: (routerCapabilities.codecs ?? [])
      .filter((codec) => !/\/rtx$/i.test(codec.mimeType))
      .map((codec) => ({ ...codec, rtcpFeedback: [] })),
    headerExtensions: (routerCapabilities.headerExtensions ?? []).filter(
      (extension) => !ESTIMATION_EXTENSIONS.has(extension.uri),
    ),
  };
}
