// The studio's pure rules: simulcast encodings by capture size, replaying
// pushes onto the session snapshot, and what the stage shows and focuses.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DEFAULT_THEME, NO_PICTURES, type HostState, type SessionState } from '../../../signaling/protocol/index.ts';
import { parseCaptureSize } from './localMedia.ts';
import { cameraEncodings } from './publishSettings.ts';
import { forgetDevices, loadRememberedDevices, REJOIN_MARGIN_MS, rememberDevices } from './rememberedDevices.ts';
import * as update from './sessionUpdates.ts';
import { backstageItems, focusKey, stageItems } from './stageItems.ts';

function host(userId: string, overrides: Partial<HostState> = {}): HostState {
  return {
    userId,
    displayName: userId.toUpperCase(),
    role: 'co-host',
    connected: true,
    onAir: true,
    permissions: { layout: false, stage: false },
    awayUntil: null,
    tracks: [],
    ...overrides,
  };
}

function session(hosts: HostState[]): SessionState {
  return {
    id: 's1',
    title: 'Panel',
    type: 'panel',
    status: 'scheduled',
    primaryHostId: hosts[0]?.userId ?? 'a',
    hosts,
    layout: { kind: 'grid', pinnedUserId: null },
    settings: { allowJoinRequests: true, backstage: false, private: false, passwordSet: false, maxViewers: null },
    activeSpeakerId: null,
    mediaMode: 'sfu',
    onScreen: { banner: null, ticker: null, comment: null, theme: DEFAULT_THEME, pictures: NO_PICTURES },
    plan: { scheduledFor: null, description: '', tags: [], coverUrl: null },
    createdAt: '2026-01-01T00:00:00.000Z',
    startedAt: null,
    endedAt: null,
  };
}

const camera = (producerId: string, paused = false) =>
  ({ producerId, source: 'camera', kind: 'video', paused, via: 'sfu' }) as const;

test('a 720p camera sends three simulcast layers of ¼, ½ and full size with rising bitrates', () => {
  const encodings = cameraEncodings(1280, 720);
  assert.equal(
    encodings.map((encoding) => encoding.scaleResolutionDownBy),
    [4, 2, 1],
  );
  assert.equal(
    encodings.map((encoding) => encoding.maxBitrate),
    [150_000, 500_000, 1_500_000],
  );
  assert.ok(encodings.every((encoding) => encoding.scalabilityMode === 'L1T3'));
});

test('smaller captures ask for no more layers than Chromium encodes at that size', () => {
  assert.is(cameraEncodings(960, 540).length, 3);
  assert.equal(
    cameraEncodings(640, 360).map((encoding) => [encoding.scaleResolutionDownBy, encoding.maxBitrate]),
    [
      [2, 150_000],
      [1, 500_000],
    ],
  );
  const [single, ...rest] = cameraEncodings(320, 180);
  assert.is(rest.length, 0);
  assert.is(single?.scaleResolutionDownBy, undefined);
  assert.is(single?.maxBitrate, 150_000);
});

test('the capture override reads WxH with an optional frame rate and rejects anything else', () => {
  assert.equal(parseCaptureSize('320x180'), { width: 320, height: 180, frameRate: 30 });
  assert.equal(parseCaptureSize('640x360@15'), { width: 640, height: 360, frameRate: 15 });
  assert.is(parseCaptureSize('big'), undefined);
  assert.is(parseCaptureSize(null), undefined);
});

test('track pushes update one host and deduplicate a producer announced twice', () => {
  let state = session([host('a'), host('b')]);
  state = update.trackPublished(state, 'b', camera('p1'));
  state = update.trackPublished(state, 'b', camera('p1'));
  assert.is(state.hosts[1]?.tracks.length, 1);
  state = update.trackToggled(state, 'b', 'camera', false);
  assert.is(state.hosts[1]?.tracks[0]?.paused, true);
  assert.equal(state.hosts[0]?.tracks, []);
  assert.equal([...update.remoteProducerIds(state, 'a')], ['p1']);
  assert.equal([...update.remoteProducerIds(state, 'b')], []);
  state = update.trackClosed(state, 'b', 'p1');
  assert.equal(state.hosts[1]?.tracks, []);
});

