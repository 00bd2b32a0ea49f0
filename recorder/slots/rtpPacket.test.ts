// The RTP/RTCP bytes the slot relay reads and writes, checked against packets
// assembled by hand from RFC 3550: a wrong offset here hands FFmpeg a shifted
// payload (a broken picture) or a sender report on the wrong timeline (audio
// out of sync), and nothing downstream says why.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  buildRtpPacket,
  buildSenderReport,
  isRtcp,
  readRtpHeader,
  rewriteRtpHeader,
  timestampDistance,
} from './rtpPacket.ts';

/** Seconds from 1900 (NTP) to 1970 (Unix). */
const NTP_UNIX_OFFSET_S = 2_208_988_800;

interface Assembly {
  payload: Buffer;
  csrcs?: number[];
  /** 32-bit words of a one-byte-header extension (RFC 8285, profile 0xBEDE). */
  extensionWords?: number;
  /** Padding bytes, the last one holding the count (RFC 3550 5.1). */
  padding?: number;
  marker?: boolean;
  payloadType?: number;
  sequenceNumber?: number;
  timestamp?: number;
  ssrc?: number;
}

function extensionHeader(words: number): Buffer {
  const header = Buffer.from([0xbe, 0xde, 0, 0]);
  header.writeUInt16BE(words, 2);
  return header;
}

/** An RTP packet written byte by byte, independently of buildRtpPacket. */
function assemble({
  payload,
  csrcs = [],
  extensionWords,
  padding = 0,
  marker = false,
  payloadType = 96,
  sequenceNumber = 0x1234,
  timestamp = 0x89abcdef,
  ssrc = 0x01020304,
}: Assembly): Buffer {
  const header = Buffer.alloc(12 + csrcs.length * 4);
  header[0] = 0x80 | (padding ? 0x20 : 0) | (extensionWords !== undefined ? 0x10 : 0) | csrcs.length;
  header[1] = (marker ? 0x80 : 0) | payloadType;
  header.writeUInt16BE(sequenceNumber, 2);
  header.writeUInt32BE(timestamp, 4);
  header.writeUInt32BE(ssrc, 8);
  csrcs.forEach((csrc, index) => header.writeUInt32BE(csrc, 12 + index * 4));
  const extension =
    extensionWords === undefined
      ? Buffer.alloc(0)
      : Buffer.concat([extensionHeader(extensionWords), Buffer.alloc(extensionWords * 4, 0xee)]);
  const paddingBytes = Buffer.alloc(padding);
  if (padding) paddingBytes[padding - 1] = padding;
  return Buffer.concat([header, extension, payload, paddingBytes]);
}

const PAYLOAD = Buffer.from([0x90, 0xe0, 0x81, 0x23, 0x05, 0x20, 0x50, 0x42, 0x00, 0x9d, 0x01, 0x2a]);

function withLastByte(packet: Buffer, value: number): Buffer {
  packet[packet.length - 1] = value;
  return packet;
}

function payloadOf(packet: Buffer): Buffer {
  const header = readRtpHeader(packet)!;
  return packet.subarray(header.payloadOffset, header.payloadOffset + header.payloadLength);
}

/** NTP time of a sender report as Unix milliseconds. */
function ntpMs(report: Buffer): number {
  return (report.readUInt32BE(8) - NTP_UNIX_OFFSET_S) * 1000 + (report.readUInt32BE(12) / 2 ** 32) * 1000;
}

test('a built packet reads back with every field, the payload right after the 12-byte header', () => {
  const packet = buildRtpPacket(PAYLOAD, {
    payloadType: 111,
    marker: true,
    sequenceNumber: 65_535,
    timestamp: 0xfffffff0,
    ssrc: 0x5c000003,
  });
  assert.equal(packet.length, 12 + PAYLOAD.length);
  assert.equal(
    packet,
    assemble({
      payload: PAYLOAD,
      marker: true,
      payloadType: 111,
      sequenceNumber: 65_535,
      timestamp: 0xfffffff0,
      ssrc: 0x5c000003,
    }),
  );
  assert.equal(readRtpHeader(packet), {
    payloadType: 111,
    marker: true,
    sequenceNumber: 65_535,
    timestamp: 0xfffffff0,
    ssrc: 0x5c000003,
    payloadOffset: 12,
    payloadLength: PAYLOAD.length,
  });
});

