import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { StreamStats } from './streamStats.ts';

test('in-order packets: nothing lost, nothing to NACK', () => {
  const stats = new StreamStats(90000);
  for (let index = 0; index < 100; index++)
    assert.equal(stats.onPacket(1000 + index, index * 3000, index * 33.3, 1000), []);
  assert.is(stats.expected, 100);
  assert.is(stats.lost, 0);
  assert.is(stats.bytes, 100_000);
});

test('loss across the 16-bit wrap is counted once and NACKed', () => {
  const stats = new StreamStats(48000);
  const sequence = [65533, 65534, 65535, 1, 2]; // 0 missing
  let nacked: number[] = [];
  sequence.forEach((seq, index) => (nacked = nacked.concat(stats.onPacket(seq, index * 960, index * 20, 100))));
  assert.equal(nacked, [0]);
  assert.is(stats.expected, 6);
  assert.is(stats.lost, 1);
});

test('a retransmission fills its gap; a duplicate does not count twice', () => {
  const stats = new StreamStats(90000);
  stats.onPacket(10, 0, 0, 100);
  assert.equal(stats.onPacket(13, 0, 1, 100), [11, 12]);
  stats.onPacket(11, 0, 2, 100);
  assert.is(stats.lastExtended, 11);
  stats.onPacket(11, 0, 3, 100);
  assert.is(stats.lost, 1);
  assert.is(stats.duplicates, 1);
  assert.is(stats.counters.lateFilled, 1, 'the retransmission filled a gap; the duplicate did not');
});

test('a late packet from before the wrap is placed in the previous cycle', () => {
  const stats = new StreamStats(90000);
  stats.onPacket(65535, 0, 0, 1);
  stats.onPacket(1, 0, 1, 1); // 0 missing
  stats.onPacket(0, 0, 2, 1); // arrives late
  assert.is(stats.lost, 0);
  assert.is(stats.expected, 3);
});

test('jitter is zero at a steady pace and grows with irregular arrival', () => {
  const steady = new StreamStats(90000);
  for (let index = 0; index < 50; index++) steady.onPacket(index, index * 3000, index * (1000 / 30), 1);
  assert.ok(steady.jitterMs < 0.01);
  const bumpy = new StreamStats(90000);
  for (let index = 0; index < 50; index++)
    bumpy.onPacket(index, index * 3000, index * (1000 / 30) + (index % 2) * 10, 1);
  assert.ok(bumpy.jitterMs > 5, `jitter ${bumpy.jitterMs}`);
});

test('receiver report: fraction lost per interval, cumulative loss overall', () => {
  const stats = new StreamStats(90000);
  for (let seq = 0; seq < 100; seq++) if (seq % 4 !== 1) stats.onPacket(seq, 0, seq, 1);
  const first = stats.takeReport();
  assert.is(first.cumulativeLost, 25);
  assert.is(first.fractionLost, 64);
  for (let seq = 100; seq < 200; seq++) stats.onPacket(seq, 0, seq, 1);
  const second = stats.takeReport();
  assert.is(second.fractionLost, 0);
  assert.is(second.extendedHighestSequence, 199);
});

test.run();