test("in a battle the opponent's hosts' tracks are consumed too, and dropped when their media stops", () => {
  const state = session([host('a'), host('b', { tracks: [camera('p1')] })]);
  const opponents = [host('x', { role: 'primary', tracks: [camera('px')] }), host('y', { tracks: [camera('py')] })];
  assert.equal([...update.wantedProducerIds(state, opponents, 'a')].sort(), ['p1', 'px', 'py']);
  assert.equal([...update.wantedProducerIds(state, [], 'a')], ['p1']);
});

test('a removed host disappears (and is unpinned); one who left stays, without media', () => {
  let state = session([host('a'), host('b', { tracks: [camera('p1')] }), host('c')]);
  state = update.layoutChanged(state, { kind: 'spotlight', pinnedUserId: 'c' });
  state = update.hostLeft(state, 'b', 'disconnected');
  assert.equal(state.hosts[1], host('b', { connected: false }));
  state = update.hostLeft(state, 'c', 'removed');
  assert.equal(
    state.hosts.map((h) => h.userId),
    ['a', 'b'],
  );
  assert.is(state.layout.pinnedUserId, null);
});

test('the stage shows hosts in the room in session order, plus screen shares', () => {
  const hosts = [
    host('a'),
    host('b', { connected: false }),
    host('c', { tracks: [{ producerId: 's', source: 'screen', kind: 'video', paused: false, via: 'sfu' }] }),
  ];
  const items = stageItems({ hosts, selfUserId: 'a', selfInRoom: true, selfSharingScreen: false });
  assert.equal(
    items.map((item) => item.key),
    ['a', 'c', 'c:screen'],
  );
  assert.ok(items[0]?.isSelf);
  // A screen share takes the main tile unless a host is pinned.
  assert.is(focusKey(items, { kind: 'spotlight', pinnedUserId: null }, 'a'), 'c:screen');
  assert.is(focusKey(items, { kind: 'spotlight', pinnedUserId: 'a' }, 'c'), 'a');
  const cameras = items.filter((item) => item.kind === 'camera');
  assert.is(focusKey(cameras, { kind: 'spotlight', pinnedUserId: null }, 'c'), 'c');
  assert.is(focusKey(cameras, { kind: 'spotlight', pinnedUserId: 'gone' }, null), undefined);
});

test('hosts off air are on the backstage strip, not on the stage the audience sees', () => {
  const hosts = [host('a'), host('b', { onAir: false }), host('c', { onAir: false, connected: false }), host('d')];
  const input = { hosts, selfUserId: 'b', selfInRoom: true, selfSharingScreen: true };
  assert.equal(
    stageItems(input).map((item) => item.key),
    ['a', 'd'],
  );
  // Only hosts in the room (c is away), with their screen share.
  assert.equal(
    backstageItems(input).map((item) => item.key),
    ['b', 'b:screen'],
  );
  assert.ok(backstageItems(input)[0]?.isSelf);
});

test('with nine hosts on stage, a screen share never pushes a camera off the canvas', () => {
  const hosts = Array.from({ length: 9 }, (_, index) => host(`h${index}`));
  const items = stageItems({ hosts, selfUserId: 'h0', selfInRoom: true, selfSharingScreen: true });
  assert.is(items.length, 9);
  assert.ok(items.every((item) => item.kind === 'camera'));
});

test('the stage shows at most two screen shares, as the broadcast does (shared stage rule)', () => {
  const sharing = [
    { producerId: 's', source: 'screen' as const, kind: 'video' as const, paused: false, via: 'sfu' as const },
  ];
  const hosts = ['a', 'b', 'c'].map((userId) => host(userId, { tracks: sharing }));
  const items = stageItems({ hosts, selfUserId: 'x', selfInRoom: false, selfSharingScreen: false });
  assert.equal(
    items.map((item) => item.key),
    ['a', 'a:screen', 'b', 'b:screen', 'c'],
  );
  assert.is(items[1]?.displayName, 'A');
});

