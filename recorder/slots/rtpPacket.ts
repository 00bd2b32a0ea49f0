// The few RTP/RTCP facts the slot relay needs: where a packet's payload
// starts, its header fields, and a sender report. Packets are rewritten in
// place (sequence number, timestamp, SSRC, payload type); header extensions
// and payloads pass untouched.

/** RFC 5761: with RTCP multiplexed on the RTP port, these second bytes are RTCP. */
export function isRtcp(packet: Buffer): boolean {
  return packet.length >= 2 && packet[1]! >= 192 && packet[1]! <= 223;
}

export interface RtpHeader {
  payloadType: number;
  marker: boolean;
  sequenceNumber: number;
  timestamp: number;
  ssrc: number;
  /** Offset of the payload (after CSRCs and header extensions). */
  payloadOffset: number;
  /** Payload length without padding. */
  payloadLength: number;
}

/** Parses an RTP header; undefined for anything that is not a well-formed RTP packet. */
export function readRtpHeader(packet: Buffer): RtpHeader | undefined {
  if (packet.length < 12 || packet[0]! >> 6 !== 2 || isRtcp(packet)) return undefined;
  const csrcCount = packet[0]! & 0x0f;
  let offset = 12 + csrcCount * 4;
  if (packet[0]! & 0x10) {
    if (packet.length < offset + 4) return undefined;
    offset += 4 + packet.readUInt16BE(offset + 2) * 4;
  }
  const padding = packet[0]! & 0x20 ? packet[packet.length - 1]! : 0;
  const payloadLength = packet.length - offset - padding;
  if (payloadLength < 0) return undefined;
  return {
    payloadType: packet[1]! & 0x7f,
    marker: (packet[1]! & 0x80) !== 0,
    sequenceNumber: packet.readUInt16BE(2),
    timestamp: packet.readUInt32BE(4),
    ssrc: packet.readUInt32BE(8),
    payloadOffset: offset,
    payloadLength,
  };
}

export function rewriteRtpHeader(
  packet: Buffer,
  fields: { payloadType: number; sequenceNumber: number; timestamp: number; ssrc: number },
): void {
  packet[1] = (packet[1]! & 0x80) | (fields.payloadType & 0x7f);
  packet.writeUInt16BE(fields.sequenceNumber & 0xffff, 2);
  packet.writeUInt32BE(fields.timestamp >>> 0, 4);
  packet.writeUInt32BE(fields.ssrc >>> 0, 8);
}

/** A minimal RTP packet (no extensions) around `payload`. */
export function buildRtpPacket(
  payload: Buffer,
  fields: { payloadType: number; marker: boolean; sequenceNumber: number; timestamp: number; ssrc: number },
): Buffer {
  const packet = Buffer.alloc(12 + payload.length);
  packet[0] = 0x80;
  packet[1] = (fields.marker ? 0x80 : 0) | (fields.payloadType & 0x7f);
  packet.writeUInt16BE(fields.sequenceNumber & 0xffff, 2);
  packet.writeUInt32BE(fields.timestamp >>> 0, 4);
  packet.writeUInt32BE(fields.ssrc >>> 0, 8);
  payload.copy(packet, 12);
  return packet;
}

/** Seconds between the NTP era (1900) and the Unix epoch. */
const NTP_UNIX_OFFSET_S = 2_208_988_800;

/**
 * An RTCP sender report (no report blocks) saying that `rtpTimestamp` is
 * the wall-clock instant `wallMs`: FFmpeg's RTP demuxer uses the pair to put
 * all its streams on one timeline.
 */
export function buildSenderReport(
  ssrc: number,
  wallMs: number,
  rtpTimestamp: number,
  packets: number,
  octets: number,
): Buffer {
  const report = Buffer.alloc(28);
  report[0] = 0x80;
  report[1] = 200;
  report.writeUInt16BE(6, 2); // length in 32-bit words minus one
  report.writeUInt32BE(ssrc >>> 0, 4);
  const seconds = Math.floor(wallMs / 1000);
  const fraction = Math.floor(((wallMs % 1000) / 1000) * 2 ** 32);
  report.writeUInt32BE((seconds + NTP_UNIX_OFFSET_S) >>> 0, 8);
  report.writeUInt32BE(fraction >>> 0, 12);
  report.writeUInt32BE(rtpTimestamp >>> 0, 16);
  report.writeUInt32BE(packets >>> 0, 20);
  report.writeUInt32BE(octets >>> 0, 24);
  return report;
}

/** `a - b` for 32-bit RTP timestamps, as a signed distance. */
export function timestampDistance(a: number, b: number): number {
  return (a - b) | 0;
}
