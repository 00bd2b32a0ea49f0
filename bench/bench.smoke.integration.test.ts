// Smoke runs of every bench scenario, a handful of peers for a few seconds
// each, through the real command line (`bench/main.ts`): media must flow,
// the expected consumers must be reached, and the JSON on the last stdout
// line must carry every field the issue names. One Stagecast node is
// started here and shared (--url) to keep the file short on 2 cores.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startStagecastTarget, type BenchTarget } from './server/targets.ts';

const repoRoot = path.resolve(import.meta.dirname, '..');
const resultsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'stagecast-bench-smoke-'));
let stagecast: BenchTarget;

test.before(async () => {
  // The broadcast at 15 fps, as in the other tests (testkit/testServer.ts): on a busy 2-core machine two
  // renditions at 30 fps barely kept real time, and a late picture froze the tile the A/V drift reads.
  stagecast = await startStagecastTarget({ workers: 1, pin: false, env: { HLS_FPS: '15' } });
});
test.after(async () => {
  await stagecast?.close();
  fs.rmSync(resultsDir, { recursive: true, force: true });
});

type Json = Record<string, unknown>;

async function bench(...args: string[]): Promise<Json> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', 'bench/main.ts', ...args, '--quiet', '--clip-seconds', '2', '--results', resultsDir],
    { cwd: repoRoot, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 },
  );
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines.at(-1)!) as Json;
}

function assertCommonFields(result: Json, scenario: string) {
  assert.is(result.scenario, scenario);
  for (const field of ['params', 'machine', 'commit', 'startedAt', 'durationS']) {
    assert.ok(field in result, `missing ${field}`);
  }
  const machine = result.machine as { cores: unknown; cpuModel: unknown };
  assert.type(machine.cores, 'number');
  assert.type(machine.cpuModel, 'string');
  assert.ok(!Number.isNaN(Date.parse(String(result.startedAt))));
  assert.type(result.durationS, 'number');
}

function assertPercentiles(value: unknown, name: string) {
  const figures = value as Record<string, unknown>;
  for (const key of ['p50', 'p95', 'max']) assert.type(figures?.[key], 'number', `${name}.${key}`);
}

test('rooms: every host receives every other host, with figures', async () => {
  const result = await bench('rooms', '--url', stagecast.url, '--rooms', '1', '--hosts', '3', '--duration', '3');
  assertCommonFields(result, 'rooms');
  assert.is(result.workerDeaths, 0, 'a mediasoup worker died: see bench/README.md, "mediasoup worker crash"');
  for (const field of ['expectedConsumers', 'receivingConsumers', 'lossPct', 'workerCpuPct', 'nodeCpuPct']) {
    assert.type(result[field], 'number', field);
  }
  assertPercentiles(result.joinToAllMediaMs, 'joinToAllMediaMs');
  assert.is(result.expectedConsumers, 3 * 2 * 2);
  assert.is(result.receivingConsumers, result.expectedConsumers);
  assert.ok((result.media as { packetsReceived: number }).packetsReceived > 0, 'media flowed');
  assert.ok((result.workerCpuPct as number) > 0, 'the worker did work');
});

