// What a synthetic (werift) peer tells the server about its media: the
// receive capabilities it joins with, and the rtpParameters of what it
// publishes. Pure functions of the router's capabilities and the peer's SSRCs.
import type { types as client } from 'mediasoup-client';

export const TRANSPORT_CC_URI = 'http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01';

const MID_URI = 'urn:ietf:params:rtp-hdrext:sdes:mid';
export const AUDIO_LEVEL_URI = 'urn:ietf:params:rtp-hdrext:ssrc-audio-level';
/** One-byte header extension id our publishers use for the audio level. */
export const AUDIO_LEVEL_EXTENSION_ID = 1;

export const VIDEO_PAYLOAD_TYPE = 96;
export const AUDIO_PAYLOAD_TYPE = 111;

/**
 * The router's capabilities narrowed to what a synthetic peer receives: Opus and
 * VP8 with NACK, PLI/FIR and (with `transportCc`) transport-wide congestion
 * control, the MID extension, and no RTX or REMB. With transport-cc the
 * subscriber sends feedback and mediasoup estimates its bandwidth as it
 * does for a browser; without it, no estimator runs and Stagecast's quality
 * controller, having no figure, keeps every tile on the lowest layer.
 * Without RTX, mediasoup retransmits NACKed packets on the media SSRC.
 * Generic over the capability shapes, so the protocol's (mediasoup-client)
 * and the server's (mediasoup) types both go in and come out as they were.
 */
export function syntheticReceiveCapabilities<
  Feedback extends { type: string },
  Codec extends { mimeType: string; rtcpFeedback?: Feedback[] },
  Extension extends { uri: string },
>(
  router: { codecs?: Codec[]; headerExtensions?: Extension[] },
  { transportCc }: { transportCc: boolean },
): { codecs: Codec[]; headerExtensions: Extension[] } {
  const wanted = new Set(['audio/opus', 'video/vp8']);
  const dropFeedback = new Set(transportCc ? ['goog-remb'] : ['transport-cc', 'goog-remb']);
  const extensions = new Set<string>(transportCc ? [MID_URI, TRANSPORT_CC_URI] : [MID_URI]);
  return {
    codecs: (router.codecs ?? [])
      .filter((codec) => wanted.has(codec.mimeType.toLowerCase()))
      .map((codec) => ({
        ...codec,
        rtcpFeedback: (codec.rtcpFeedback ?? []).filter((feedback) => !dropFeedback.has(feedback.type)),
      })),
    headerExtensions: (router.headerExtensions ?? []).filter((extension) => extensions.has(extension.uri)),
  };
}

export interface SimulcastSsrcs {
  /** One SSRC per layer, lowest layer first. */
  layers: readonly number[];
}

/** VP8 simulcast signalled by SSRC, one encoding per layer (lowest first), as Chrome does without RID. */
export function videoProducerParameters(ssrcs: SimulcastSsrcs, cname: string, maxBitrates: readonly number[]) {
  return {
    codecs: [
      {
        mimeType: 'video/VP8',
        payloadType: VIDEO_PAYLOAD_TYPE,
        clockRate: 90000,
        rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }, { type: 'ccm', parameter: 'fir' }],
      },
    ],
    headerExtensions: [],
    encodings: ssrcs.layers.map((ssrc, index) => ({
      ssrc,
      scalabilityMode: 'L1T1',
      ...(maxBitrates[index] ? { maxBitrate: maxBitrates[index] } : {}),
    })),
    rtcp: { cname, reducedSize: true },
  } satisfies client.RtpParameters;
}

/** Opus with the audio level extension, so the room's speaking observers see our packets. */
export function audioProducerParameters(ssrc: number, cname: string) {
  return {
    codecs: [
      {
        mimeType: 'audio/opus',
        payloadType: AUDIO_PAYLOAD_TYPE,
        clockRate: 48000,
        channels: 2,
        parameters: { useinbandfec: 1, usedtx: 1 },
        rtcpFeedback: [],
      },
    ],
    headerExtensions: [{ uri: AUDIO_LEVEL_URI, id: AUDIO_LEVEL_EXTENSION_ID }],
    encodings: [{ ssrc }],
    rtcp: { cname, reducedSize: true },
  } satisfies client.RtpParameters;
}

/** A random non-zero 32-bit SSRC. */
export function randomSsrc(): number {
  return (Math.floor(Math.random() * 0xfffffffe) + 1) >>> 0;
}

/** 64-bit NTP time (seconds since 1900 in the high 32 bits), for sender reports. */
export function ntpNow(): bigint {
  const ms = Date.now() + 2_208_988_800_000;
  const seconds = BigInt(Math.floor(ms / 1000));
  const fraction = BigInt(Math.floor(((ms % 1000) / 1000) * 2 ** 32));
  return (seconds << 32n) | fraction;
}
