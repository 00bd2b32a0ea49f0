// A synthetic publisher: replays the pre-encoded clip at real-time pace on
// its own SSRCs (one per simulcast layer, one for audio), rewriting
// sequence numbers, timestamps and VP8 PictureIDs as a live encoder would.
// It answers the server's RTCP like a browser: PLI/FIR → jump to the next
// key frame of that layer; NACK → resend from a short history; and it
// sends sender reports once a second.
import {
  GenericNack,
  RtcpRrPacket,
  RtcpSenderInfo,
  RtcpSrPacket,
  RtcpTransportLayerFeedback,
  RtpHeader,
  type RtcpPacket,
} from 'werift';
import type { Clip, VideoFrame } from '../media/clip.ts';
import { keyFrameRequestSsrcs } from '../../testkit/keyFrameRequests.ts';
import type { MediasoupLink } from '../../testkit/mediasoupLink.ts';
import {
  AUDIO_LEVEL_EXTENSION_ID,
  AUDIO_PAYLOAD_TYPE,
  VIDEO_PAYLOAD_TYPE,
  ntpNow,
  randomSsrc,
} from '../../testkit/rtpParameters.ts';
import { stampDescriptor } from '../../testkit/vp8Payload.ts';
import type { ClockParticipant } from './mediaClock.ts';
import { roundTripMsOf } from './roundTrip.ts';

const HISTORY_SIZE = 512;
/**
 * Behind by more than this (the generator was starved), the publisher skips
 * the missed frames, as a live encoder would, instead of bursting them out.
 */
const MAX_CATCH_UP_MS = 100;
/** Like libwebrtc's pacer: video leaves at 2.5 × its bitrate, audio is not paced. */
const PACING_FACTOR = 2.5;
/** The pacer may send this much at once after a quiet spell. */
const PACING_BURST_MS = 10;
/** With video waiting longer than this in the pacer, new frames are skipped (libwebrtc drops frames too). */
const MAX_PACER_DELAY_MS = 1000;
const SENDER_REPORT_INTERVAL_MS = 1000;
/** Voice activity set, level −30 dBov: the room's speaking observers see an active speaker. */
const AUDIO_LEVEL = Buffer.from([0x80 | 30]);

interface SentPacket {
  header: RtpHeader;
  payload: Buffer;
}

interface QueuedPacket extends SentPacket {
  stream: OutgoingStream;
  queuedAtMs: number;
}

/** One outgoing RTP stream (a simulcast layer or the audio). */
class OutgoingStream {
  constructor(readonly ssrc: number = randomSsrc()) {}
  sequenceNumber = Math.floor(Math.random() * 0x10000);
  readonly timestampBase = Math.floor(Math.random() * 0xffffffff);
  packets = 0;
  octets = 0;
  lastTimestamp = 0;
  readonly #history: (SentPacket | undefined)[] = new Array(HISTORY_SIZE);

  nextHeader(timestamp: number, marker: boolean, payloadType: number): RtpHeader {
    const header = new RtpHeader({
      payloadType,
      sequenceNumber: this.sequenceNumber,
      timestamp,
      ssrc: this.ssrc,
      marker,
    });
    this.sequenceNumber = (this.sequenceNumber + 1) & 0xffff;
    this.lastTimestamp = timestamp;
    return header;
  }

  remember(header: RtpHeader, payload: Buffer): void {
    this.packets++;
    this.octets += payload.length;
    this.#history[header.sequenceNumber % HISTORY_SIZE] = { header, payload };
  }

  find(sequenceNumber: number): SentPacket | undefined {
    const sent = this.#history[sequenceNumber % HISTORY_SIZE];
    return sent?.header.sequenceNumber === sequenceNumber ? sent : undefined;
  }
}

class VideoLayerStream extends OutgoingStream {
  /** Index of the next clip frame to send. */
  position = 0;
  wantsKeyFrame = false;
  keyFramesSent = 0;
}

export interface PublisherStats {
  packetsSent: number;
  bytesSent: number;
  keyFrameRequests: number;
  keyFramesSent: number;
  nackedPackets: number;
  retransmitted: number;
  skippedMs: number;
  /** Frames not sent because the pacer was more than a second behind. */
  pacerSkippedFrames: number;
}

export interface PublisherOptions {
  video: boolean;
  audio: boolean;
  cname: string;
  /** SSRCs chosen before the link exists (an SDP offer names them first); random otherwise. */
  ssrcs?: PublisherSsrcs;
}

export interface PublisherSsrcs {
  audio: number;
  /** One per clip layer, lowest first. */
  video: readonly number[];
}

/** Fresh SSRCs for a publisher of `clip`. */
export function choosePublisherSsrcs(clip: Clip): PublisherSsrcs {
  return { audio: randomSsrc(), video: clip.layers.map(() => randomSsrc()) };
}

