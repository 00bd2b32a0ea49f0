import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FrameTracker } from './frameTracker.ts';

/** Frames of `size` packets from `first`, 33 ms apart from `startMs`; the first a key frame. */
function* frames(count: number, size: number, first = 1000, startMs = 0) {
  for (let frame = 0; frame < count; frame++) {
    for (let packet = 0; packet < size; packet++) {
      yield {
        sequence: first + frame * size + packet,
        marker: packet === size - 1,
        key: frame === 0 && packet === 0,
        timestamp: frame * 3000,
        atMs: startMs + frame * 33,
      };
    }
  }
}

test('in-order frames render, 33 ms apart, without a freeze', () => {
  const tracker = new FrameTracker();
  for (const packet of frames(30, 3))
    tracker.onPacket(packet.sequence, packet.timestamp, packet.marker, packet.key, packet.atMs);
  assert.is(tracker.counters.rendered, 30);
  assert.is(tracker.counters.freezes, 0);
});

test('nothing renders before the first key frame', () => {
  const tracker = new FrameTracker();
  tracker.onPacket(5, 0, true, false, 0);
  tracker.onPacket(6, 3000, true, false, 33);
  assert.is(tracker.counters.rendered, 0);
});

test('a gap filled by a retransmission late enough is a freeze; the stall asks for no key frame once filled', () => {
  const tracker = new FrameTracker();
  const packets = [...frames(40, 2)];
  const lost = packets[20 * 2]!; // first packet of frame 20
  for (const packet of packets) {
    if (packet === lost) continue;
    tracker.onPacket(packet.sequence, packet.timestamp, packet.marker, packet.key, packet.atMs);
  }
  assert.is(tracker.counters.rendered, 20, 'frames after the gap wait for it');
  assert.ok(tracker.needsKeyFrame(20 * 33 + 400), 'stalled 300 ms and more: ask for a key frame');
  assert.not.ok(tracker.needsKeyFrame(20 * 33 + 500), 'not again within a second');
  // The retransmission arrives 600 ms late: everything after renders at once.
  tracker.onPacket(lost.sequence, lost.timestamp, lost.marker, false, 20 * 33 + 600);
  assert.is(tracker.counters.rendered, 40);
  assert.is(tracker.counters.freezes, 1);
  assert.ok(tracker.counters.longestFreezeMs >= 600);
  assert.not.ok(tracker.needsKeyFrame(20 * 33 + 2000));
});

test('a gap that never fills stalls until a key frame past it', () => {
  const tracker = new FrameTracker();
  for (const packet of frames(10, 2))
    tracker.onPacket(packet.sequence, packet.timestamp, packet.marker, packet.key, packet.atMs);
  // Frame 10 loses its first packet for good; frames 11–14 arrive; frame 15 is a key frame.
  for (let frame = 10; frame < 20; frame++) {
    const at = frame * 33;
    const first = 1000 + frame * 2;
    if (frame !== 10) tracker.onPacket(first, frame * 3000, false, frame === 15, at);
    tracker.onPacket(first + 1, frame * 3000, true, false, at);
  }
  assert.is(tracker.counters.resyncs, 1);
  assert.is(tracker.counters.rendered, 10 + 5, 'frames 15–19 render after the jump');
  assert.is(tracker.counters.freezes, 1);
});

test('the playout delay grows to a late retransmission, so the next one as late is no freeze', () => {
  const tracker = new FrameTracker();
  const packets = [...frames(120, 2)];
  const late = new Map([
    [packets[30 * 2]!, 200],
    [packets[90 * 2]!, 200],
  ]);
  for (const packet of packets) {
    if (late.has(packet)) continue;
    tracker.onPacket(packet.sequence, packet.timestamp, packet.marker, packet.key, packet.atMs);
    for (const [lost, delay] of late) {
      if (packet.atMs >= lost.atMs + delay) {
        tracker.onPacket(lost.sequence, lost.timestamp, lost.marker, false, packet.atMs);
        late.delete(lost);
      }
    }
  }
  assert.is(tracker.counters.rendered, 120);
  assert.is(tracker.counters.freezes, 1, 'the first 200 ms wait is a freeze, the second is absorbed');
});

test('a video the server paused is a placeholder, not a freeze', () => {
  const tracker = new FrameTracker();
  for (const packet of frames(30, 1))
    tracker.onPacket(packet.sequence, packet.timestamp, packet.marker, packet.key, packet.atMs);
  tracker.setPaused(true, 1000);
  assert.not.ok(tracker.needsKeyFrame(3000), 'no key frame requests while paused');
  tracker.setPaused(false, 6000);
  // After the resume the stream goes on with a key frame.
  for (const packet of frames(30, 1, 1030, 6000)) {
    tracker.onPacket(packet.sequence, 300_000 + packet.timestamp, packet.marker, packet.key, packet.atMs);
  }
  assert.is(tracker.counters.rendered, 60);
  assert.is(tracker.counters.freezes, 0);
  assert.is(tracker.counters.pausedMs, 5000);
});

test('a jump in RTP timestamps (a new clock after a layer switch) is no wait and no freeze', () => {
  const tracker = new FrameTracker();
  for (const packet of frames(30, 1)) {
    tracker.onPacket(packet.sequence, packet.timestamp, packet.marker, packet.key, packet.atMs);
  }
  for (const packet of frames(30, 1, 1030, 30 * 33)) {
    // Timestamps far behind (as a 32-bit wrap would look) and then going on normally.
    tracker.onPacket(packet.sequence, (0xfff00000 + packet.timestamp) >>> 0, packet.marker, false, packet.atMs);
  }
  assert.is(tracker.counters.rendered, 60);
  assert.is(tracker.counters.freezes, 0);
});

test('RTP timestamps wrapping past 2^32 in normal steps make no freeze', () => {
  const tracker = new FrameTracker();
  // Start 10 frames before the wrap: 3000 ticks (33 ms) a frame, across 0xffffffff → 0.
  const start = 0x100000000 - 10 * 3000;
  for (const packet of frames(40, 1)) {
    tracker.onPacket(packet.sequence, (start + packet.timestamp) % 0x100000000, packet.marker, packet.key, packet.atMs);
  }
  assert.is(tracker.counters.rendered, 40);
  assert.is(tracker.counters.freezes, 0);
});

test('reordering within a frame is not a gap', () => {
  const tracker = new FrameTracker();
  tracker.onPacket(1, 0, false, true, 0);
  tracker.onPacket(3, 0, true, false, 1);
  tracker.onPacket(2, 0, false, false, 2);
  assert.is(tracker.counters.rendered, 1);
  assert.is(tracker.counters.resyncs, 0);
});

test.run();
