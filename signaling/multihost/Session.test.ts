// run-tests: alone (it checks timings against the clock)
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AppError } from '../errors.ts';
import { Session } from './Session.ts';

const alice = { userId: 'alice', displayName: 'Alice' };
const bob = { userId: 'bob', displayName: 'Bob' };
const now = new Date('2026-11-21T10:00:00Z');

function newSession(joinRequestTtlMs?: number) {
  return new Session({
    id: 's1',
    title: 'Show',
    type: 'podcast',
    layout: 'grid',
    creator: alice,
    now,
    ...(joinRequestTtlMs === undefined ? {} : { joinRequestTtlMs }),
  });
}

const later = (ms: number) => new Date(now.getTime() + ms);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function codeOf(action: () => unknown): string | undefined {
  try {
    action();
  } catch (error) {
    if (error instanceof AppError) return error.code;
    throw error;
  }
  return undefined;
}

test('the creator is the primary host of a scheduled session', () => {
  const state = newSession().toState();
  assert.is(state.status, 'scheduled');
  assert.equal(
    state.hosts.map((host) => [host.userId, host.role, host.connected]),
    [['alice', 'primary', false]],
  );
  assert.equal(state.layout, { kind: 'grid', pinnedUserId: null });
});

test('invitations: only the primary invites; only the invited accept, once', () => {
  const session = newSession();
  assert.is(
    codeOf(() => session.invite(bob, 'carol')),
    'NOT_ALLOWED',
  );
  assert.is(
    codeOf(() => session.accept(bob)),
    'NOT_ALLOWED',
  );
  session.invite(alice, 'bob');
  assert.is(session.accept(bob).role, 'co-host');
  assert.is(
    codeOf(() => session.accept(bob)),
    'CONFLICT',
  );
  assert.is(
    codeOf(() => session.invite(alice, 'bob')),
    'CONFLICT',
  );
});

test('join requests need the setting on and the primary to approve', () => {
  const session = newSession();
  session.requestToJoin(bob, now);
  assert.equal(session.joinRequests, [
    { userId: 'bob', displayName: 'Bob', requestedAt: now.toISOString(), expiresAt: later(600_000).toISOString() },
  ]);
  assert.is(
    codeOf(() => session.approve(bob, 'bob')),
    'NOT_ALLOWED',
  );
  assert.is(
    codeOf(() => session.approve(alice, 'carol')),
    'NOT_FOUND',
  );
  session.approve(alice, 'bob');
  assert.ok(session.isHost('bob'));
  assert.equal(session.joinRequests, []);
  session.updateSettings(alice, { allowJoinRequests: false });
  assert.is(
    codeOf(() => session.requestToJoin({ userId: 'carol', displayName: 'Carol' }, now)),
    'NOT_ALLOWED',
  );
});

test('nine hosts at most', () => {
  const session = newSession();
  for (let i = 2; i <= 9; i++) {
    session.invite(alice, `h${i}`);
    session.accept({ userId: `h${i}`, displayName: `H${i}` });
  }
  assert.is(session.hostCount, 9);
  assert.is(
    codeOf(() => session.invite(alice, 'h10')),
    'ROOM_FULL',
  );
  assert.is(
    codeOf(() => session.requestToJoin({ userId: 'h10', displayName: 'H10' }, now)),
    'ROOM_FULL',
  );
});

test('layout: primary only, pinned user must be a host; removal unpins', () => {
  const session = newSession();
  session.invite(alice, 'bob');
  session.accept(bob);
  assert.is(
    codeOf(() => session.changeLayout(bob, { kind: 'spotlight', pinnedUserId: null })),
    'NOT_ALLOWED',
  );
  assert.is(
    codeOf(() => session.changeLayout(alice, { kind: 'spotlight', pinnedUserId: 'ghost' })),
    'INVALID_INPUT',
  );
  session.changeLayout(alice, { kind: 'spotlight', pinnedUserId: 'bob' });
  session.removeHost(alice, 'bob');
  assert.equal(session.layout, { kind: 'spotlight', pinnedUserId: null });
  assert.is(
    codeOf(() => session.removeHost(alice, 'alice')),
    'INVALID_INPUT',
  );
});

test('status: scheduled → live → ended, and nothing changes after the end', () => {
  const session = newSession();
  assert.is(
    codeOf(() => session.start(bob, now)),
    'NOT_ALLOWED',
  );
  session.start(alice, now);
  assert.is(
    codeOf(() => session.start(alice, now)),
    'CONFLICT',
  );
  session.end(undefined, now);
  assert.is(session.status, 'ended');
  assert.is(
    codeOf(() => session.invite(alice, 'bob')),
    'CONFLICT',
  );
  assert.is(
    codeOf(() => session.changeLayout(alice, { kind: 'pip', pinnedUserId: null })),
    'CONFLICT',
  );
});