/** sessionStorage's interface over a Map (Node has none). */
function memoryStorage(): Storage {
  const items = new Map<string, string>();
  return {
    get length() {
      return items.size;
    },
    clear: () => items.clear(),
    getItem: (key) => items.get(key) ?? null,
    key: (index) => [...items.keys()][index] ?? null,
    removeItem: (key) => void items.delete(key),
    setItem: (key, value) => void items.set(key, String(value)),
  };
}

test('the devices a host joined with are remembered per session until forgotten', () => {
  const storage = memoryStorage();
  const now = 1_000_000_000;
  const reload = { reload: true, now };
  assert.is(loadRememberedDevices(storage, 's1', reload), undefined, 'never joined: the device check');
  const devices = {
    cameraId: 'cam-2',
    microphoneId: 'mic-1',
    cameraLabel: 'USB camera',
    microphoneLabel: undefined,
    cameraOn: false,
    micOn: true,
  };
  rememberDevices(storage, 's1', devices, { savedAt: now - 1000, graceS: 20 });
  assert.equal(loadRememberedDevices(storage, 's1', reload), devices);
  assert.is(loadRememberedDevices(storage, 's2', reload), undefined, 'another session starts with the check');
  storage.setItem('stagecast.studio.s3', '{not json');
  assert.is(loadRememberedDevices(storage, 's3', reload), undefined, 'a damaged entry asks again');
  forgetDevices(storage, 's1');
  assert.is(loadRememberedDevices(storage, 's1', reload), undefined);
});

test('remembered devices rejoin only on a reload, soon after the tab was in the room', () => {
  const storage = memoryStorage();
  const devices = {
    cameraId: 'cam-1',
    microphoneId: 'mic-1',
    cameraLabel: undefined,
    microphoneLabel: undefined,
    cameraOn: true,
    micOn: true,
  };
  const savedAt = 1_000_000_000;
  const waitMs = 20_000 + REJOIN_MARGIN_MS;
  const remember = (graceS: number | undefined) => rememberDevices(storage, 's1', devices, { savedAt, graceS });

  remember(20);
  assert.is(
    loadRememberedDevices(storage, 's1', { reload: false, now: savedAt + 1000 }),
    undefined,
    'a link, history or a duplicated tab: the device check',
  );
  assert.is(storage.getItem('stagecast.studio.s1'), null, 'and forgotten: a reload later does not join either');

  remember(20);
  assert.equal(
    loadRememberedDevices(storage, 's1', { reload: true, now: savedAt + waitMs }),
    devices,
    'within the wait',
  );
  remember(20);
  assert.is(
    loadRememberedDevices(storage, 's1', { reload: true, now: savedAt + waitMs + 1 }),
    undefined,
    'a reload hours later: the device check',
  );
  assert.is(storage.getItem('stagecast.studio.s1'), null);

  remember(undefined);
  assert.is(
    loadRememberedDevices(storage, 's1', { reload: true, now: savedAt + REJOIN_MARGIN_MS + 1 }),
    undefined,
    'no wait known (never joined): the margin only',
  );
  remember(20);
  assert.is(loadRememberedDevices(storage, 's1', { reload: true, now: savedAt - 1 }), undefined, 'from the future');
  storage.setItem('stagecast.studio.s1', JSON.stringify(devices));
  assert.is(loadRememberedDevices(storage, 's1', { reload: true, now: savedAt }), undefined, 'no time: too old');
});

test('a primary host whose own connection dropped counts down locally, until the server says they are back', () => {
  const joined = session([host('a', { role: 'primary' })]);
  const dropped = update.hostAway(joined, 'a', '2026-01-01T00:00:20.000Z');
  assert.is(dropped.hosts[0]?.awayUntil, '2026-01-01T00:00:20.000Z');
  assert.is(dropped.hosts[0]?.connected, false);
  assert.is(update.hostAway(joined, 'nobody', '2026-01-01T00:00:20.000Z'), joined, 'only hosts');
});

test('a primary host who comes back is no longer away', () => {
  const away = session([host('a', { role: 'primary', connected: false, awayUntil: '2026-01-01T00:00:20.000Z' })]);
  const back = update.upsertHost(away, host('a', { role: 'primary' }));
  assert.is(back.hosts[0]?.awayUntil, null);
  assert.is(back.hosts[0]?.connected, true);
});

test.run();
