import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseImpairment } from './impairment.ts';
import { LinkShaper, lossModel, type ShaperClock } from './linkShaper.ts';

/** A clock the test moves by hand; tasks run in time order. */
function manualClock() {
  let now = 0;
  const tasks: { at: number; task: () => void }[] = [];
  const clock: ShaperClock = { now: () => now, at: (at, task) => void tasks.push({ at, task }) };
  return {
    clock,
    advanceTo(ms: number) {
      tasks.sort((a, b) => a.at - b.at);
      while (tasks.length > 0 && tasks[0]!.at <= ms) {
        const next = tasks.shift()!;
        now = next.at;
        next.task();
      }
      now = ms;
    },
  };
}

/** A repeatable pseudo-random sequence (mulberry32). */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const packet = (first: number, bytes = 1000) => Buffer.alloc(bytes, first);
const rtp = (id: number) => {
  const buffer = packet(0x80);
  buffer.writeUInt16BE(id, 2);
  return buffer;
};

test('random loss drops about the share asked for', () => {
  const isLost = lossModel(parseImpairment('loss=2%'), seeded(1));
  let lost = 0;
  for (let index = 0; index < 100_000; index++) if (isLost()) lost++;
  assert.ok(lost > 1800 && lost < 2200, `${lost} of 100 000`);
});

test('bursty loss keeps the average and loses in runs of the asked mean length', () => {
  const isLost = lossModel(parseImpairment('loss=5%,burst=4'), seeded(2));
  let lost = 0;
  let bursts = 0;
  let previous = false;
  for (let index = 0; index < 200_000; index++) {
    const now = isLost();
    if (now) lost++;
    if (now && !previous) bursts++;
    previous = now;
  }
  assert.ok(lost / 200_000 > 0.045 && lost / 200_000 < 0.055, `loss ${lost / 2000} %`);
  const meanBurst = lost / bursts;
  assert.ok(meanBurst > 3.5 && meanBurst < 4.5, `mean burst ${meanBurst}`);
});

test('delay with jitter: every packet arrives within delay ± jitter, some out of order', () => {
  const { clock, advanceTo } = manualClock();
  const arrivals: { id: number; at: number }[] = [];
  const shaper = new LinkShaper(
    parseImpairment('delay=40ms±10ms'),
    (buffer) => arrivals.push({ id: buffer.readUInt16BE(2), at: clock.now() }),
    { clock, random: seeded(3) },
  );
  for (let id = 0; id < 200; id++) {
    advanceTo(id);
    shaper.push(rtp(id));
  }
  advanceTo(1000);
  assert.is(arrivals.length, 200);
  for (const { id, at } of arrivals) assert.ok(at - id >= 30 && at - id <= 50, `packet ${id} after ${at - id} ms`);
  assert.ok(
    arrivals.some((arrival, index) => index > 0 && arrival.id < arrivals[index - 1]!.id),
    'jitter reorders',
  );
});

test('the handshake is spared: never lost, delayed without jitter, in order', () => {
  const { clock, advanceTo } = manualClock();
  const arrivals: number[] = [];
  const shaper = new LinkShaper(
    parseImpairment('loss=50%,delay=40ms±10ms'),
    (buffer) => arrivals.push(buffer.readUInt16BE(2)),
    { clock, random: seeded(4), spared: (buffer) => buffer[0] === 22 },
  );
  for (let id = 0; id < 100; id++) {
    const dtls = packet(22);
    dtls.writeUInt16BE(id, 2);
    advanceTo(id);
    shaper.push(dtls);
  }
  advanceTo(1000);
  assert.equal(
    arrivals,
    Array.from({ length: 100 }, (_, id) => id),
  );
});

test('a rate cap paces packets out and drops what would wait longer than the queue', () => {
  const { clock, advanceTo } = manualClock();
  const arrivals: number[] = [];
  // 400 kbit/s: a 1000-byte packet takes 20 ms; the queue holds 100 ms.
  const shaper = new LinkShaper(parseImpairment('rate=400kbit,queue=100ms'), () => arrivals.push(clock.now()), {
    clock,
  });
  for (let index = 0; index < 10; index++) shaper.push(packet(0x80)); // a burst at t = 0
  advanceTo(1000);
  assert.is(shaper.counters.queueDrops, 4, 'six fit in 100 ms of queue (starting at 0, 20, …, 100)');
  assert.equal(arrivals, [20, 40, 60, 80, 100, 120]);
  shaper.setImpairment(parseImpairment('rate=2.5mbit'));
  shaper.push(packet(0x80));
  advanceTo(2000);
  assert.is(arrivals.at(-1), 1000 + 3.2, 'the new rate applies to the next packet');
});

test('lifting a cap lets the queued packets leave first: no reordering at the step', () => {
  const { clock, advanceTo } = manualClock();
  const arrivals: number[] = [];
  const shaper = new LinkShaper(parseImpairment('rate=400kbit'), (buffer) => arrivals.push(buffer.readUInt16BE(2)), {
    clock,
  });
  for (let id = 0; id < 5; id++) shaper.push(rtp(id)); // 100 ms of queue at 400 kbit/s
  shaper.setImpairment(parseImpairment(''));
  shaper.push(rtp(5));
  advanceTo(1000);
  assert.equal(arrivals, [0, 1, 2, 3, 4, 5]);
});

test.run();
