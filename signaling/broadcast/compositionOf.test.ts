// From a session's state to what the recorder composes: a host's screen
// share and its sound are part of it (issue 23: they never reached the
// broadcast), the pin and the active speaker are kept apart (a shared
// screen outranks the speaker, not a pin), and a new share recomposes.
import type { types } from 'mediasoup';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { HostState, PublishedTrack, SessionState } from '../protocol/index.ts';
import { compositionKey, compositionOf } from './compositionOf.ts';

const producers = new Map<string, types.Producer>();
const producer = (id: string) => producers.get(id) ?? producers.set(id, { id } as types.Producer).get(id)!;

function track(source: PublishedTrack['source'], paused = false): PublishedTrack {
  const kind = source === 'camera' || source === 'screen' ? 'video' : 'audio';
  return { producerId: `${source}-p`, source, kind, paused };
}

function host(userId: string, tracks: PublishedTrack[], connected = true): HostState {
  return {
    userId,
    displayName: `Name ${userId}`,
    role: 'co-host',
    connected,
    awayUntil: null,
    tracks: tracks.map((t) => ({ ...t, producerId: `${userId}-${t.producerId}` })),
  };
}

function state(hosts: HostState[], overrides: Partial<SessionState> = {}): SessionState {
  return {
    id: 's1',
    title: 'Show',
    type: 'panel',
    status: 'live',
    primaryHostId: 'a',
    hosts,
    layout: { kind: 'spotlight', pinnedUserId: null },
    settings: { allowJoinRequests: true },
    activeSpeakerId: null,
    createdAt: '2026-01-01T00:00:00.000Z',
    startedAt: null,
    endedAt: null,
    ...overrides,
  };
}

test("a host's screen share and its sound are composed, with the host's name", () => {
  const composition = compositionOf(
    state([host('a', [track('camera'), track('microphone'), track('screen'), track('screen-audio')])]),
    producer,
  );
  const [a] = composition.hosts;
  assert.equal(
    [a?.hostId, a?.displayName, a?.video?.id, a?.audio?.id, a?.screen?.id, a?.screenAudio?.id],
    ['a', 'Name a', 'a-camera-p', 'a-microphone-p', 'a-screen-p', 'a-screen-audio-p'],
  );
});

test('a paused screen or a host away is left out', () => {
  const composition = compositionOf(
    state([host('a', [track('screen', true)]), host('b', [track('screen')], false)]),
    producer,
  );
  assert.equal(
    composition.hosts.map((h) => [h.hostId, h.screen?.id ?? null]),
    [['a', null]],
  );
});

test('the pin and the active speaker travel apart (the recorder lets a screen outrank only the speaker)', () => {
  const hosts = [host('a', [track('camera')]), host('b', [track('screen')])];
  assert.equal(
    [compositionOf(state(hosts, { activeSpeakerId: 'a' }), producer)].map((c) => [c.pinnedHostId, c.focusHostId]),
    [[undefined, 'a']],
  );
  const pinned = compositionOf(state(hosts, { layout: { kind: 'spotlight', pinnedUserId: 'a' } }), producer);
  assert.equal([pinned.pinnedHostId, pinned.focusHostId], ['a', 'a']);
});

test('starting or stopping a share, and a host with a screen alone, change the key (the recorder is told)', () => {
  const without = compositionKey(compositionOf(state([host('a', [track('camera')])]), producer));
  const sharing = compositionKey(compositionOf(state([host('a', [track('camera'), track('screen')])]), producer));
  assert.is.not(without, sharing);
  // One host with a screen is two tiles: who is pinned matters.
  const pinned = compositionKey(
    compositionOf(
      state([host('a', [track('camera'), track('screen')])], { layout: { kind: 'spotlight', pinnedUserId: 'a' } }),
      producer,
    ),
  );
  assert.is.not(pinned, sharing);
});

test.run();
