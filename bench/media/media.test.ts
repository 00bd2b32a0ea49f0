import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { opusPacketSamples, readIvfFrames, readOggPackets } from './containers.ts';
import { startsVp8KeyFrame } from '../../recorder/slots/vp8KeyFrame.ts';
import { packetizeVp8Frame, stampDescriptor, VP8_DESCRIPTOR_LENGTH } from '../../testkit/vp8Payload.ts';

test('a VP8 frame splits into payloads with one start bit and the data in order', () => {
  const frame = Buffer.alloc(2500, 7);
  frame[0] = 0x10; // key frame (inverse flag clear)
  const payloads = packetizeVp8Frame(frame, 1000);
  assert.is(payloads.length, 3);
  assert.is(payloads[0]![0]! & 0x10, 0x10);
  assert.is(payloads[1]![0]! & 0x10, 0);
  assert.is(Buffer.concat(payloads.map((payload) => payload.subarray(VP8_DESCRIPTOR_LENGTH))).length, 2500);
  assert.ok(startsVp8KeyFrame(payloads[0]!));
  assert.not.ok(startsVp8KeyFrame(payloads[1]!));
});

test('stamping writes a 15-bit PictureID with the M bit and TL0PICIDX', () => {
  const [payload] = packetizeVp8Frame(Buffer.from([0x01, 2, 3]));
  stampDescriptor(payload!, 0x8123, 0x1ff);
  assert.is(payload!.readUInt16BE(2), 0x8000 | 0x0123);
  assert.is(payload![4], 0xff);
  assert.not.ok(startsVp8KeyFrame(payload!)); // inverse key frame bit set: a delta frame
});

test('key frames are found behind a minimal descriptor too', () => {
  assert.ok(startsVp8KeyFrame(Buffer.from([0x10, 0x00, 0x9d])));
  assert.not.ok(startsVp8KeyFrame(Buffer.from([0x10, 0x01])));
  assert.not.ok(startsVp8KeyFrame(Buffer.from([0x00, 0x00])));
});

test('IVF frames are read by their size headers', () => {
  const header = Buffer.alloc(32);
  header.write('DKIF', 0, 'latin1');
  header.writeUInt16LE(32, 6);
  const frame = (bytes: number[]) => {
    const record = Buffer.alloc(12);
    record.writeUInt32LE(bytes.length, 0);
    return Buffer.concat([record, Buffer.from(bytes)]);
  };
  const frames = readIvfFrames(Buffer.concat([header, frame([1, 2]), frame([3])]));
  assert.equal(
    frames.map((f) => [...f]),
    [[1, 2], [3]],
  );
});

test('Ogg lacing joins segments into packets', () => {
  const page = (segments: number[], data: Buffer) =>
    Buffer.concat([Buffer.from('OggS', 'latin1'), Buffer.alloc(22), Buffer.from([segments.length, ...segments]), data]);
  const long = Buffer.alloc(300, 1);
  const packets = readOggPackets(Buffer.concat([page([255, 45, 3], Buffer.concat([long, Buffer.from([9, 9, 9])]))]));
  assert.equal(
    packets.map((packet) => packet.length),
    [300, 3],
  );
});

test('Opus TOC gives the packet duration', () => {
  assert.is(opusPacketSamples(Buffer.from([(31 << 3) | 0])), 960); // CELT 20 ms, one frame
  assert.is(opusPacketSamples(Buffer.from([(1 << 3) | 1])), 1920); // SILK 20 ms, two frames
});

test.run();
