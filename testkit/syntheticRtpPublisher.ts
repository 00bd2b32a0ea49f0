// A camera (VP8 simulcast) and a microphone (Opus) for media tests, sent
// over a werift MediasoupLink without an encoder: the SFU forwards RTP and
// reads only the VP8 payload descriptor and the first payload byte (key
// frame or not), so small synthetic frames exercise the same paths as real
// ones. Like a browser it answers PLI/FIR with a key frame on that layer and
// sends sender reports (mediasoup needs them to switch simulcast layers).
// The bench's Publisher replays a real FFmpeg clip at real bitrates; this
// one is for tests that need media to flow, fast and without FFmpeg.
import { RtcpSenderInfo, RtcpSrPacket, RtpHeader, type RtcpPacket } from 'werift';
import { keyFrameRequestSsrcs } from './keyFrameRequests.ts';
import type { MediasoupLink } from './mediasoupLink.ts';
import {
  AUDIO_LEVEL_EXTENSION_ID,
  AUDIO_PAYLOAD_TYPE,
  audioProducerParameters,
  ntpNow,
  randomSsrc,
  VIDEO_PAYLOAD_TYPE,
  videoProducerParameters,
} from './rtpParameters.ts';
import { packetizeVp8Frame, stampDescriptor } from './vp8Payload.ts';

const FRAME_INTERVAL_MS = 1000 / 30;
const AUDIO_PACKET_MS = 20;
const KEY_FRAME_INTERVAL_MS = 1000;
const SENDER_REPORT_INTERVAL_MS = 500;
/** Voice activity set, level −30 dBov: the room's speaking observers see an active speaker. */
const AUDIO_LEVEL = Buffer.from([0x80 | 30]);
/** An Opus TOC byte (SILK wideband 20 ms, mono) followed by filler. */
const OPUS_PAYLOAD = Buffer.concat([Buffer.from([0x48]), Buffer.alloc(39, 0x55)]);

class Stream {
  readonly ssrc = randomSsrc();
  #sequenceNumber = Math.floor(Math.random() * 0x10000);
  readonly #timestampBase = Math.floor(Math.random() * 0xffffffff);
  #timestamp = 0;
  packets = 0;
  octets = 0;

  header(elapsedMs: number, clockRate: number, marker: boolean, payloadType: number): RtpHeader {
    this.#timestamp = (this.#timestampBase + Math.round((elapsedMs * clockRate) / 1000)) >>> 0;
    const header = new RtpHeader({
      payloadType,
      sequenceNumber: this.#sequenceNumber,
      timestamp: this.#timestamp,
      ssrc: this.ssrc,
      marker,
    });
    this.#sequenceNumber = (this.#sequenceNumber + 1) & 0xffff;
    return header;
  }

  senderReport(ntpTimestamp: bigint): RtcpSrPacket {
    return new RtcpSrPacket({
      ssrc: this.ssrc,
      senderInfo: new RtcpSenderInfo({
        ntpTimestamp,
        rtpTimestamp: this.#timestamp,
        packetCount: this.packets,
        octetCount: this.octets,
      }),
    });
  }
}

class VideoLayer extends Stream {
  wantsKeyFrame = true;
  keyFramesSent = 0;
  constructor(readonly frameBytes: number) {
    super();
  }
}

export interface SyntheticRtpPublisherOptions {
  /** Bytes of one frame per simulcast layer, lowest layer first. Default: 3 layers of 200, 600 and 1800 bytes. */
  layerFrameBytes?: readonly number[];
  /**
   * A key frame on every layer at this interval, as encoders do. Default 1000 ms;
   * Infinity sends key frames only when asked (and the first frame), so a test
   * can tell that a key frame request went through.
   */
  keyFrameIntervalMs?: number;
}

export class SyntheticRtpPublisher {
  readonly #link: MediasoupLink;
  readonly #layers: VideoLayer[];
  readonly #keyFrameIntervalMs: number;
  readonly #audio = new Stream();
  readonly #startedAt = performance.now();
  readonly #timers: NodeJS.Timeout[] = [];
  #frameNumber = 0;
  #lastKeyFrameAt = -Infinity;
  /** PLI/FIR received, over all layers. */
  keyFrameRequests = 0;