export class Publisher implements ClockParticipant {
  readonly #link: MediasoupLink;
  readonly #clip: Clip;
  readonly #layers: VideoLayerStream[];
  readonly #audio: OutgoingStream | undefined;
  readonly #frameMs: number;
  readonly #audioPacketMs: number;
  readonly #keyFrameIndexes: number[][];
  #frameNumber = 0;
  #audioPosition = 0;
  #audioPacketNumber = 0;
  #nextFrameAt = 0;
  #nextAudioAt = 0;
  #nextReportAt = 0;
  #started = false;
  /** To the server and back, from its receiver reports on our sender reports; undefined until the first. */
  roundTripMs: number | undefined;
  readonly stats: PublisherStats = {
    packetsSent: 0,
    bytesSent: 0,
    keyFrameRequests: 0,
    keyFramesSent: 0,
    nackedPackets: 0,
    retransmitted: 0,
    skippedMs: 0,
    pacerSkippedFrames: 0,
  };
  readonly #pacerQueue: QueuedPacket[] = [];
  #pacerHead = 0;
  #pacerBudgetBytes = 0;
  #pacerLastAt = 0;
  readonly #pacingBytesPerMs: number;

  constructor(link: MediasoupLink, clip: Clip, options: PublisherOptions) {
    this.#link = link;
    this.#clip = clip;
    this.#layers = options.video
      ? clip.layers.map((_, index) => new VideoLayerStream(options.ssrcs?.video[index]))
      : [];
    this.#audio = options.audio ? new OutgoingStream(options.ssrcs?.audio) : undefined;
    this.#frameMs = 1000 / clip.fps;
    this.#audioPacketMs = (clip.audioPacketSamples / 48000) * 1000;
    const videoBitrate = options.video ? clip.layers.reduce((sum, layer) => sum + layer.encodedBitrateBps, 0) : 0;
    this.#pacingBytesPerMs = (videoBitrate * PACING_FACTOR) / 8 / 1000;
    this.#keyFrameIndexes = clip.layers.map((layer) =>
      layer.frames.flatMap((frame, index) => (frame.keyFrame ? [index] : [])),
    );
    link.onRtcp((packet) => this.#onRtcp(packet));
  }

  /** Video SSRCs, lowest layer first (for the producer's encodings). */
  get videoSsrcs(): number[] {
    return this.#layers.map((layer) => layer.ssrc);
  }

  get audioSsrc(): number | undefined {
    return this.#audio?.ssrc;
  }

  start(nowMs: number): void {
    this.#started = true;
    this.#nextFrameAt = nowMs;
    this.#nextAudioAt = nowMs;
    this.#nextReportAt = nowMs + SENDER_REPORT_INTERVAL_MS;
    this.#pacerLastAt = nowMs;
  }

