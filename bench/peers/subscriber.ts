// A synthetic subscriber: receives its consumers' RTP on one recv
// transport and measures each stream without decoding (StreamStats, key
// frames from the VP8 payload descriptor). Like a browser it NACKs gaps and
// sends receiver reports once a second, so mediasoup sees loss, jitter and
// round-trip time for this viewer.
import {
  GenericNack,
  PictureLossIndication,
  RtcpPayloadSpecificFeedback,
  RtcpReceiverInfo,
  RtcpRrPacket,
  RtcpSrPacket,
  RtcpTransportLayerFeedback,
  type RtcpPacket,
  type RtpPacket,
} from 'werift';
import { startsVp8KeyFrame } from '../../recorder/slots/vp8KeyFrame.ts';
import type { MediasoupLink } from '../../testkit/mediasoupLink.ts';
import { randomSsrc } from '../../testkit/rtpParameters.ts';
import { TransportCcRecorder, transportSequenceNumberOf } from '../../testkit/transportCc.ts';
import { FrameTracker } from './frameTracker.ts';
import type { ClockParticipant } from './mediaClock.ts';
import { NackRetries } from './nackRetries.ts';
import { OpusFecRecovery } from './opusFec.ts';
import { DEFAULT_ROUND_TRIP_MS } from './roundTrip.ts';
import { StreamStats } from './streamStats.ts';

const RECEIVER_REPORT_INTERVAL_MS = 1000;
/** Browsers send transport-cc feedback about every 100 ms. */
const TRANSPORT_CC_INTERVAL_MS = 100;
/** RFC 3550: at most 31 report blocks per RR packet. */
const MAX_REPORT_BLOCKS = 31;

export interface ExpectedStream {
  consumerId: string;
  producerId: string;
  kind: 'audio' | 'video';
  ssrc: number;
  clockRate: number;
  /** When the consumer was requested (performance.now()): time to first packet counts from here. */
  requestedAtMs: number;
  /** Header extension id of the transport-wide sequence number, when negotiated. */
  transportCcExtensionId: number | undefined;
}

export interface ReceivedStream extends ExpectedStream {
  stats: StreamStats;
  keyFrames: number;
  /** Video: when each frame could have been shown, freezes, stalls. */
  frames: FrameTracker | undefined;
  /** Video: lost packets asked for and not yet received (asked again, as a browser does; audio is not NACKed). */
  nacks: NackRetries | undefined;
  /** Audio: lost packets Opus in-band FEC in the next packet can fill. */
  fec: OpusFecRecovery | undefined;
}

export class Subscriber implements ClockParticipant {
  readonly #link: MediasoupLink;
  readonly #ownSsrc = randomSsrc();
  readonly #streamsBySsrc = new Map<number, ReceivedStream>();
  /** Middle 32 bits of the last SR's NTP time and when it arrived, per SSRC (for LSR/DLSR). */
  readonly #lastSenderReports = new Map<number, { lsr: number; arrivedAtMs: number }>();
  readonly #onFirstPacket: (stream: ReceivedStream) => void;
  #nextReportAt = 0;
  #nextFeedbackAt = 0;
  readonly #transportCc = new TransportCcRecorder(this.#ownSsrc);
  #transportCcExtensionId: number | undefined;
  /** RTP on SSRCs no consumer announced (should stay 0). */
  unknownPackets = 0;
  nacksSent = 0;
  /** PLIs sent for video stalled on a gap that NACKs did not fill. */
  keyFrameRequestsSent = 0;

  /** The peer's round trip to the server, once known (its NACKs are repeated at that pace). */
  readonly #roundTripMs: () => number | undefined;

  constructor(
    link: MediasoupLink,
    onFirstPacket: (stream: ReceivedStream) => void,
    roundTripMs: () => number | undefined = () => undefined,
  ) {
    this.#link = link;
    this.#onFirstPacket = onFirstPacket;
    this.#roundTripMs = roundTripMs;
    link.onRtp((packet) => this.#onRtp(packet));
    link.onRtcp((packet) => this.#onRtcp(packet));
  }

  expect(stream: ExpectedStream): void {
    this.#transportCcExtensionId ??= stream.transportCcExtensionId;
    this.#streamsBySsrc.set(stream.ssrc, {
      ...stream,
      stats: new StreamStats(stream.clockRate),
      keyFrames: 0,
      frames: stream.kind === 'video' ? new FrameTracker() : undefined,
      nacks: stream.kind === 'video' ? new NackRetries() : undefined,
      fec: stream.kind === 'audio' ? new OpusFecRecovery() : undefined,
    });
  }

  forget(consumerId: string): void {
    for (const [ssrc, stream] of this.#streamsBySsrc) {
      if (stream.consumerId === consumerId) this.#streamsBySsrc.delete(ssrc);
    }
  }

  /** The server paused or resumed a consumer's video (Stagecast's `webrtc:quality-adapted`). */
  setPaused(consumerId: string, paused: boolean): void {
    for (const stream of this.#streamsBySsrc.values()) {
      if (stream.consumerId === consumerId) stream.frames?.setPaused(paused, performance.now());
    }
  }

