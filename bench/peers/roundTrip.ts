// The round trip a browser's receiver spaces its repeated NACKs by. libwebrtc's
// NackRequester asks for a lost packet again once a round trip has passed
// since the last request (100 ms until it knows one); the round trip comes
// from the call's RTCP, e.g. the receiver reports answering its own sender
// reports. On a congested downlink that includes the queue, so a browser
// asks less often exactly when retransmissions would fill the link further.
// The synthetic host does the same with the reports the server sends about
// its published streams (RFC 3550 §6.4.1: now − LSR − DLSR).
import type { RtcpReceiverInfo } from 'werift';

/** Before the first report with a round trip (libwebrtc's default). */
export const DEFAULT_ROUND_TRIP_MS = 100;

/** The round trip from one report block, or undefined when it answers no sender report (LSR 0). */
export function roundTripMsOf(block: Pick<RtcpReceiverInfo, 'lsr' | 'dlsr'>, nowNtp: bigint): number | undefined {
  if (block.lsr === 0) return undefined;
  const nowMiddle = Number((nowNtp >> 16n) & 0xffff_ffffn);
  const units = (nowMiddle - block.lsr - block.dlsr) >>> 0;
  // A negative round trip (clock granularity) wraps to a huge one: not a measurement.
  if (units > 0x8000_0000) return undefined;
  return (units * 1000) / 65536;
}
