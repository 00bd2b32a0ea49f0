import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseCli, UsageError } from './cli.ts';

test('rooms takes its flags and defaults', () => {
  const options = parseCli(['rooms', '--rooms', '2', '--hosts', '4', '--duration', '5']);
  assert.is(options.scenario, 'rooms');
  if (options.scenario !== 'rooms') return;
  assert.is(options.rooms, 2);
  assert.is(options.hosts, 4);
  assert.is(options.durationS, 5);
  assert.is(options.tileHeight, 360);
  assert.is(options.pin, false);
});

test('fanout pins by default, --no-pin and --no-baseline turn things off', () => {
  const fanout = parseCli(['fanout']);
  assert.is(fanout.pin, true);
  const unpinned = parseCli(['fanout', '--no-pin', '--no-baseline']);
  assert.is(unpinned.pin, false);
  assert.is(unpinned.scenario === 'fanout' && unpinned.baseline, false);
});

test('--vs janus adds the peer SFU to fanout and rooms, and nothing else takes it', () => {
  const fanout = parseCli(['fanout', '--vs', 'janus']);
  assert.is(fanout.scenario === 'fanout' && fanout.vs, 'janus');
  assert.is(fanout.scenario === 'fanout' && fanout.baseline, true, 'the baseline ramp stays: three side by side');
  const rooms = parseCli(['rooms', '--vs', 'janus']);
  assert.is(rooms.scenario === 'rooms' && rooms.vs, 'janus');
  const plain = parseCli(['rooms']);
  assert.is(plain.scenario === 'rooms' ? plain.vs : 'not rooms', undefined);
  assert.throws(() => parseCli(['fanout', '--vs', 'livekit']), /not a peer SFU the bench can start/);
  assert.throws(() => parseCli(['chat', '--vs', 'janus']), /applies to rooms and fanout/);
  assert.throws(() => parseCli(['rooms', '--browsers', '1', '--vs', 'janus']), /not with --vs/);
});

test('--impair takes loss, bursts, delay with jitter, a rate cap and its queue; rooms and fanout only', () => {
  const rooms = parseCli(['rooms', '--impair', 'loss=2%,delay=40ms±10ms']);
  assert.equal(rooms.impairment, {
    lossPct: 2,
    burstPackets: undefined,
    delayMs: 40,
    jitterMs: 10,
    rateBps: undefined,
    queueMs: 200,
  });
  const capped = parseCli(['fanout', '--impair', 'loss=5%,burst=4,rate=2.5mbit,queue=100ms,delay=20ms+-5ms']);
  assert.equal(capped.impairment, {
    lossPct: 5,
    burstPackets: 4,
    delayMs: 20,
    jitterMs: 5,
    rateBps: 2_500_000,
    queueMs: 100,
  });
  assert.is(parseCli(['rooms']).impairment, undefined);
  assert.throws(() => parseCli(['rooms', '--impair', 'loss=2']), /--impair: "loss=2" is not understood/);
  assert.throws(() => parseCli(['rooms', '--impair', 'loss=80%']), /between 0 and 50/);
  assert.throws(() => parseCli(['rooms', '--impair', 'delay=10ms±20ms']), /between 0 and 10/);
  assert.throws(() => parseCli(['rooms', '--impair', 'rate=fast']), /rate=400kbit/);
  assert.throws(() => parseCli(['rooms', '--impair', 'drop=1%']), /known keys/);
  assert.throws(() => parseCli(['chat', '--impair', 'loss=1%']), /applies to rooms and fanout/);
  assert.throws(() => parseCli(['rooms', '--impair', 'loss=1%', '--vs', 'janus']), /not with --vs/);
});

test('--cap-subscriber: a schedule of steps over --impair, rooms only, outlasted by --duration', () => {
  const options = parseCli([
    'rooms',
    '--duration',
    '45',
    '--impair',
    'delay=20ms',
    '--cap-subscriber',
    'rate=2.5mbit;10s:rate=400kbit;30s:rate=2.5mbit',
  ]);
  const steps = options.scenario === 'rooms' ? options.cappedSubscriber : undefined;
  assert.equal(
    steps?.map((step) => [step.atS, step.impairment.rateBps, step.impairment.delayMs]),
    [
      [0, 2_500_000, 20],
      [10, 400_000, 20],
      [30, 2_500_000, 20],
    ],
  );
  assert.throws(() => parseCli(['rooms', '--cap-subscriber', '5s:rate=1mbit']), /first step applies from 0 s/);
  assert.throws(() => parseCli(['rooms', '--cap-subscriber', 'rate=1mbit;rate=2mbit']), /give its time/);
  assert.throws(
    () => parseCli(['rooms', '--cap-subscriber', 'rate=1mbit;20s:rate=2mbit;10s:rate=1mbit']),
    /increasing time order/,
  );
  assert.throws(
    () => parseCli(['rooms', '--duration', '20', '--cap-subscriber', 'rate=1mbit;30s:rate=2mbit']),
    /must outlast/,
  );
  assert.throws(() => parseCli(['fanout', '--cap-subscriber', 'rate=1mbit']), /apply to rooms/);
});