test('rooms --impair --cap-subscriber: the links drop and delay through the relays, NACKs repair video, a capped host is followed', async () => {
  const result = await bench(
    'rooms',
    '--url',
    stagecast.url,
    '--rooms',
    '1',
    '--hosts',
    '3',
    '--duration',
    '3',
    '--impair',
    'loss=3%,delay=20ms±5ms',
    '--cap-subscriber',
    'rate=5mbit;1s:rate=300kbit',
  );
  assertCommonFields(result, 'rooms');
  assert.is(result.receivingConsumers, result.expectedConsumers, 'every stream flowed through the relays');
  const impairment = result.impairment as { applied: string; relay: { up: Json; down: Json } };
  assert.is(impairment.applied, 'loss 3%, delay 20±5 ms');
  for (const direction of ['up', 'down'] as const) {
    const counters = impairment.relay[direction] as { packets: number; lost: number; delivered: number };
    assert.ok(counters.packets > 500, `${direction}: packets went through the relays`);
    assert.ok(counters.lost > 0, `${direction}: the relays dropped some`);
  }
  const resilience = (result.media as { resilience: Json }).resilience;
  for (const field of ['residualVideoLossPct', 'residualAudioLossPct', 'freezesPerTileMinute', 'longestFreezeMs']) {
    assert.type(resilience[field], 'number', field);
  }
  assert.ok((resilience.framesRendered as number) > 0, 'frames completed');
  assert.ok((resilience.lateFilledPackets as number) > 0, 'retransmissions filled gaps');
  assert.ok(((result.subscribers as Json).nacksSent as number) > 0, 'the subscribers asked for what they lost');
  const capped = result.cappedSubscriber as { forwardedKbps: unknown[]; adaptDownMs: unknown[]; schedule: unknown[] };
  assert.is(capped.schedule.length, 2);
  assert.ok(capped.forwardedKbps.length >= 4, 'the capped host was followed over the window');
  assert.is(capped.adaptDownMs.length, 1, 'one cap applied');
});

test('rooms --browsers 1: a Chromium studio page decodes frames from each synthetic host', async () => {
  const result = await bench(
    'rooms',
    '--url',
    stagecast.url,
    '--rooms',
    '1',
    '--hosts',
    '3',
    '--browsers',
    '1',
    '--duration',
    '3',
  );
  assertCommonFields(result, 'rooms');
  // The 2 synthetic hosts consume each other and the browser: 2 × 2 tracks each.
  assert.is(result.expectedConsumers, 2 * 2 * 2);
  assert.is(result.receivingConsumers, result.expectedConsumers);
  const browsers = result.browsers as {
    count: number;
    joined: number;
    framesDecoded: number;
    fps: unknown;
    freezes: unknown;
    freezeMs: unknown;
    pages: { remotes: { userId: string; framesDecodedTotal: number }[] }[];
  };
  assert.is(browsers.count, 1);
  assert.is(browsers.joined, 1);
  const remotes = browsers.pages[0]?.remotes ?? [];
  assert.is(new Set(remotes.map((remote) => remote.userId)).size, 2, 'one camera from each synthetic host');
  for (const remote of remotes) assert.ok(remote.framesDecodedTotal > 0, `frames decoded from ${remote.userId}`);
  assert.ok(browsers.framesDecoded > 0, 'frames decoded in the window');
  assertPercentiles(browsers.fps, 'browsers.fps');
  assert.type(browsers.freezes, 'number');
  assert.type(browsers.freezeMs, 'number');
});

test('join-storm: every peer joins and publishes', async () => {
  const result = await bench('join-storm', '--url', stagecast.url, '--peers', '6', '--rate', '6', '--hold', '1');
  assertCommonFields(result, 'join-storm');
  assert.is(result.joined, 6);
  assert.is(result.failed, 0);
  assertPercentiles(result.joinMs, 'joinMs');
  assert.ok((result.joinMs as { p50: number }).p50 > 0);
});