  constructor(link: MediasoupLink, options: SyntheticRtpPublisherOptions = {}) {
    this.#link = link;
    this.#layers = (options.layerFrameBytes ?? [200, 600, 1800]).map((bytes) => new VideoLayer(bytes));
    this.#keyFrameIntervalMs = options.keyFrameIntervalMs ?? KEY_FRAME_INTERVAL_MS;
    link.onRtcp((packet) => this.#onRtcp(packet));
  }

  /** rtpParameters for `produce` of the camera (one SSRC per layer). */
  videoRtpParameters(cname = 'synthetic') {
    return videoProducerParameters(
      { layers: this.#layers.map((layer) => layer.ssrc) },
      cname,
      this.#layers.map((layer) => layer.frameBytes * 8 * 30),
    );
  }

  /** rtpParameters for `produce` of the microphone. */
  audioRtpParameters(cname = 'synthetic') {
    return audioProducerParameters(this.#audio.ssrc, cname);
  }

  /** Key frames sent per layer, lowest first. */
  get keyFramesSent(): number[] {
    return this.#layers.map((layer) => layer.keyFramesSent);
  }

  /** Starts sending (the link must be connected). */
  start(): void {
    this.#timers.push(setInterval(() => this.#sendFrame(), FRAME_INTERVAL_MS));
    this.#timers.push(setInterval(() => this.#sendAudio(), AUDIO_PACKET_MS));
    this.#timers.push(setInterval(() => this.#sendSenderReports(), SENDER_REPORT_INTERVAL_MS));
  }

  stop(): void {
    for (const timer of this.#timers) clearInterval(timer);
    this.#timers.length = 0;
  }

  #sendFrame(): void {
    const nowMs = performance.now();
    const elapsedMs = nowMs - this.#startedAt;
    const frameNumber = this.#frameNumber++;
    const periodic = nowMs - this.#lastKeyFrameAt >= this.#keyFrameIntervalMs;
    if (periodic) this.#lastKeyFrameAt = nowMs;
    for (const layer of this.#layers) {
      const keyFrame = periodic || layer.wantsKeyFrame;
      layer.wantsKeyFrame = false;
      if (keyFrame) layer.keyFramesSent++;
      // VP8's first byte: bit 0 clear on a key frame (RFC 6386 §9.1).
      const frame = Buffer.alloc(layer.frameBytes, 0x5a);
      frame[0] = keyFrame ? 0x10 : 0x11;
      const payloads = packetizeVp8Frame(frame);
      payloads.forEach((payload, index) => {
        stampDescriptor(payload, frameNumber & 0x7fff, frameNumber);
        const header = layer.header(elapsedMs, 90000, index === payloads.length - 1, VIDEO_PAYLOAD_TYPE);
        this.#send(layer, header, payload);
      });
    }
  }

  #sendAudio(): void {
    const header = this.#audio.header(performance.now() - this.#startedAt, 48000, false, AUDIO_PAYLOAD_TYPE);
    header.extensions = [{ id: AUDIO_LEVEL_EXTENSION_ID, payload: AUDIO_LEVEL }];
    this.#send(this.#audio, header, OPUS_PAYLOAD);
  }

  #send(stream: Stream, header: RtpHeader, payload: Buffer): void {
    if (!this.#link.connected) return;
    this.#link.sendRtp(header, payload);
    stream.packets++;
    stream.octets += payload.length;
  }

  #sendSenderReports(): void {
    const ntp = ntpNow();
    const streams = [...this.#layers, this.#audio].filter((stream) => stream.packets > 0);
    this.#link.sendRtcp(streams.map((stream) => stream.senderReport(ntp)));
  }

  #onRtcp(packet: RtcpPacket): void {
    for (const ssrc of keyFrameRequestSsrcs(packet)) {
      const layer = this.#layers.find((candidate) => candidate.ssrc === ssrc);
      if (!layer) continue;
      layer.wantsKeyFrame = true;
      this.keyFrameRequests++;
    }
  }
}