test('a built packet has the marker only when asked, and wraps its numbers to their field widths', () => {
  const packet = buildRtpPacket(PAYLOAD, {
    payloadType: 96,
    marker: false,
    sequenceNumber: 65_536 + 7,
    timestamp: 2 ** 32 + 9,
    ssrc: 0x5c000000,
  });
  const header = readRtpHeader(packet)!;
  assert.is(header.marker, false);
  assert.is(header.payloadType, 96);
  assert.is(header.sequenceNumber, 7);
  assert.is(header.timestamp, 9);
});

test('the payload is found after CSRCs and a header extension', () => {
  const packet = assemble({ payload: PAYLOAD, csrcs: [0xaaaaaaaa, 0xbbbbbbbb], extensionWords: 2 });
  const header = readRtpHeader(packet)!;
  assert.is(header.payloadOffset, 12 + 2 * 4 + 4 + 2 * 4);
  assert.is(header.payloadLength, PAYLOAD.length);
  assert.equal(payloadOf(packet), PAYLOAD);
  // The header fields sit before the CSRCs and are not shifted by them.
  assert.is(header.ssrc, 0x01020304);
  assert.is(header.sequenceNumber, 0x1234);
});

test('an empty header extension still takes its 4-byte header', () => {
  const packet = assemble({ payload: PAYLOAD, extensionWords: 0 });
  assert.is(readRtpHeader(packet)!.payloadOffset, 16);
  assert.equal(payloadOf(packet), PAYLOAD);
});

test('the header extension length is a 16-bit count of words', () => {
  const packet = assemble({ payload: PAYLOAD, extensionWords: 0x101 });
  assert.is(readRtpHeader(packet)!.payloadOffset, 12 + 4 + 0x101 * 4);
  assert.equal(payloadOf(packet), PAYLOAD);
});

test('padding is not part of the payload', () => {
  const packet = assemble({ payload: PAYLOAD, extensionWords: 1, padding: 4 });
  const header = readRtpHeader(packet)!;
  assert.is(header.payloadLength, PAYLOAD.length);
  assert.equal(payloadOf(packet), PAYLOAD);
});

test('anything that is not a whole RTP packet is refused', () => {
  const cases: [string, Buffer][] = [
    ['empty', Buffer.alloc(0)],
    ['shorter than the fixed header', assemble({ payload: PAYLOAD }).subarray(0, 11)],
    ['version 1', Buffer.from([0x40, ...assemble({ payload: PAYLOAD }).subarray(1)])],
    ['version 0 (STUN-like)', Buffer.from([0x00, ...assemble({ payload: PAYLOAD }).subarray(1)])],
    ['CSRCs running past the end', assemble({ payload: Buffer.alloc(0), csrcs: [1, 2] }).subarray(0, 16)],
    ['extension header cut off', assemble({ payload: Buffer.alloc(0), extensionWords: 1 }).subarray(0, 14)],
    ['extension longer than the packet', assemble({ payload: Buffer.alloc(0), extensionWords: 3 }).subarray(0, 20)],
    ['padding longer than the payload', withLastByte(assemble({ payload: Buffer.from([1]), padding: 2 }), 9)],
    ['an RTCP sender report', buildSenderReport(1, 0, 0, 0, 0)],
  ];
  for (const [what, packet] of cases) assert.is(readRtpHeader(packet), undefined, what);
});

test('RTCP multiplexed on the RTP port is told apart from RTP by its packet type (RFC 5761)', () => {
  const secondByte = (value: number) => Buffer.from([0x80, value, 0, 0]);
  for (const type of [192, 200, 201, 202, 203, 204, 205, 206, 207, 223]) {
    assert.ok(isRtcp(secondByte(type)), `packet type ${type} is RTCP`);
  }
  // The slots' payload types, with and without the marker, and the edges of the RTCP range.
  for (const value of [96, 96 | 0x80, 111, 111 | 0x80, 191, 224]) {
    assert.not.ok(isRtcp(secondByte(value)), `second byte ${value} is RTP`);
  }
  assert.not.ok(isRtcp(Buffer.from([0x80])), 'one byte is neither');
  assert.ok(isRtcp(buildSenderReport(1, 0, 0, 0, 0)));
});