test('fanout --vs janus: subscribers ramp on Stagecast, bare mediasoup and Janus, side by side', async () => {
  const result = await bench(
    'fanout',
    '--url',
    stagecast.url,
    '--max-subscribers',
    '2',
    '--step',
    '2',
    '--step-seconds',
    '2',
    '--subscribers-per-room',
    '2',
    '--no-pin',
    '--vs',
    'janus',
  );
  assertCommonFields(result, 'fanout');
  // Two subscribers, each receiving the publisher's camera and microphone, on every target.
  assert.is(result.consumersPerWorkerAtLoss1pct, 4);
  const baseline = result.baseline as Json;
  assert.is(baseline.consumersPerWorkerAtLoss1pct, 4);
  assert.type(result.capacityRatio, 'number');
  assert.type(result.signalingCpuShare, 'number');
  assert.type(result.pinned, 'boolean');
  const steps = result.steps as { receivingConsumers: number }[];
  assert.is(steps.at(-1)?.receivingConsumers, 4);

  const versus = result.versus as { stagecast: Json; baseline: Json; janus: Json; stagecastOverJanus: Json };
  const janus = versus.janus;
  assert.equal(janus.joinErrors, [], 'every Janus peer joined');
  assert.is(janus.workerDeaths, 0, 'Janus stayed up');
  assert.is(janus.consumersPerCoreAtLoss1pct, 4, 'both Janus subscribers received audio and video');
  const janusSteps = janus.steps as { receivingConsumers: number; lossPct: number; videoBitrateKbpsP50: number }[];
  assert.is(janusSteps.at(-1)?.receivingConsumers, 4);
  assert.ok(janusSteps.at(-1)!.videoBitrateKbpsP50 > 0, 'Janus forwarded video');
  assert.type(janus.mediaCpuPerConsumerPct, 'number');
  assertPercentiles(janus.jitterMs, 'janus.jitterMs');
  assert.type(versus.stagecast.consumersPerCoreAtLoss1pct, 'number');
  assert.type(versus.baseline.consumersPerCoreAtLoss1pct, 'number');
  assert.type(versus.stagecastOverJanus.capacity, 'number');
  assert.type(versus.stagecastOverJanus.mediaCpuPerConsumer, 'number');
});

test('baseline: the rooms peers against both servers give the ratios', async () => {
  const result = await bench(
    'baseline',
    '--url',
    stagecast.url,
    '--rooms',
    '1',
    '--hosts',
    '2',
    '--duration',
    '2',
    '--no-fanout',
    '--no-pin',
  );
  assertCommonFields(result, 'baseline');
  const rooms = result.rooms as { stagecast: Json; baseline: Json };
  assert.is(rooms.stagecast.receivingConsumers, 4);
  assert.is(rooms.baseline.receivingConsumers, 4);
  assert.type(result.cpuPerConsumerRatio, 'number');
  assert.ok('capacityRatio' in result);
});

test('chat: every accepted message reaches every viewer', async () => {
  const viewers = 4;
  const result = await bench(
    'chat',
    '--url',
    stagecast.url,
    '--viewers',
    String(viewers),
    '--rate',
    '5',
    '--duration',
    '2',
  );
  assertCommonFields(result, 'chat');
  for (const field of [
    'viewers',
    'sent',
    'rejected',
    'delivered',
    'lost',
    'acceptedPerSec',
    'nodeCpuPct',
    'nodeEventLoopDelayP99Ms',
    'generatorCpuPct',
  ]) {
    assert.type(result[field], 'number', field);
  }
  assertPercentiles(result.deliveryMs, 'deliveryMs');
  assert.type((result.deliveryMs as Json).p99, 'number', 'deliveryMs.p99');
  assert.is(result.viewers, viewers);
  assert.is(result.sent, 10, '5 msg/s for 2 s, all accepted');
  assert.is(result.rejected, 0);
  assert.is(result.delivered, (result.sent as number) * viewers);
  assert.is(result.lost, 0);
  assert.ok((result.deliveryMs as { p50: number }).p50 > 0);
});

