// How a host's tracks are encoded: the camera as up to three simulcast
// layers (the SFU forwards each viewer the one its tile needs), the
// microphone as Opus with DTX and in-band FEC. Pure: unit-testable.
import type { types } from 'mediasoup-client';

/**
 * How many simulcast layers Chromium (libwebrtc) encodes for a capture size:
 * it silently drops the top encodings beyond this ("legacy simulcast layer
 * limit"), so asking for more only loses the sharpest layer. By pixel count:
 * from 960×540 three, from 480×270 two, below that one.
 */
const LAYERS_BY_AREA = [
  { area: 960 * 540, layers: 3 },
  { area: 480 * 270, layers: 2 },
] as const;
/** Layer scales, lowest first, by layer count: each layer halves the one above. */
const SCALES_BY_LAYERS: Record<number, readonly number[]> = { 3: [4, 2, 1], 2: [2, 1] };
/** Three temporal layers per encoding, so the SFU can also drop frame rate. */
const SCALABILITY_MODE = 'L1T3';

/** Bitrate cap by the height a layer encodes at (180p/360p/720p ≈ 150k/500k/1.5M). */
export function layerBitrate(height: number): number {
  if (height <= 90) return 80_000;
  if (height <= 180) return 150_000;
  if (height <= 360) return 500_000;
  if (height <= 540) return 1_000_000;
  return 1_500_000;
}

export function simulcastLayerCount(width: number, height: number): number {
  return LAYERS_BY_AREA.find(({ area }) => width * height >= area)?.layers ?? 1;
}

/**
 * Simulcast encodings for a camera captured at width×height, lowest layer
 * first: 720p sends 180p/360p/720p, 360p sends 180p/360p, and a capture
 * below 480×270 one plain encoding (still with temporal layers).
 */
export function cameraEncodings(width: number, height: number): types.RtpEncodingParameters[] {
  const scales = SCALES_BY_LAYERS[simulcastLayerCount(width, height)];
  if (!scales) return [{ maxBitrate: layerBitrate(height), scalabilityMode: SCALABILITY_MODE }];
  return scales.map((scale) => ({
    scaleResolutionDownBy: scale,
    maxBitrate: layerBitrate(height / scale),
    scalabilityMode: SCALABILITY_MODE,
  }));
}

export const cameraCodecOptions: types.ProducerCodecOptions = { videoGoogleStartBitrate: 1000 };

export const microphoneCodecOptions: types.ProducerCodecOptions = { opusDtx: true, opusFec: true };

/** Screen content: one sharp layer (text must stay readable), frame rate drops first. */
export const screenEncodings: types.RtpEncodingParameters[] = [
  { maxBitrate: 1_500_000, scalabilityMode: SCALABILITY_MODE },
];