  get streams(): ReceivedStream[] {
    return [...this.#streamsBySsrc.values()];
  }

  tick(nowMs: number): void {
    if (!this.#link.connected) return;
    this.#askForRepairs(nowMs);
    if (this.#transportCcExtensionId !== undefined && nowMs >= this.#nextFeedbackAt) {
      this.#nextFeedbackAt = nowMs + TRANSPORT_CC_INTERVAL_MS;
      const mediaSsrc = this.#streamsBySsrc.keys().next().value ?? 0;
      const feedback = this.#transportCc.takeFeedback(mediaSsrc);
      if (feedback) this.#link.sendRtcpBytes(feedback);
    }
    if (nowMs < this.#nextReportAt) return;
    this.#nextReportAt = nowMs + RECEIVER_REPORT_INTERVAL_MS;
    const blocks = [...this.#streamsBySsrc.values()]
      .filter((stream) => stream.stats.received > 0)
      .map((stream) => {
        const figures = stream.stats.takeReport();
        const senderReport = this.#lastSenderReports.get(stream.ssrc);
        return new RtcpReceiverInfo({
          ssrc: stream.ssrc,
          fractionLost: figures.fractionLost,
          packetsLost: figures.cumulativeLost,
          highestSequence: figures.extendedHighestSequence >>> 0,
          jitter: figures.jitter,
          lsr: senderReport?.lsr ?? 0,
          // Delay since that SR in 1/65536 s.
          dlsr: senderReport ? Math.round(((nowMs - senderReport.arrivedAtMs) / 1000) * 65536) : 0,
        });
      });
    const packets: RtcpPacket[] = [];
    for (let index = 0; index < blocks.length; index += MAX_REPORT_BLOCKS) {
      packets.push(new RtcpRrPacket({ ssrc: this.#ownSsrc, reports: blocks.slice(index, index + MAX_REPORT_BLOCKS) }));
    }
    this.#link.sendRtcp(packets);
  }

  #onRtp(packet: RtpPacket): void {
    const { header, payload } = packet;
    const arrivalMs = performance.now();
    if (this.#transportCcExtensionId !== undefined) {
      // Every packet counts for congestion control, probation padding included.
      const sequenceNumber = transportSequenceNumberOf(header, this.#transportCcExtensionId);
      if (sequenceNumber !== undefined) this.#transportCc.onPacket(sequenceNumber, arrivalMs * 1000);
    }
    const stream = this.#streamsBySsrc.get(header.ssrc);
    if (!stream) {
      this.unknownPackets++;
      return;
    }
    const first = stream.stats.received === 0;
    const missing = stream.stats.onPacket(
      header.sequenceNumber,
      header.timestamp,
      arrivalMs,
      payload.length + header.serializeSize,
    );
    if (stream.frames) {
      const startsKeyFrame = startsVp8KeyFrame(payload);
      if (startsKeyFrame) stream.keyFrames++;
      stream.frames.onPacket(stream.stats.lastExtended, header.timestamp, header.marker, startsKeyFrame, arrivalMs);
    }
    stream.fec?.onPacket(header.sequenceNumber, payload, missing);
    // Asked for on the next ticks, once they are not merely reordered (nackRetries.ts). Audio is not
    // NACKed, as browsers do not (Opus conceals a loss, or its FEC fills it; a late retransmission is no use).
    if (stream.nacks) {
      stream.nacks.received(header.sequenceNumber);
      if (missing.length > 0) stream.nacks.missing(missing, arrivalMs);
    }
    if (first) this.#onFirstPacket(stream);
  }

  #sendNack(ssrc: number, lost: number[]): void {
    this.nacksSent++;
    this.#link.sendRtcp([
      new RtcpTransportLayerFeedback({
        feedback: new GenericNack({ senderSsrc: this.#ownSsrc, mediaSourceSsrc: ssrc, lost }),
      }),
    ]);
  }

  /**
   * What a browser asks for when its video has holes: lost packets again (NACK) while they may
   * still come, and a key frame (PLI) for a stream stalled on a gap that did not fill.
   */
  #askForRepairs(nowMs: number): void {
    for (const stream of this.#streamsBySsrc.values()) {
      if (stream.nacks && stream.nacks.size > 0) {
        const due = stream.nacks.due(nowMs, this.#roundTripMs() ?? DEFAULT_ROUND_TRIP_MS);
        if (due.length > 0) this.#sendNack(stream.ssrc, due);
      }
      if (!stream.frames?.needsKeyFrame(nowMs)) continue;
      this.keyFrameRequestsSent++;
      this.#link.sendRtcp([
        new RtcpPayloadSpecificFeedback({
          feedback: new PictureLossIndication({ senderSsrc: this.#ownSsrc, mediaSsrc: stream.ssrc }),
        }),
      ]);
    }
  }

  #onRtcp(packet: RtcpPacket): void {
    if (!(packet instanceof RtcpSrPacket)) return;
    const ntp = BigInt(packet.senderInfo.ntpTimestamp);
    this.#lastSenderReports.set(packet.ssrc, {
      lsr: Number((ntp >> 16n) & 0xffffffffn),
      arrivedAtMs: performance.now(),
    });
  }
}
