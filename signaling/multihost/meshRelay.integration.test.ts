// The mesh relay against a real node (MESH_MAX_HOSTS=4): offers, answers and
// ICE candidates reach exactly the host they are for, and every abuse gets a
// typed error with nothing relayed — a host outside the session, a caller
// who is not a host, an oversize description, a flood. Also the mode a
// session reports, and the tracks a host lists while peer to peer.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MAX_SDP_LENGTH, type SessionState } from '../protocol/index.ts';
import { addCoHost, createSession, errorCode } from '../../testkit/sessions.ts';
import { api, connectClient, signInGuest, type Guest, type TestClient } from '../../testkit/signalingClient.ts';
import { startTestServer, type TestServer } from '../../testkit/testServer.ts';

let server: TestServer;
const clients: TestClient[] = [];

test.before(async () => {
  server = await startTestServer({ MESH_MAX_HOSTS: '4' });
});

test.after(async () => {
  for (const client of clients) client.close();
  await server?.close();
});

async function connect(guest: Guest): Promise<TestClient> {
  const client = await connectClient(server.url, guest.token);
  clients.push(client);
  return client;
}

async function joinAsHost(guest: Guest, sessionId: string) {
  const client = await connect(guest);
  const rtpCapabilities = await client.call('webrtc:router-capabilities', { sessionId });
  const joined = await client.call('multihost:join', { sessionId, rtpCapabilities });
  return { client, joined };
}

/** Two sessions: Ada and Grace host the first, Edsger the second; Vera is nobody's host. */
async function twoSessions() {
  const [ada, grace, edsger, vera] = await Promise.all(
    ['Ada', 'Grace', 'Edsger', 'Vera'].map((name) => signInGuest(server.url, name)),
  );
  const session = await createSession(server.url, ada!.token, 'Mesh');
  await addCoHost(server.url, ada!.token, grace!, session.id);
  const other = await createSession(server.url, edsger!.token, 'Elsewhere');
  const a = await joinAsHost(ada!, session.id);
  const g = await joinAsHost(grace!, session.id);
  const e = await joinAsHost(edsger!, other.id);
  const v = await connect(vera!);
  return { session, ada: ada!, grace: grace!, edsger: edsger!, a, g, e, v };
}

const sdp = 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n';

test('a small room that is not live is a mesh; negotiation reaches only the host it is for', async () => {
  const { session, ada, grace, a, g, e } = await twoSessions();
  assert.is(a.joined.session.mediaMode, 'mesh');
  assert.is(g.joined.session.mediaMode, 'mesh');

  const offer = g.client.next('webrtc:offer');
  assert.is((await a.client.request('webrtc:offer', { toUserId: grace.userId, sdp })).ok, true);
  assert.equal(await offer, { sessionId: session.id, fromUserId: ada.userId, sdp });
  const answer = a.client.next('webrtc:answer');
  await g.client.call('webrtc:answer', { toUserId: ada.userId, sdp });
  assert.is((await answer).fromUserId, grace.userId);
  const candidates = [
    { candidate: 'candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host', sdpMid: '0', sdpMLineIndex: 0 },
  ];
  const candidate = a.client.next('webrtc:ice-candidate');
  await g.client.call('webrtc:ice-candidate', { toUserId: ada.userId, candidates });
  assert.equal((await candidate).candidates, candidates);
  assert.is(e.client.received('webrtc:offer').length, 0, 'the other session hears nothing');
});

test('relay abuse: another session, not a host, oversize, malformed, yourself, a flood — typed errors, nothing relayed', async () => {
  const { ada, grace, edsger, a, g, e, v } = await twoSessions();
  const before = g.client.received('webrtc:offer').length + e.client.received('webrtc:offer').length;

  // A host of another session.
  assert.is(errorCode(await e.client.request('webrtc:offer', { toUserId: grace.userId, sdp })), 'NOT_FOUND');
  assert.is(errorCode(await a.client.request('webrtc:offer', { toUserId: edsger.userId, sdp })), 'NOT_FOUND');
  // Not a host of anything (never joined).
  assert.is(errorCode(await v.request('webrtc:offer', { toUserId: grace.userId, sdp })), 'CONFLICT');
  // Oversize and malformed.
  const huge = 'a'.repeat(MAX_SDP_LENGTH + 1);
  assert.is(errorCode(await a.client.request('webrtc:offer', { toUserId: grace.userId, sdp: huge })), 'INVALID_INPUT');
  assert.is(errorCode(await a.client.request('webrtc:answer', { toUserId: grace.userId, sdp: '' })), 'INVALID_INPUT');
  const tooMany = Array.from({ length: 33 }, () => ({ candidate: 'candidate:x' }));
  assert.is(
    errorCode(await a.client.request('webrtc:ice-candidate', { toUserId: grace.userId, candidates: tooMany })),
    'INVALID_INPUT',
  );
  // Oneself.
  assert.is(errorCode(await a.client.request('webrtc:offer', { toUserId: ada.userId, sdp })), 'INVALID_INPUT');
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.is(
    g.client.received('webrtc:offer').length + e.client.received('webrtc:offer').length,
    before,
    'nothing was relayed',
  );

  // A flood: the relay's budget runs out with RATE_LIMITED, and what is refused is not relayed.
  const answers = await Promise.all(
    Array.from({ length: 90 }, () => a.client.request('webrtc:offer', { toUserId: grace.userId, sdp })),
  );
  const relayed = answers.filter((answer) => answer.ok).length;
  const limited = answers.filter((answer) => errorCode(answer) === 'RATE_LIMITED').length;
  assert.ok(limited > 0, 'the flood is limited');
  assert.is(relayed + limited, answers.length);
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.is(g.client.received('webrtc:offer').length - before, relayed, 'only the accepted messages reached Grace');
});

test('peer-to-peer tracks are listed in the session, toggled like producers, and nothing is on the router', async () => {
  const { session, grace, a, g } = await twoSessions();
  const updated = a.client.next('multihost:host-updated', (event) => event.host.userId === grace.userId);
  await g.client.call('webrtc:mesh-tracks', {
    tracks: [
      { source: 'camera', kind: 'video', paused: false },
      { source: 'microphone', kind: 'audio', paused: false },
    ],
  });
  const { host } = await updated;
  assert.equal(
    host.tracks.map((track) => [track.source, track.via, track.producerId]),
    [
      ['camera', 'mesh', `mesh:${grace.userId}:camera`],
      ['microphone', 'mesh', `mesh:${grace.userId}:microphone`],
    ],
  );
  const toggled = a.client.next('webrtc:track-toggled', (event) => event.userId === grace.userId);
  await g.client.call('webrtc:toggle-track', { source: 'camera', enabled: false });
  assert.is((await toggled).enabled, false);
  const { body } = await api<SessionState>(server.url, 'GET', `/api/multihost/${session.id}`, grace.token);
  assert.ok(body.ok, JSON.stringify(body));
  const listed = body.data.hosts.find((entry) => entry.userId === grace.userId);
  assert.equal(listed?.tracks.find((track) => track.source === 'camera')?.paused, true);
  assert.is(
    errorCode(
      await g.client.request('webrtc:mesh-tracks', {
        tracks: [
          { source: 'camera', kind: 'video', paused: false },
          { source: 'camera', kind: 'video', paused: true },
        ],
      }),
    ),
    'INVALID_INPUT',
  );
  assert.is(server.pool.counts.producers, 0);
});

test.run();