test('tracks follow publish, pause and disconnect', () => {
  const session = newSession();
  session.setConnected('alice', true);
  session.addTrack('alice', { producerId: 'p1', source: 'camera', kind: 'video', paused: false, via: 'sfu' });
  session.setSourcePaused('alice', 'camera', true);
  assert.equal(session.host('alice').tracks, [
    { producerId: 'p1', source: 'camera', kind: 'video', paused: true, via: 'sfu' },
  ]);
  session.setConnected('alice', false);
  assert.equal(session.host('alice').tracks, []);
});

test('join requests: the primary denies, the requester cancels, either may happen once; asking again starts afresh', () => {
  const session = newSession();
  const carol = { userId: 'carol', displayName: 'Carol' };
  session.requestToJoin(bob, now);
  session.requestToJoin(carol, now);
  assert.is(session.requestToJoin(bob, later(5000)).requestedAt, now.toISOString(), 'asking twice: the same request');
  assert.is(
    codeOf(() => session.deny(bob, 'carol')),
    'NOT_ALLOWED',
  );
  assert.is(session.deny(alice, 'bob').userId, 'bob');
  assert.is(
    codeOf(() => session.deny(alice, 'bob')),
    'NOT_FOUND',
  );
  assert.is(
    codeOf(() => session.approve(alice, 'bob')),
    'NOT_FOUND',
    'a denied request cannot be approved',
  );
  assert.is(session.cancelJoinRequest(carol).userId, 'carol');
  assert.is(
    codeOf(() => session.cancelJoinRequest(carol)),
    'NOT_FOUND',
  );
  assert.equal(session.joinRequests, []);
  assert.is(session.joinRequestOf('bob'), undefined);
  const again = session.requestToJoin(bob, later(1000));
  assert.is(again.requestedAt, later(1000).toISOString());
  assert.equal(session.joinRequestOf('bob'), again);
  session.end(alice, later(2000));
  assert.equal(session.joinRequests, [], 'the end closes every request');
});

test('join requests expire after the TTL (and only pending ones: an answered request never expires)', async () => {
  const session = newSession(40);
  const expired: string[] = [];
  session.on('join-request-expired', (request) => expired.push(request.userId));
  const carol = { userId: 'carol', displayName: 'Carol' };
  const dave = { userId: 'dave', displayName: 'Dave' };
  const erin = { userId: 'erin', displayName: 'Erin' };
  const request = session.requestToJoin(bob, now);
  assert.is(request.expiresAt, later(40).toISOString());
  session.requestToJoin(carol, now);
  session.requestToJoin(dave, now);
  session.requestToJoin(erin, now);
  session.approve(alice, 'carol');
  session.deny(alice, 'dave');
  session.cancelJoinRequest(erin);
  await sleep(120);
  assert.equal(expired, ['bob']);
  assert.equal(session.joinRequests, []);
  assert.ok(session.isHost('carol'));

  // The end clears pending timers: nothing fires after it.
  session.requestToJoin(dave, now);
  session.end(alice, now);
  await sleep(120);
  assert.equal(expired, ['bob']);
});

test('backstage: co-hosts join off air by default, the primary host on; on the setting "off", co-hosts join on air', () => {
  const session = newSession();
  session.invite(alice, 'bob');
  session.accept(bob);
  assert.equal(
    session.toState().hosts.map((host) => [host.userId, host.onAir]),
    [
      ['alice', true],
      ['bob', false],
    ],
  );
  session.updateSettings(alice, { backstage: false });
  session.invite(alice, 'carol');
  assert.ok(session.accept({ userId: 'carol', displayName: 'Carol' }).onAir, 'carol joins on air');
  assert.not.ok(session.host('bob').onAir, 'a setting for those who join: bob stays backstage');
});

