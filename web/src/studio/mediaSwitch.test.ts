import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { HostState } from '../../../signaling/protocol/index.ts';
import { meshCameraEncoding } from './meshEncoding.ts';
import {
  LINK_CLOSE_GRACE_MS,
  meshLinkTier,
  producersToConsume,
  receivesAllVia,
  shownTracks,
  speakingLevels,
  SwitchProgress,
  type ReceivedTrack,
} from './mediaSwitch.ts';

const track = {} as MediaStreamTrack;

function received(userId: string, source: 'camera' | 'microphone', via: 'mesh' | 'sfu', ready: boolean): ReceivedTrack {
  const id = `${via}:${userId}:${source}`;
  const kind = source === 'camera' ? 'video' : 'audio';
  return { consumerId: id, producerId: id, userId, source, kind, track, via, ready };
}

function host(userId: string, via: 'mesh' | 'sfu', paused = false): HostState {
  return {
    userId,
    displayName: userId,
    role: 'co-host',
    connected: true,
    onAir: true,
    permissions: { layout: false, stage: false },
    awayUntil: null,
    tracks: (['camera', 'microphone'] as const).map((source) => ({
      producerId: `${via}:${userId}:${source}`,
      source,
      kind: source === 'camera' ? 'video' : 'audio',
      paused: source === 'camera' && paused,
      via,
    })),
  };
}

test('a tile keeps the path that shows frames until the room path does (make-before-break)', () => {
  const mesh = received('b', 'camera', 'mesh', true);
  const sfuWaiting = received('b', 'camera', 'sfu', false);
  assert.equal(shownTracks([mesh, sfuWaiting], 'sfu'), [mesh], 'the SFU track has no frame yet');
  const sfuReady = { ...sfuWaiting, ready: true };
  assert.equal(shownTracks([mesh, sfuReady], 'sfu'), [sfuReady]);
  assert.equal(shownTracks([mesh, sfuReady], 'mesh'), [mesh]);
  assert.equal(shownTracks([sfuWaiting], 'mesh'), [sfuWaiting], 'what arrived beats nothing');
  assert.is(shownTracks([mesh, received('b', 'microphone', 'mesh', false)], 'mesh').length, 2, 'one per source');
});

test('a host is received through a path when each of its sources is there and ready (a paused one need not be)', () => {
  const bob = host('b', 'sfu', true);
  assert.not.ok(receivesAllVia([received('b', 'microphone', 'sfu', true)], bob, 'sfu'), 'camera missing');
  assert.ok(
    receivesAllVia([received('b', 'microphone', 'sfu', true), received('b', 'camera', 'sfu', false)], bob, 'sfu'),
  );
  assert.not.ok(
    receivesAllVia(
      [received('b', 'microphone', 'mesh', true), received('b', 'camera', 'mesh', true)],
      host('b', 'sfu'),
      'sfu',
    ),
  );
});

test("moving back to a mesh, a host's SFU producers are dropped once its mesh tracks all show", () => {
  const hosts = [host('a', 'sfu'), host('b', 'sfu'), host('c', 'sfu')];
  const wanted = new Set(['sfu:b:camera', 'sfu:b:microphone', 'sfu:c:camera', 'sfu:c:microphone']);
  const bobOnMesh = [received('b', 'camera', 'mesh', true), received('b', 'microphone', 'mesh', true)];
  const showsViaMesh = (target: HostState) => receivesAllVia(bobOnMesh, target, 'mesh');
  assert.equal([...producersToConsume(wanted, hosts, 'a', 'mesh', showsViaMesh)], ['sfu:c:camera', 'sfu:c:microphone']);
  assert.equal(producersToConsume(wanted, hosts, 'a', 'sfu', showsViaMesh), wanted);
});

test('link tiers, speaking levels and the camera encoding for one receiver', () => {
  assert.is(meshLinkTier(20, 0), 'excellent');
  assert.is(meshLinkTier(200, 0.02), 'good');
  assert.is(meshLinkTier(400, 0.05), 'fair');
  assert.is(meshLinkTier(50, 0.2), 'poor');
  assert.equal(
    speakingLevels([
      { userId: 'loud', level: 0.5 },
      { userId: 'quiet', level: 0.0001 },
    ]),
    { loud: -6 },
  );
  assert.equal(meshCameraEncoding(720, undefined), { scaleResolutionDownBy: 1, maxBitrate: 1_500_000 });
  assert.equal(meshCameraEncoding(720, 360), { scaleResolutionDownBy: 2, maxBitrate: 500_000 });
  assert.equal(meshCameraEncoding(720, 200), { scaleResolutionDownBy: 2, maxBitrate: 500_000 });
  assert.equal(meshCameraEncoding(720, 0), { scaleResolutionDownBy: 4, maxBitrate: 150_000 }, 'hidden: 180 p');
  assert.equal(
    meshCameraEncoding(180, 1080),
    { scaleResolutionDownBy: 1, maxBitrate: 150_000 },
    'never above the capture',
  );
});

test('a link closes a grace period after both its ends receive each other through the SFU', () => {
  const progress = new SwitchProgress();
  progress.noteTold('b', 'sfu');
  assert.not.ok(progress.linkDone('b', 0), 'the other end has not said so');
  progress.noteHeard('b', 'sfu');
  assert.not.ok(progress.linkDone('b', 100));
  assert.not.ok(progress.linkDone('b', 100 + LINK_CLOSE_GRACE_MS - 1));
  assert.ok(progress.linkDone('b', 100 + LINK_CLOSE_GRACE_MS));
  progress.forgetTold();
  assert.not.ok(progress.linkDone('b', 10_000), 'a new switch starts over');
});

test.run();
