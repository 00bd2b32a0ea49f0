// run-tests: alone (it checks timings against the clock)
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { MediaMode } from '../protocol/index.ts';
import { Session } from './Session.ts';

const now = new Date('2026-12-03T10:00:00Z');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A session with `count` hosts (h0 primary) accepted, none in the room yet, and the modes it announced. */
function sessionWithHosts(count: number, mesh = { maxHosts: 4, returnDelayMs: 40 }) {
  const primary = { userId: 'h0', displayName: 'H0' };
  const session = new Session({ id: 's1', title: 'Show', type: 'panel', layout: 'grid', creator: primary, now, mesh });
  for (let index = 1; index < count; index++) {
    const host = { userId: `h${index}`, displayName: `H${index}` };
    session.invite(primary, host.userId);
    session.accept(host);
  }
  const modes: MediaMode[] = [];
  session.on('media-mode', (mode) => modes.push(mode));
  return { session, primary, modes };
}

test('a small room that is not live is a mesh; a fifth host in the room moves it to the SFU at once', () => {
  const { session, modes } = sessionWithHosts(5);
  assert.is(session.mediaMode, 'mesh');
  for (let index = 0; index < 4; index++) session.setConnected(`h${index}`, true);
  assert.is(session.mediaMode, 'mesh');
  session.setConnected('h4', true);
  assert.is(session.mediaMode, 'sfu');
  assert.is(session.toState().mediaMode, 'sfu');
  assert.equal(modes, ['sfu']);
});

test('back to the mesh only after the room has fitted for the whole delay (a reload does not flap)', async () => {
  const { session, modes } = sessionWithHosts(5);
  for (let index = 0; index < 5; index++) session.setConnected(`h${index}`, true);
  session.setConnected('h4', false);
  await sleep(20);
  // Back within the delay: the pending return is cancelled.
  session.setConnected('h4', true);
  session.setConnected('h4', false);
  await sleep(25);
  assert.is(session.mediaMode, 'sfu', 'the delay restarted when the room grew again');
  await sleep(40);
  assert.is(session.mediaMode, 'mesh');
  assert.equal(modes, ['sfu', 'mesh']);
});

test('going live moves the room to the SFU, and a live room never returns', async () => {
  const { session, primary, modes } = sessionWithHosts(2);
  session.setConnected('h0', true);
  session.start(primary, now);
  assert.is(session.mediaMode, 'sfu');
  session.setConnected('h1', true);
  await sleep(60);
  assert.is(session.mediaMode, 'sfu');
  assert.equal(modes, ['sfu']);
});

test('MESH_MAX_HOSTS=0: always the SFU', () => {
  const { session, modes } = sessionWithHosts(2, { maxHosts: 0, returnDelayMs: 0 });
  session.setConnected('h0', true);
  assert.is(session.mediaMode, 'sfu');
  assert.equal(modes, []);
});

test('a track sent peer to peer is listed until the same source is on the router, and again after', () => {
  const { session } = sessionWithHosts(2);
  session.setConnected('h1', true);
  assert.ok(session.setMeshTracks('h1', [{ source: 'camera', kind: 'video', paused: false }]));
  assert.not.ok(session.setMeshTracks('h1', [{ source: 'camera', kind: 'video', paused: false }]), 'no change');
  assert.equal(session.host('h1').tracks, [
    { producerId: 'mesh:h1:camera', source: 'camera', kind: 'video', paused: false, via: 'mesh' },
  ]);
  session.addTrack('h1', { producerId: 'p1', source: 'camera', kind: 'video', paused: false, via: 'sfu' });
  assert.equal(
    session.host('h1').tracks.map((track) => track.producerId),
    ['p1'],
  );
  session.setSourcePaused('h1', 'camera', true);
  session.removeTrack('h1', 'p1');
  assert.equal(session.host('h1').tracks, [
    { producerId: 'mesh:h1:camera', source: 'camera', kind: 'video', paused: true, via: 'mesh' },
  ]);
  session.setConnected('h1', false);
  assert.equal(session.host('h1').tracks, []);
});

test.run();