test('on air: the primary host, or a co-host given the stage, moves hosts; others are refused and nothing changes', () => {
  const session = newSession();
  for (const userId of ['bob', 'carol']) {
    session.invite(alice, userId);
    session.accept({ userId, displayName: userId });
  }
  let changes = 0;
  session.on('changed', () => changes++);
  assert.is(
    codeOf(() => session.setOnAir(bob, 'carol', true)),
    'NOT_ALLOWED',
  );
  assert.is(
    codeOf(() => session.setOnAir(bob, 'bob', true)),
    'NOT_ALLOWED',
    'not even oneself',
  );
  assert.is(
    codeOf(() => session.setOnAir(alice, 'ghost', true)),
    'NOT_FOUND',
  );
  assert.is(changes, 0);
  assert.ok(session.setOnAir(alice, 'bob', true));
  assert.not.ok(session.setOnAir(alice, 'bob', true), 'already on air: no change');
  assert.is(changes, 1, 'the compositor hears of it once');

  assert.is(
    codeOf(() => session.setPermissions(bob, 'carol', { layout: true, stage: true })),
    'NOT_ALLOWED',
  );
  assert.is(
    codeOf(() => session.setPermissions(alice, 'alice', { layout: false, stage: false })),
    'INVALID_INPUT',
  );
  assert.equal(session.setPermissions(alice, 'bob', { layout: false, stage: true }).permissions, {
    layout: false,
    stage: true,
  });
  assert.ok(session.setOnAir(bob, 'carol', true), 'bob manages the stage now');
  assert.is(
    codeOf(() => session.setOnAir(bob, 'alice', false)),
    'NOT_ALLOWED',
    "but not the primary host's place",
  );
  assert.is(
    codeOf(() => session.changeLayout(bob, { kind: 'spotlight', pinnedUserId: null })),
    'NOT_ALLOWED',
    'but not the layout',
  );
  session.setPermissions(alice, 'bob', { layout: true, stage: false });
  session.changeLayout(bob, { kind: 'spotlight', pinnedUserId: 'carol' });
  assert.is(
    codeOf(() => session.setOnAir(bob, 'carol', false)),
    'NOT_ALLOWED',
    'the stage taken back',
  );
  assert.equal(session.host('alice').permissions, { layout: true, stage: true }, 'the primary host may do everything');
});

test("stopping another host's media: the stage permission, another host, in the room", () => {
  const session = newSession();
  session.invite(alice, 'bob');
  session.accept(bob);
  assert.is(
    codeOf(() => session.assertMayStop(alice, 'bob')),
    'CONFLICT',
    'bob is not in the room',
  );
  session.setConnected('bob', true);
  session.assertMayStop(alice, 'bob');
  assert.is(
    codeOf(() => session.assertMayStop(bob, 'alice')),
    'NOT_ALLOWED',
  );
  assert.is(
    codeOf(() => session.assertMayStop(alice, 'alice')),
    'INVALID_INPUT',
    "one's own: the own controls",
  );
  assert.is(
    codeOf(() => session.assertMayStop(alice, 'ghost')),
    'NOT_FOUND',
  );
});

test('on air, permissions, the backstage setting and who may watch survive a failover', () => {
  const session = newSession();
  session.updateSettings(alice, { private: true, passwordHash: 'hash', maxViewers: 3 });
  session.invite(alice, 'bob');
  session.accept(bob);
  session.setOnAir(alice, 'bob', true);
  session.setOnAir(alice, 'alice', false);
  session.setPermissions(alice, 'bob', { layout: true, stage: false });
  const restored = Session.restore({
    id: 's1',
    title: 'Show',
    type: 'podcast',
    layout: 'grid',
    status: 'live',
    primaryHost: alice,
    createdAt: now,
    startedAt: now,
    failover: JSON.parse(JSON.stringify(session.failoverState())),
    watchKey: session.storedWatchAccess().key,
    watchPasswordHash: session.storedWatchAccess().passwordHash,
    plan: session.plan,
  });
  assert.equal(
    restored.toState().hosts.map((host) => [host.userId, host.onAir, host.permissions]),
    session.toState().hosts.map((host) => [host.userId, host.onAir, host.permissions]),
  );
  assert.ok(restored.settings.backstage);
  assert.equal(restored.settings.maxViewers, 3);
  assert.ok(restored.watchAccess.opens(session.storedWatchAccess().key ?? undefined));
  assert.equal(restored.watchAccess.passwordHash, 'hash');
});

test('privacy is chosen before going live; a refused change changes nothing', () => {
  const session = newSession();
  assert.throws(() => session.updateSettings(alice, { passwordHash: 'hash', title: 'New' }), /make it private/);
  assert.equal(session.title, 'Show');
  session.updateSettings(alice, { private: true, passwordHash: 'hash' });
  const key = session.storedWatchAccess().key!;
  assert.match(key, /^[A-Za-z0-9_-]{22}$/);
  assert.ok(session.watchAccess.opens(key));
  assert.ok(!session.watchAccess.opens(undefined));
  assert.ok(!session.watchAccess.opens(key.slice(1) + 'x'));
  assert.is(
    codeOf(() => session.watchAccess.assertOpens(undefined)),
    'PRIVATE_SESSION',
  );
  session.start(alice, now);
  assert.is(
    codeOf(() => session.updateSettings(alice, { private: false })),
    'CONFLICT',
  );
  // The password and the capacity may change on air.
  session.updateSettings(alice, { passwordHash: null, maxViewers: 10 });
  assert.equal(
    [session.settings.private, session.settings.passwordSet, session.settings.maxViewers],
    [true, false, 10],
  );
  assert.is(
    codeOf(() => session.updateSettings(bob, { maxViewers: 1 })),
    'NOT_ALLOWED',
  );
});

test.run();
