// The studio's check of its room copy against the server's answer.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { HostState, PublishedTrack } from '../../../signaling/protocol/index.ts';
import { roomDifferences, withServerHosts } from './roomView.ts';

function track(producerId: string): PublishedTrack {
  return { producerId, source: 'camera', kind: 'video', paused: false, via: 'sfu' };
}

function host(userId: string, overrides: Partial<HostState> = {}): HostState {
  return {
    userId,
    displayName: userId,
    role: 'co-host',
    connected: true,
    onAir: true,
    permissions: { layout: false, stage: false },
    awayUntil: null,
    tracks: [],
    ...overrides,
  };
}

test('own tracks missing from the copy are no difference (the server does not push a host its own producers)', () => {
  const known = [host('me'), host('b', { tracks: [track('b1')] })];
  const server = [host('me', { tracks: [track('m1')] }), host('b', { tracks: [track('b1')] })];
  assert.equal(roomDifferences(known, server, 'me'), []);
});

test('a co-host shown as away while the server has it on stage is a difference, with the same tracks', () => {
  const known = [host('me'), host('b', { connected: false, tracks: [track('b1')] })];
  const server = [host('me'), host('b', { tracks: [track('b1')] })];
  assert.equal(roomDifferences(known, server, 'me'), [{ userId: 'b', known: 'away b1', server: 'connected b1' }]);
});

test('missing and extra co-hosts and tracks are differences; track order is not', () => {
  const known = [host('me'), host('b', { tracks: [track('b2'), track('b1')] }), host('gone')];
  const server = [
    host('me'),
    host('b', { tracks: [track('b1'), track('b2')] }),
    host('new', { tracks: [track('n1')] }),
  ];
  assert.equal(
    roomDifferences(known, server, 'me').map((difference) => difference.userId),
    ['gone', 'new'],
  );
});

test('only the differing hosts are taken from the server; the rest of the copy (newer pushes) stays', () => {
  const known = [host('me'), host('b', { tracks: [track('b-newer')] }), host('c', { connected: false }), host('gone')];
  // The answer is older than a push about b, and right about c, gone and new.
  const server = [host('me', { tracks: [track('m1')] }), host('b'), host('c'), host('new')];
  const hosts = withServerHosts(known, server, ['c', 'gone', 'new']);
  assert.equal(
    hosts.map((entry) => [entry.userId, entry.connected, entry.tracks.map((t) => t.producerId)]),
    [
      ['me', true, []],
      ['b', true, ['b-newer']],
      ['c', true, []],
      ['new', true, []],
    ],
  );
});

test.run();
