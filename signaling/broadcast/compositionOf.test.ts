// From a session's state to what the recorder composes: a host's screen
// share and its sound are part of it (issue 23: they never reached the
// broadcast), the pin and the active speaker are kept apart (a shared
// screen outranks the speaker, not a pin), and a new share recomposes.
import type { types } from 'mediasoup';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  DEFAULT_THEME,
  NO_PICTURES,
  type BattleState,
  type HostState,
  type PublishedTrack,
  type SessionState,
} from '../protocol/index.ts';
import { compositionKey, compositionOf, type BattleCompositionView } from './compositionOf.ts';

const producers = new Map<string, types.Producer>();
const producer = (id: string) => producers.get(id) ?? producers.set(id, { id } as types.Producer).get(id)!;

function track(source: PublishedTrack['source'], paused = false): PublishedTrack {
  const kind = source === 'camera' || source === 'screen' ? 'video' : 'audio';
  return { producerId: `${source}-p`, source, kind, paused, via: 'sfu' };
}

function host(userId: string, tracks: PublishedTrack[], connected = true): HostState {
  return {
    userId,
    displayName: `Name ${userId}`,
    role: 'co-host',
    connected,
    onAir: true,
    permissions: { layout: false, stage: false },
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
    settings: { allowJoinRequests: true, backstage: false, private: false, passwordSet: false, maxViewers: null },
    activeSpeakerId: null,
    mediaMode: 'sfu',
    onScreen: { banner: null, ticker: null, comment: null, theme: DEFAULT_THEME, pictures: NO_PICTURES },
    plan: { scheduledFor: null, description: '', tags: [], coverUrl: null },
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

test('a host backstage is not composed, and a stopped microphone is not heard', () => {
  const backstage = { ...host('b', [track('camera')]), onAir: false };
  const composition = compositionOf(
    state([host('a', [track('camera'), track('microphone', true)]), backstage]),
    producer,
  );
  assert.equal(
    composition.hosts.map((h) => [h.hostId, h.video?.id ?? null, h.audio?.id ?? null]),
    [['a', 'a-camera-p', null]],
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

function battle(phase: BattleState['phase'], scores: [number, number] = [10, 30]): BattleState {
  const side = (sessionId: string, hostName: string, score: number, outcome: 'win' | 'loss' | null) => ({
    sessionId,
    sessionTitle: `Title ${sessionId}`,
    hostId: `${sessionId}-host`,
    hostName,
    score,
    outcome,
    mvp: null,
  });
  const result = phase === 'result';
  return {
    id: 'battle-1',
    phase,
    durationS: 300,
    invitedBy: 'x',
    createdAt: '2026-01-01T00:00:00.000Z',
    respondBy: '2026-01-01T00:00:30.000Z',
    startsAt: '2026-01-01T00:00:05.000Z',
    endsAt: '2026-01-01T00:05:05.000Z',
    resultUntil: result ? '2026-01-01T00:05:20.000Z' : null,
    endedAt: null,
    endReason: null,
    winnerSessionId: result ? 's1' : null,
    // The other session invited: this one (s1) is the second side.
    sides: [
      side('s2', 'Bob', scores[0], result ? 'loss' : null),
      side('s1', 'Alice', scores[1], result ? 'win' : null),
    ],
    serverTime: '2026-01-01T00:00:01.000Z',
  };
}

function opponentView(phase: BattleState['phase'], scores?: [number, number]): BattleCompositionView {
  return {
    battle: battle(phase, scores),
    opponent: state(
      [
        host('y', [track('camera'), track('microphone')]),
        host('x', [track('camera'), track('microphone'), track('screen')]),
        host('z', [track('camera')], false),
      ],
      { id: 's2', primaryHostId: 'x' },
    ),
    findOpponentProducer: producer,
  };
}

test("a battle: own side from this session's view, primary hosts first, the opponents' cameras and microphones", () => {
  const own = state([host('b', [track('camera')]), host('a', [track('camera'), track('screen')])]);
  const composition = compositionOf(own, producer, opponentView('live'));
  assert.equal(
    composition.hosts.map((h) => h.hostId),
    ['a', 'b'],
    'the primary host is the large tile',
  );
  const recorded = composition.battle!;
  assert.equal(
    recorded.opponents.map((h) => [h.hostId, h.video?.id ?? null, h.audio?.id ?? null, h.screen?.id ?? null]),
    [
      ['x', 'x-camera-p', 'x-microphone-p', null],
      ['y', 'y-camera-p', 'y-microphone-p', null],
    ],
  );
  assert.equal(
    [recorded.ownName, recorded.opponentName, recorded.phase, recorded.scores, recorded.winner],
    ['Alice', 'Bob', 'live', [30, 10], null],
  );
  assert.equal(
    [recorded.startsAt, recorded.endsAt],
    [Date.parse('2026-01-01T00:00:05.000Z'), Date.parse('2026-01-01T00:05:05.000Z')],
  );
  const result = compositionOf(own, producer, opponentView('result')).battle!;
  assert.equal([result.winner, result.resultUntil], ['own', Date.parse('2026-01-01T00:05:20.000Z')]);
});

test('only a battle on air changes the picture: invited and ended battles leave the layout', () => {
  const own = state([host('a', [track('camera')])]);
  const plain = compositionKey(compositionOf(own, producer));
  for (const phase of ['invited', 'ended', 'declined'] as const) {
    const composition = compositionOf(own, producer, opponentView(phase));
    assert.is(composition.battle, undefined, phase);
    assert.is(compositionKey(composition), plain, phase);
  }
});

test("the key follows the battle's phase and the opponents' tracks, not its scores", () => {
  const own = state([host('a', [track('camera')])]);
  const key = (view: BattleCompositionView) => compositionKey(compositionOf(own, producer, view));
  const live = key(opponentView('live'));
  assert.is(key(opponentView('live', [500, 900])), live, 'scores go through setBattleScores');
  assert.is.not(key(opponentView('countdown')), live);
  assert.is.not(key(opponentView('result')), live);
  const cameraOff = opponentView('live');
  cameraOff.opponent.hosts[0]!.tracks[0]!.paused = true;
  assert.is.not(key(cameraOff), live);
});

test.run();
