// What a receiver's RTCP asks of a sender: the SSRCs it wants a key frame of
// (a PLI names one, a FIR may name several). Shared by the synthetic
// publishers of the tests and the bench.
import { PictureLossIndication, RtcpPayloadSpecificFeedback, type RtcpPacket } from 'werift';

/** The SSRCs a PLI or FIR asks a key frame of; none for any other packet. */
export function keyFrameRequestSsrcs(packet: RtcpPacket): number[] {
  if (!(packet instanceof RtcpPayloadSpecificFeedback)) return [];
  const feedback = packet.feedback;
  if (feedback instanceof PictureLossIndication) return [feedback.mediaSsrc];
  return 'fir' in feedback ? feedback.fir.map((entry) => entry.ssrc) : [];
}