test('hls: going live serves HLS that synthetic viewers fetch, with every figure', async () => {
  // --no-glass: the Chromium pages are left to the full runs (the smoke stays light on 2 cores).
  const result = await bench(
    'hls',
    '--url',
    stagecast.url,
    // Two hosts: the layout change must move a picture (one host looks the same in every layout).
    '--hosts',
    '2',
    '--viewers',
    '3',
    '--duration',
    '4',
    '--encode-seconds',
    '1',
    '--desk-rounds',
    '1',
    '--no-glass',
  );
  assertCommonFields(result, 'hls');
  for (const field of [
    'firstPlayableMs',
    'encodeSpeed',
    'avDriftMs',
    'viewers',
    'segmentFetchMs',
    'serverCpuPctPer100Viewers',
    'glassToGlassMs',
    'glassToGlassPlainMs',
    'partFetchMs',
    'blockedReloadHoldMs',
    'partDurationMs',
    'offAirToOutputMs',
    'onAirToOutputMs',
    'bannerToOutputMs',
    'bannerHiddenToOutputMs',
    'backdropToOutputMs',
    'backdropRemovedToOutputMs',
    'muteToOutputMs',
    'unmuteToOutputMs',
  ]) {
    assert.ok(field in result, `missing ${field}`);
  }
  // The producer's desk: the second host off air and back, both seen in the picture.
  assertPercentiles(result.offAirToOutputMs, 'offAirToOutputMs');
  assertPercentiles(result.onAirToOutputMs, 'onAirToOutputMs');
  assertPercentiles(result.bannerToOutputMs, 'bannerToOutputMs');
  assertPercentiles(result.bannerHiddenToOutputMs, 'bannerHiddenToOutputMs');
  // The show's pictures: a backdrop uploaded and removed, both seen in the picture.
  assert.ok(result.backdropToOutputMs && result.backdropRemovedToOutputMs, JSON.stringify(result.pictures));
  assertPercentiles(result.backdropToOutputMs, 'backdropToOutputMs');
  assertPercentiles(result.backdropRemovedToOutputMs, 'backdropRemovedToOutputMs');
  // A co-host's microphone stopped by the primary host and turned on again by the co-host, both heard.
  assert.ok(result.muteToOutputMs && result.unmuteToOutputMs, JSON.stringify(result.muteToOutput));
  assertPercentiles(result.muteToOutputMs, 'muteToOutputMs');
  assertPercentiles(result.unmuteToOutputMs, 'unmuteToOutputMs');
  // Playable: the master playlist, and every rendition's init segment and first segment, were fetched.
  assert.type(result.firstPlayableMs, 'number');
  assert.equal(result.renditions, ['720p', '360p']);
  assert.is(result.viewers, 3);
  // The crowd plays low-latency HLS by default: parts through blocking reloads.
  assert.is(result.lowLatency, true);
  assert.is(result.viewersWithSegments, 3, 'every viewer fetched media');
  assert.ok((result.partsFetched as number) >= 3, `parts fetched: ${String(result.partsFetched)}`);
  assert.is(result.fetchErrors, 0, `fetch errors: ${JSON.stringify(result.fetchErrorMessages)}`);
  assertPercentiles(result.partFetchMs, 'partFetchMs');
  assertPercentiles(result.blockedReloadHoldMs, 'blockedReloadHoldMs');
  assert.ok((result.blockedReloadHoldMs as { p50: number }).p50 > 0, 'blocking reloads were timed');
  const partDuration = result.partDurationMs as { p50: number };
  assert.ok(partDuration.p50 > 150 && partDuration.p50 < 300, `parts of about 200 ms: ${JSON.stringify(partDuration)}`);
  // The keeper plays plain HLS throughout: whole segments.
  assertPercentiles(result.segmentFetchMsOneViewer, 'segmentFetchMsOneViewer');
  assert.ok((result.segmentFetchMsOneViewer as { p50: number }).p50 > 0, 'segment fetches were timed');
  const encodeSpeed = result.encodeSpeed as Record<string, unknown>;
  for (const hosts of ['1', '4', '9']) assert.ok((encodeSpeed[hosts] as number) > 0, `encodeSpeed.${hosts}`);
  // The flash/beep host is read back from the HLS output: marks paired, drift within a second.
  const drift = result.avDriftMs as { p50: number; samples: number } | null;
  assert.ok(
    drift && drift.samples > 0 && Math.abs(drift.p50) < 500,
    `avDriftMs ${JSON.stringify(drift)}: ${JSON.stringify(result.avDrift)}`,
  );
  assert.type(result.serverCpuPctPer100Viewers, 'number');
  assert.is(result.glassToGlassMs, null);
  assert.is(result.glassToGlassPlainMs, null);
  // A layout change reached the output: a segment of the new composition was listed.
  const change = result.layoutChangeToOutputMs as { listedMs: number | null; error?: string };
  assert.type(change.listedMs, 'number', `layoutChangeToOutputMs ${JSON.stringify(change)}`);
});