test('--lossy-publisher: the uplink of the primary host, over --impair', () => {
  const options = parseCli(['rooms', '--impair', 'delay=20ms', '--lossy-publisher', 'loss=5%,burst=4']);
  const lossy = options.scenario === 'rooms' ? options.lossyPublisher : undefined;
  assert.equal([lossy?.lossPct, lossy?.burstPackets, lossy?.delayMs], [5, 4, 20]);
  assert.throws(() => parseCli(['rooms', '--lossy-publisher', 'loss=5']), /--lossy-publisher: "loss=5"/);
  assert.throws(() => parseCli(['fanout', '--lossy-publisher', 'loss=5%']), /apply to rooms/);
  assert.throws(() => parseCli(['rooms', '--lossy-publisher', 'loss=5%', '--vs', 'janus']), /not with --vs/);
});

test('numbers are bounded and checked', () => {
  assert.throws(
    () => parseCli(['rooms', '--hosts', '10']),
    (error: Error) => error instanceof UsageError && /between 2 and 9/.test(error.message),
  );
  assert.throws(() => parseCli(['join-storm', '--peers', 'many']), /must be a number/);
  assert.throws(() => parseCli(['join-storm', '--peers', '1.5']), /whole number/);
  const storm = parseCli(['join-storm', '--peers', '10', '--rate', '2.5']);
  assert.is(storm.scenario === 'join-storm' && storm.rate, 2.5);
});

test('unknown scenarios, flags and non-loopback URLs are usage errors', () => {
  assert.throws(
    () => parseCli([]),
    (error: Error) => error instanceof UsageError,
  );
  assert.throws(() => parseCli(['soak']), /unknown scenario/);
  assert.throws(
    () => parseCli(['rooms', '--bogus']),
    (error: Error) => error instanceof UsageError,
  );
  assert.throws(() => parseCli(['rooms', '--url', 'http://example.com']), /loopback/);
  assert.is(parseCli(['rooms', '--url', 'http://127.0.0.1:3000/']).url, 'http://127.0.0.1:3000');
});

test('shop takes its flags, and keeps each buyer under the per-socket request rate', () => {
  const shop = parseCli(['shop', '--viewers', '10', '--buyers', '5', '--orders', '40', '--rate', '20']);
  assert.ok(shop.scenario === 'shop');
  if (shop.scenario !== 'shop') return;
  assert.equal([shop.viewers, shop.buyers, shop.orders, shop.rate, shop.pins, shop.resendPct], [10, 5, 40, 20, 20, 5]);
  assert.throws(() => parseCli(['shop', '--buyers', '10', '--rate', '200']), /at most 16/);
  assert.throws(() => parseCli(['shop', '--orders', '100000', '--rate', '1000']), /at most 60 s/);
});

test('battle takes its flags, and keeps each viewer under the per-socket request rate', () => {
  const battle = parseCli(['battle', '--viewers', '10', '--gifts', '50', '--rate', '25', '--battles', '1']);
  assert.is(battle.scenario, 'battle');
  if (battle.scenario !== 'battle') return;
  assert.equal([battle.viewers, battle.gifts, battle.rate, battle.battles, battle.resendPct], [10, 50, 25, 1, 5]);
  const defaults = parseCli(['battle']);
  assert.equal(
    defaults.scenario === 'battle' && [defaults.viewers, defaults.gifts, defaults.rate, defaults.battles],
    [1000, 5000, 1000, 3],
  );
  assert.throws(() => parseCli(['battle', '--viewers', '10', '--rate', '200']), /at most 16/);
  assert.throws(() => parseCli(['battle', '--gifts', '100000', '--rate', '1000']), /at most 60 s/);
  assert.throws(() => parseCli(['battle', '--battles', '0']), /between 1 and 10/);
});

test.run();
