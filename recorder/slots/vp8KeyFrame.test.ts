// The key-frame test the relay switches cameras on, checked against VP8 RTP
// payloads laid out as in RFC 7741 (descriptor, then the VP8 payload header
// whose lowest bit P is 0 on key frames). Saying "key frame" for a delta frame
// hands FFmpeg a frame without its reference (a smeared picture until the next
// key frame); missing a real one leaves the slot on filler for seconds. In each
// case the descriptor bytes before the VP8 header have the opposite P bit to
// it, so reading one byte too early or too late gives the wrong answer.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startsVp8KeyFrame } from './vp8KeyFrame.ts';

/** Frame tag of a shown 640×360 key frame (P = 0), its start code and size. */
const KEY_FRAME = [0x50, 0x42, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0x68, 0x01];
/** Frame tag of a shown inter frame (P = 1) and the first bytes of its partition. */
const DELTA_FRAME = [0x31, 0x0a, 0x00, 0x12, 0x34];

/** Descriptor first byte: X (extension present), N (non-reference), S (start of partition), PID. */
function descriptorByte({ x = false, n = false, s = true, pid = 0 } = {}): number {
  return (x ? 0x80 : 0) | (n ? 0x20 : 0) | (s ? 0x10 : 0) | pid;
}

test('the minimal descriptor (S=1, PID 0) then a key frame header is a key frame', () => {
  assert.ok(startsVp8KeyFrame(Buffer.from([descriptorByte(), ...KEY_FRAME])));
  assert.not.ok(startsVp8KeyFrame(Buffer.from([descriptorByte(), ...DELTA_FRAME])));
});

test("the recorder's filler payload (descriptor 0x10 and an encoded key frame) is a key frame", () => {
  assert.ok(startsVp8KeyFrame(Buffer.concat([Buffer.from([0x10]), Buffer.from(KEY_FRAME)])));
});

test('a 7-bit PictureID is skipped', () => {
  // X, extension with I; PictureID 0x2b (M = 0, odd).
  assert.ok(startsVp8KeyFrame(Buffer.from([descriptorByte({ x: true }), 0x80, 0x2b, ...KEY_FRAME])));
  // Same, even PictureID before a delta frame.
  assert.not.ok(startsVp8KeyFrame(Buffer.from([descriptorByte({ x: true }), 0x80, 0x2a, ...DELTA_FRAME])));
});

test('a 15-bit PictureID (M bit set) takes two bytes', () => {
  // Odd low byte: reading it as the VP8 header would say "delta".
  assert.ok(startsVp8KeyFrame(Buffer.from([descriptorByte({ x: true }), 0x80, 0x81, 0x23, ...KEY_FRAME])));
  assert.not.ok(startsVp8KeyFrame(Buffer.from([descriptorByte({ x: true }), 0x80, 0x81, 0x22, ...DELTA_FRAME])));
});

test("Chrome's descriptor (15-bit PictureID, TL0PICIDX, TID/Y) is skipped in full", () => {
  // X; I, L, T; PictureID 0x0123 with M; TL0PICIDX 0x05; TID 0, Y 1, KEYIDX 1.
  assert.ok(startsVp8KeyFrame(Buffer.from([descriptorByte({ x: true }), 0xe0, 0x81, 0x23, 0x05, 0x21, ...KEY_FRAME])));
  assert.not.ok(
    startsVp8KeyFrame(Buffer.from([descriptorByte({ x: true }), 0xe0, 0x81, 0x22, 0x04, 0x20, ...DELTA_FRAME])),
  );
});

test('each optional field counts on its own: TL0PICIDX alone, TID alone, KEYIDX alone', () => {
  for (const extension of [0x40, 0x20, 0x10, 0x30]) {
    const name = `extension byte 0x${extension.toString(16)}`;
    assert.ok(startsVp8KeyFrame(Buffer.from([descriptorByte({ x: true }), extension, 0x07, ...KEY_FRAME])), name);
    assert.not.ok(startsVp8KeyFrame(Buffer.from([descriptorByte({ x: true }), extension, 0x06, ...DELTA_FRAME])), name);
  }
  // TL0PICIDX and TID/KEYIDX together are two bytes.
  assert.ok(startsVp8KeyFrame(Buffer.from([descriptorByte({ x: true }), 0x50, 0x07, 0x09, ...KEY_FRAME])));
  assert.not.ok(startsVp8KeyFrame(Buffer.from([descriptorByte({ x: true }), 0x50, 0x06, 0x08, ...DELTA_FRAME])));
});

test('an extension byte with no optional fields adds nothing after it', () => {
  assert.ok(startsVp8KeyFrame(Buffer.from([descriptorByte({ x: true }), 0x00, ...KEY_FRAME])));
  assert.not.ok(startsVp8KeyFrame(Buffer.from([descriptorByte({ x: true }), 0x00, ...DELTA_FRAME])));
});

test('a key frame marked non-reference (N) is still a key frame', () => {
  assert.ok(startsVp8KeyFrame(Buffer.from([descriptorByte({ n: true }), ...KEY_FRAME])));
});

test('only the start of partition 0 begins a frame: continuation packets and later partitions do not', () => {
  // The middle of a key frame: its bytes happen to have an even first byte.
  assert.not.ok(startsVp8KeyFrame(Buffer.from([descriptorByte({ s: false }), 0x00, 0x9d, 0x01, 0x2a])));
  assert.not.ok(
    startsVp8KeyFrame(Buffer.from([descriptorByte({ s: false, x: true }), 0xe0, 0x81, 0x23, 0x05, 0x21, 0x00])),
  );
  // The start of partition 1 (or higher) of a key frame has no payload header.
  for (const pid of [1, 2, 4, 7])
    assert.not.ok(startsVp8KeyFrame(Buffer.from([descriptorByte({ pid }), 0x00, 0x00])), `PID ${pid}`);
});

test('payloads cut short before the VP8 header are not key frames', () => {
  const truncated: [string, number[]][] = [
    ['empty', []],
    ['descriptor only', [descriptorByte()]],
    ['X without its extension byte', [descriptorByte({ x: true })]],
    ['I without its PictureID', [descriptorByte({ x: true }), 0x80]],
    ['15-bit PictureID cut after its first byte', [descriptorByte({ x: true }), 0x80, 0x80]],
    ['I, L and T without the VP8 header', [descriptorByte({ x: true }), 0xe0, 0x80, 0x00, 0x00, 0x00]],
  ];
  for (const [what, bytes] of truncated) assert.not.ok(startsVp8KeyFrame(Buffer.from(bytes)), what);
});

test.run();