test('battle: two live sessions battle, viewers gift; no gift lost or doubled, with every figure', async () => {
  // Its own server (BATTLE_TIME_SCALE, and its database for the admin that tops the viewers up).
  const result = await bench('battle', '--viewers', '10', '--gifts', '50', '--rate', '25', '--battles', '1');
  assertCommonFields(result, 'battle');
  for (const field of ['giftsSent', 'giftsAccepted', 'acceptedPerSec', 'nodeCpuPct', 'generatorCpuPct']) {
    assert.type(result[field], 'number', field);
  }
  assert.is(result.lost, 0, 'an accepted gift is missing from the final scores');
  assert.is(result.doubled, 0, 'a gift was counted twice');
  assert.is(result.doubleWrites, 0);
  // 50 gifts and a resend after 5 % of them: all answered, each resend as the first send.
  assert.is(result.giftsSent, 50);
  assert.is(result.giftsAccepted, result.giftsSent);
  assert.equal(result.errors, {});
  const resends = result.resends as { sent: number; replayed: number };
  assert.ok(resends.sent > 0 && resends.replayed === resends.sent, `resends ${JSON.stringify(resends)}`);
  const final = result.finalScores as [number, number];
  assert.is(final[0] + final[1], result.giftsAccepted);
  assertPercentiles(result.scoreVisibleMs, 'scoreVisibleMs');
  assert.type((result.scoreVisibleMs as { p99: number }).p99, 'number');
  assert.is(result.scoreNeverSeen, 0, 'every watcher saw every gift in a score');
  // Each host peer received the opponent's video, and the HLS picture split.
  assertPercentiles(result.opponentFirstMediaMs, 'opponentFirstMediaMs');
  assert.is(result.opponentMediaSamples, 2);
  assertPercentiles(result.hlsBattleLayoutMs, 'hlsBattleLayoutMs');
  assert.is(result.hlsBattleLayoutSamples, 1, `hlsErrors ${JSON.stringify(result.hlsErrors)}`);
});

test('shop: a flash sale sells exactly its units, nobody double-charged, pins seen by every viewer', async () => {
  // Its own server (SHOP_TIME_SCALE, and its database for the admin that tops the buyers up).
  const result = await bench(
    'shop',
    '--viewers',
    '10',
    '--buyers',
    '5',
    '--orders',
    '40',
    '--rate',
    '20',
    '--pins',
    '3',
  );
  assertCommonFields(result, 'shop');
  for (const field of ['ordersSent', 'ordersAccepted', 'ordersPerSec', 'nodeCpuPct', 'generatorCpuPct']) {
    assert.type(result[field], 'number', field);
  }
  // 40 orders for a sale of 36 units: 36 sold, the rest refused; the books agree with the buyers.
  assert.is(result.ordersSent, 40);
  assert.is(result.ordersAccepted, 36);
  assert.is(result.oversold, 0);
  assert.is(result.doubleCharged, 0);
  assert.is(result.lost, 0);
  assert.is(result.unknownToBuyers, 0);
  assert.is(result.stockExact, true);
  assert.is(result.lastStockPushExact, true, 'the last stock push holds the final stock');
  assert.is(result.pinsMissed, 0);
  assert.is(result.pinSamples, 30);
  assertPercentiles(result.pinVisibleMs, 'pinVisibleMs');
  assert.type((result.pinVisibleMs as { p99: number }).p99, 'number');
  assertPercentiles(result.orderAckMs, 'orderAckMs');
});

test('report: the results become one HTML page with charts', async () => {
  const result = await bench('report');
  const html = fs.readFileSync(String(result.file), 'utf8');
  assert.match(html, /<svg /);
  assert.match(html, /join-storm/);
  assert.match(html, /<title>Janus: 4 → /, 'the fan-out loss chart has a point of the Janus ramp');
});

test.run();
