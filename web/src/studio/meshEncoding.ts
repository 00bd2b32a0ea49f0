// How a host encodes its camera for one peer in a mesh. Peer to peer there
// is no SFU to pick a simulcast layer, so the sender encodes one stream per
// receiver at the size that receiver shows it (its tile, sent over the
// peer's data channel) and WebRTC's own congestion control fits the bitrate
// to the link. Pure: unit-tested.
import { layerBitrate } from './publishSettings.ts';

/** Never below this height: a tile that grows again should not wait for a sharper picture. */
const MIN_HEIGHT = 180;

export interface SenderEncoding {
  scaleResolutionDownBy: number;
  maxBitrate: number;
}

/**
 * The camera encoding for a receiver that shows it `tileHeight` device
 * pixels high (undefined: not told yet, send the capture as is; 0: hidden,
 * send the smallest picture).
 */
export function meshCameraEncoding(captureHeight: number, tileHeight: number | undefined): SenderEncoding {
  const wanted = tileHeight === undefined ? captureHeight : Math.max(MIN_HEIGHT, tileHeight);
  const height = Math.min(captureHeight, wanted);
  // Powers of two, like the simulcast layers: an encoder rescales cleanly and not on every small resize.
  const scale = Math.max(1, 2 ** Math.floor(Math.log2(captureHeight / height)));
  return { scaleResolutionDownBy: scale, maxBitrate: layerBitrate(captureHeight / scale) };
}
