import type { types } from 'mediasoup';

/**
 * Codecs every room router offers. Browsers publish VP8 simulcast and Opus;
 * H.264 is offered for clients that only encode H.264 (some mobile Safari),
 * but the recorder composes VP8 cameras only (docs/streaming.md): an
 * H.264 camera is shown camera-off in the broadcast, with a warning.
 */
export const routerMediaCodecs: types.RouterRtpCodecCapability[] = [
  {
    kind: 'audio',
    mimeType: 'audio/opus',
    clockRate: 48000,
    channels: 2,
    parameters: { useinbandfec: 1, usedtx: 1 },
  },
  { kind: 'video', mimeType: 'video/VP8', clockRate: 90000, parameters: {} },
  {
    kind: 'video',
    mimeType: 'video/H264',
    clockRate: 90000,
    parameters: { 'packetization-mode': 1, 'profile-level-id': '42e01f', 'level-asymmetry-allowed': 1 },
  },
];