test('rewriting changes payload type, sequence number, timestamp and SSRC, and nothing else', () => {
  const packet = assemble({
    payload: PAYLOAD,
    csrcs: [0xcccccccc],
    extensionWords: 1,
    padding: 2,
    marker: true,
    payloadType: 100,
  });
  const before = Buffer.from(packet);
  rewriteRtpHeader(packet, { payloadType: 96, sequenceNumber: 1000, timestamp: 1_000_000, ssrc: 0x5c000004 });
  const header = readRtpHeader(packet)!;
  assert.equal(
    { ...header },
    {
      payloadType: 96,
      marker: true,
      sequenceNumber: 1000,
      timestamp: 1_000_000,
      ssrc: 0x5c000004,
      payloadOffset: 12 + 4 + 4 + 4,
      payloadLength: PAYLOAD.length,
    },
  );
  // First byte (version, padding, extension, CSRC count) and everything from the CSRCs on are untouched.
  assert.is(packet[0], before[0]);
  assert.equal(packet.subarray(12), before.subarray(12));
});

test('rewriting keeps a cleared marker cleared and wraps numbers to their field widths', () => {
  const packet = buildRtpPacket(PAYLOAD, { payloadType: 100, marker: false, sequenceNumber: 1, timestamp: 1, ssrc: 1 });
  rewriteRtpHeader(packet, { payloadType: 0x80 | 96, sequenceNumber: 65_536 + 5, timestamp: -1, ssrc: -1 });
  const header = readRtpHeader(packet)!;
  assert.is(header.marker, false, 'a payload type above 127 must not set the marker');
  assert.is(header.payloadType, 96);
  assert.is(header.sequenceNumber, 5);
  assert.is(header.timestamp, 0xffffffff);
  assert.is(header.ssrc, 0xffffffff);
});

test('a sender report is a 28-byte RTCP SR without report blocks', () => {
  const report = buildSenderReport(0x5c000001, 1_700_000_000_000, 0x12345678, 4321, 987_654);
  assert.is(report.length, 28);
  assert.is(report[0], 0x80, 'version 2, no padding, no report blocks');
  assert.is(report[1], 200, 'packet type SR');
  assert.is((report.readUInt16BE(2) + 1) * 4, report.length, 'length field in 32-bit words minus one');
  assert.is(report.readUInt32BE(4), 0x5c000001, 'sender SSRC');
  assert.is(report.readUInt32BE(16), 0x12345678, 'RTP timestamp');
  assert.is(report.readUInt32BE(20), 4321, 'packet count');
  assert.is(report.readUInt32BE(24), 987_654, 'octet count');
});

test('a sender report gives the wall clock as NTP time: seconds since 1900 and a 32-bit fraction', () => {
  const wallMs = Date.UTC(2025, 5, 1, 12, 0, 0, 250);
  const report = buildSenderReport(1, wallMs, 0, 0, 0);
  assert.is(report.readUInt32BE(8), wallMs / 1000 - 0.25 + NTP_UNIX_OFFSET_S);
  assert.is(report.readUInt32BE(12), 2 ** 30, 'a quarter second');
  // performance.timeOrigin carries fractions of a millisecond: they are kept.
  const fractional = wallMs + 0.625;
  assert.ok(Math.abs(ntpMs(buildSenderReport(1, fractional, 0, 0, 0)) - fractional) < 0.001);
});

test('a sender report wraps an RTP timestamp past 32 bits instead of failing', () => {
  const report = buildSenderReport(1, 0, 2 ** 32 + 5, 0, 0);
  assert.is(report.readUInt32BE(16), 5);
});

test('timestamp distance is signed and survives the 32-bit wrap', () => {
  assert.is(timestampDistance(1_003_000, 1_000_000), 3000);
  assert.is(timestampDistance(1_000_000, 1_003_000), -3000);
  assert.is(timestampDistance(5, 0xfffffffb), 10, 'just after the wrap is ahead');
  assert.is(timestampDistance(0xfffffffb, 5), -10, 'just before the wrap is behind');
  assert.is(timestampDistance(0x7fffffff, 0), 0x7fffffff);
});

test.run();