  tick(nowMs: number): void {
    if (!this.#started || !this.#link.connected) return;
    if (this.#layers.length > 0) {
      if (nowMs - this.#nextFrameAt > MAX_CATCH_UP_MS) {
        this.stats.skippedMs += nowMs - this.#nextFrameAt;
        this.#nextFrameAt = nowMs;
      }
      while (this.#nextFrameAt <= nowMs) {
        this.#sendFrame(nowMs);
        this.#nextFrameAt += this.#frameMs;
      }
      this.#drainPacer(nowMs);
    }
    if (this.#audio) {
      if (nowMs - this.#nextAudioAt > MAX_CATCH_UP_MS) this.#nextAudioAt = nowMs;
      while (this.#nextAudioAt <= nowMs) {
        this.#sendAudio(this.#audio);
        this.#nextAudioAt += this.#audioPacketMs;
      }
    }
    if (nowMs >= this.#nextReportAt) {
      this.#sendSenderReports();
      this.#nextReportAt = nowMs + SENDER_REPORT_INTERVAL_MS;
    }
  }

  #sendFrame(nowMs: number): void {
    const frameNumber = this.#frameNumber++;
    const oldestQueued = this.#pacerQueue[this.#pacerHead];
    if (oldestQueued && nowMs - oldestQueued.queuedAtMs > MAX_PACER_DELAY_MS) {
      // Skipped before packetization: no sequence numbers are used, so nothing is lost downstream.
      this.stats.pacerSkippedFrames++;
      return;
    }
    const pictureId = frameNumber & 0x7fff;
    this.#layers.forEach((layer, index) => {
      const frames = this.#clip.layers[index]!.frames;
      if (layer.wantsKeyFrame && !frames[layer.position]!.keyFrame) {
        layer.position = nextKeyFrame(this.#keyFrameIndexes[index]!, layer.position, frames.length);
      }
      const frame: VideoFrame = frames[layer.position]!;
      layer.position = (layer.position + 1) % frames.length;
      if (frame.keyFrame) {
        layer.wantsKeyFrame = false;
        layer.keyFramesSent++;
        this.stats.keyFramesSent++;
      }
      const timestamp = (layer.timestampBase + Math.round((frameNumber * 90000) / this.#clip.fps)) >>> 0;
      frame.payloads.forEach((template, packetIndex) => {
        // A copy per packet: the clip is shared by every publisher, and the copy doubles as retransmission history.
        const payload = Buffer.from(template);
        stampDescriptor(payload, pictureId, frameNumber);
        const header = layer.nextHeader(timestamp, packetIndex === frame.payloads.length - 1, VIDEO_PAYLOAD_TYPE);
        this.#pacerQueue.push({ stream: layer, header, payload, queuedAtMs: nowMs });
      });
    });
  }

  #sendAudio(audio: OutgoingStream): void {
    const packets = this.#clip.audioPackets;
    const payload = packets[this.#audioPosition]!;
    this.#audioPosition = (this.#audioPosition + 1) % packets.length;
    const timestamp = (audio.timestampBase + this.#audioPacketNumber++ * this.#clip.audioPacketSamples) >>> 0;
    const header = audio.nextHeader(timestamp, false, AUDIO_PAYLOAD_TYPE);
    header.extensions = [{ id: AUDIO_LEVEL_EXTENSION_ID, payload: AUDIO_LEVEL }];
    this.#send(audio, header, payload);
  }

  /** Sends queued video at the pacing rate. */
  #drainPacer(nowMs: number): void {
    const maxBudget = this.#pacingBytesPerMs * PACING_BURST_MS;
    this.#pacerBudgetBytes = Math.min(
      maxBudget,
      this.#pacerBudgetBytes + (nowMs - this.#pacerLastAt) * this.#pacingBytesPerMs,
    );
    this.#pacerLastAt = nowMs;
    const queue = this.#pacerQueue;
    while (this.#pacerHead < queue.length && this.#pacerBudgetBytes > 0) {
      const packet = queue[this.#pacerHead++]!;
      this.#send(packet.stream, packet.header, packet.payload);
      this.#pacerBudgetBytes -= packet.payload.length + 12;
    }
    if (this.#pacerHead === queue.length) {
      queue.length = 0;
      this.#pacerHead = 0;
    } else if (this.#pacerHead > 1024) {
      queue.splice(0, this.#pacerHead);
      this.#pacerHead = 0;
    }
  }

  #send(stream: OutgoingStream, header: RtpHeader, payload: Buffer): void {
    this.#link.sendRtp(header, payload);
    stream.remember(header, payload);
    this.stats.packetsSent++;
    this.stats.bytesSent += payload.length + 12;
  }

  #ownsSsrc(ssrc: number): boolean {
    return this.#audio?.ssrc === ssrc || this.#layers.some((layer) => layer.ssrc === ssrc);
  }

  #sendSenderReports(): void {
    const ntp = ntpNow();
    const reports = [...this.#layers, ...(this.#audio ? [this.#audio] : [])]
      .filter((stream) => stream.packets > 0)
      .map(
        (stream) =>
          new RtcpSrPacket({
            ssrc: stream.ssrc,
            senderInfo: new RtcpSenderInfo({
              ntpTimestamp: ntp,
              rtpTimestamp: stream.lastTimestamp,
              packetCount: stream.packets,
              octetCount: stream.octets,
            }),
          }),
      );
    this.#link.sendRtcp(reports);
  }

  #onRtcp(packet: RtcpPacket): void {
    if (packet instanceof RtcpRrPacket) {
      const now = ntpNow();
      for (const block of packet.reports) {
        if (!this.#ownsSsrc(block.ssrc)) continue;
        this.roundTripMs = roundTripMsOf(block, now) ?? this.roundTripMs;
      }
      return;
    }
    const keyFrameSsrcs = keyFrameRequestSsrcs(packet);
    if (keyFrameSsrcs.length > 0) {
      for (const ssrc of keyFrameSsrcs) {
        const layer = this.#layers.find((candidate) => candidate.ssrc === ssrc);
        if (!layer) continue;
        layer.wantsKeyFrame = true;
        this.stats.keyFrameRequests++;
      }
    } else if (packet instanceof RtcpTransportLayerFeedback && packet.feedback instanceof GenericNack) {
      const nack = packet.feedback;
      const stream = [...this.#layers, this.#audio].find((candidate) => candidate?.ssrc === nack.mediaSourceSsrc);
      if (!stream) return;
      for (const sequenceNumber of nack.lost) {
        this.stats.nackedPackets++;
        const sent = stream.find(sequenceNumber);
        if (!sent) continue;
        this.#link.sendRtp(sent.header, sent.payload);
        this.stats.retransmitted++;
      }
    }
  }
}

/** The first key frame at or after `from`, wrapping around the clip. */
function nextKeyFrame(keyFrameIndexes: readonly number[], from: number, frameCount: number): number {
  for (const index of keyFrameIndexes) if (index >= from) return index;
  return keyFrameIndexes[0] ?? from % frameCount;
}
