// A cluster of three real node processes behind nginx, on Debian's Redis and
// PostgreSQL: sessions are placed on one node and served by it wherever a
// request arrives; pushes reach sockets on every node; sessions of two nodes
// battle (battle clocks 10 times faster: a 1-minute battle lasts 6 s).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Redis } from 'ioredis';
import type { BattleState, SessionState } from '../protocol/index.ts';
import { goLive, startLiveSession, type LiveSession } from '../../testkit/battles.ts';
import { createSession, endSession } from '../../testkit/sessions.ts';
import {
  api,
  connectClient,
  nextChatMessage,
  receivedChatMessages,
  signInGuest,
  type TestClient,
} from '../../testkit/signalingClient.ts';
import { startTestCluster, type TestCluster } from '../../testkit/testCluster.ts';
import { makeAdmin, topUp } from '../../testkit/coins.ts';
import { newestLiveSegment } from '../../testkit/hlsFiles.ts';
import { registerAccount } from '../../testkit/accountClient.ts';

const test = suite('cluster');
let cluster: TestCluster;
let redis: Redis;
const clients: TestClient[] = [];

test.before(async () => {
  cluster = await startTestCluster(3, { BATTLE_TIME_SCALE: '10' });
  redis = new Redis(cluster.redis.url);
});

test.after.each(() => {
  for (const client of clients.splice(0)) client.close();
});

test.after(async () => {
  redis?.disconnect();
  await cluster?.stop();
});

const ownerOf = (sessionId: string) => cluster.ownerOf(sessionId);
const nodeUrl = (id: string) => cluster.nodes.find((node) => node.id === id)!.url;
const otherNodes = (id: string) => cluster.nodes.filter((node) => node.id !== id);
const connect = async (url: string, token?: string) => {
  const client = await connectClient(url, token);
  clients.push(client);
  return client;
};

test('every node is registered with its URL and serving', async () => {
  const ids = (await redis.smembers('stagecast:nodes')).sort();
  assert.equal(ids, ['node-1', 'node-2', 'node-3']);
  for (const node of cluster.nodes) {
    const entry = JSON.parse((await redis.get(`stagecast:node:${node.id}`))!) as { url: string; state: string };
    assert.is(entry.url, node.url);
    assert.is(entry.state, 'serving');
  }
});

test('sessions created through the load balancer spread over the nodes; any node answers about one', async () => {
  const host = await signInGuest(cluster.lb.url, 'Placed host');
  const created: SessionState[] = [];
  for (let index = 0; index < 9; index++)
    created.push(await createSession(cluster.lb.url, host.token, `Show ${index}`));
  const owners = await Promise.all(created.map((session) => ownerOf(session.id)));
  assert.ok(
    owners.every((owner) => owner !== undefined),
    `every session has an owner: ${owners.join(',')}`,
  );
  assert.ok(new Set(owners).size >= 2, `placed on more than one node: ${owners.join(',')}`);
  // Asked on each node directly, the answer is the owner's.
  const session = created[0]!;
  for (const node of cluster.nodes) {
    const { status, body } = await api<SessionState>(node.url, 'GET', `/api/multihost/${session.id}`, host.token);
    assert.is(status, 200, `${node.id} answers`);
    assert.ok(body.ok && body.data.id === session.id && body.data.title === session.title);
  }
});

test('a viewer on another node chats: the host and viewers on every node see each message once', async () => {
  const host = await signInGuest(cluster.lb.url, 'Chat host');
  const session = await createSession(cluster.lb.url, host.token, 'Chat across nodes');
  const owner = (await ownerOf(session.id))!;
  const [second, third] = otherNodes(owner);
  const hostClient = await connect(nodeUrl(owner), host.token);
  const viewer = await signInGuest(cluster.lb.url, 'Far viewer');
  const viewerClient = await connect(second!.url, viewer.token);
  const reader = await connect(third!.url);
  for (const client of [hostClient, viewerClient, reader]) {
    const joined = await client.request('chat:join', { sessionId: session.id });
    assert.ok(joined.ok, JSON.stringify(joined));
  }
  const readers = [
    ['the host', hostClient],
    ['the sender', viewerClient],
    ['a reader on a third node', reader],
  ] as const;
  // Listening before sending: a push that came before its wait began would be missed.
  const arrivals = readers.map(([name, client]) =>
    nextChatMessage(client, (message) => message.text === 'hello from node two').catch((error: unknown) => {
      throw new Error(`${name}: ${(error as Error).message}`);
    }),
  );
  const sent = await viewerClient.request('chat:send', { sessionId: session.id, text: 'hello from node two' });
  assert.ok(sent.ok, JSON.stringify(sent));
  await Promise.all(arrivals);
  // Whatever else arrives in the next moment, nobody gets it twice.
  await new Promise((resolve) => setTimeout(resolve, 300));
  for (const client of [hostClient, viewerClient, reader]) {
    const copies = receivedChatMessages(client).filter((message) => message.text === 'hello from node two');
    assert.is(copies.length, 1);
  }
  // History read through a third node is the owner's.
  const history = await reader.request('chat:history', { sessionId: session.id });
  assert.ok(history.ok && history.data.messages.some((message) => message.text === 'hello from node two'));
});

test('a reader on another node who blocked one author of a batch gets the rest of it, without that author', async () => {
  const host = await signInGuest(cluster.lb.url, 'Blocking host');
  const session = await createSession(cluster.lb.url, host.token, 'Blocks across nodes');
  const owner = (await ownerOf(session.id))!;
  const [elsewhere] = otherNodes(owner);
  // Blocks are between accounts.
  const [pest, friend, reader] = await Promise.all(
    ['Pest', 'Friend', 'Reader'].map((displayName) => registerAccount(cluster.lb.url, { displayName })),
  );
  const pestClient = await connect(cluster.lb.url, pest!.token);
  const friendClient = await connect(cluster.lb.url, friend!.token);
  const readerClient = await connect(elsewhere!.url, reader!.token);
  for (const client of [pestClient, friendClient, readerClient])
    await client.call('chat:join', { sessionId: session.id });
  await readerClient.call('chat:block', { userId: pest!.user.userId });

  // Sent together, the two messages share a batch (40 ms) on the owner.
  const friendsSeen = nextChatMessage(readerClient, (message) => message.text === 'from a friend');
  await Promise.all([
    pestClient.call('chat:send', { sessionId: session.id, text: 'from a pest' }),
    friendClient.call('chat:send', { sessionId: session.id, text: 'from a friend' }),
  ]);
  await friendsSeen;
  await new Promise((resolve) => setTimeout(resolve, 300));
  const texts = receivedChatMessages(readerClient).map((message) => message.text);
  assert.equal(
    texts.filter((text) => text.startsWith('from a')),
    ['from a friend'],
  );
});

test("a live session: viewers on every node count together, a far viewer's gift lands once, HLS from any node is the owner's", async () => {
  // Gifts go to accounts (a guest host cannot receive them).
  const host = await registerAccount(cluster.lb.url, { displayName: 'Live host' });
  const session = await createSession(cluster.lb.url, host.token, 'Live across nodes');
  const started = await api(cluster.lb.url, 'POST', `/api/multihost/${session.id}/start`, host.token);
  assert.ok(started.body.ok, JSON.stringify(started.body));
  const owner = (await ownerOf(session.id))!;
  // Every node lists it among the live sessions (the home page), wherever it runs.
  for (const node of cluster.nodes) {
    const live = await api<SessionState[]>(node.url, 'GET', '/api/multihost/active/list');
    assert.ok(live.body.ok && live.body.data.some((listed) => listed.id === session.id), `${node.id} lists it`);
  }
  const hostClient = await connect(nodeUrl(owner), host.token);
  await hostClient.call('chat:join', { sessionId: session.id });

  // One viewer per node; the count everyone sees is the sum.
  const viewers = await Promise.all(cluster.nodes.map((node) => connect(node.url)));
  const counted = viewers[0]!.next('stream:viewers', (count) => count.sessionId === session.id && count.viewers === 3);
  for (const viewer of viewers) await viewer.call('stream:watch', { sessionId: session.id });
  await counted;

  // A signed-in viewer on another node sends a gift; it is debited once and pushed once.
  const admin = await makeAdmin(cluster.lb.url, { DATABASE_URL: cluster.postgres.url });
  const fan = await registerAccount(cluster.lb.url, { displayName: 'Far fan' });
  await topUp(cluster.lb.url, admin, fan.user.userId, 1000);
  const fanClient = await connect(otherNodes(owner)[0]!.url, fan.token);
  const [giftType] = await fanClient.call('gift:catalogue', {});
  const gift = { sessionId: session.id, giftTypeId: giftType!.id, quantity: 1, clientGiftId: 'far-gift-1' };
  // Every viewer, on every node, sees the gift.
  const giftSeen = viewers.map((viewer) =>
    viewer.next('gift:received', (push) => push.streaks.some((streak) => streak.senderId === fan.user.userId)),
  );
  const first = await fanClient.call('gift:send', gift);
  const again = await fanClient.call('gift:send', gift);
  assert.is(first.balance, 1000 - giftType!.coinValue);
  assert.is(again.replayed, true);
  assert.is(again.balance, first.balance);
  await Promise.all(giftSeen);

  // HLS: the newest segment through each node is byte for byte the owner's, with the same caching.
  let segment: Awaited<ReturnType<typeof newestLiveSegment>>;
  const deadline = Date.now() + 30_000;
  while (!(segment = await newestLiveSegment(nodeUrl(owner), session.id)) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  assert.ok(segment, 'the owner serves a live segment');
  const path = `/media/live/${session.id}/720p/${segment.name}`;
  const fromOwner = await fetch(`${nodeUrl(owner)}${path}`);
  for (const node of otherNodes(owner)) {
    const response = await fetch(`${node.url}${path}`);
    assert.is(response.status, 200);
    assert.ok(Buffer.from(await response.arrayBuffer()).equals(segment.media), `${node.id} serves the same bytes`);
    assert.is(response.headers.get('cache-control'), fromOwner.headers.get('cache-control'));
  }
});

test('a limit per address holds across nodes: sign-in attempts spread over three nodes share one budget', async () => {
  // ACCOUNT_RATE_LIMITS.login: a burst of 20 per address (and one more every 3 s). Counted per node,
  // 27 attempts at once over three nodes (9 each) would all pass.
  const statuses = await Promise.all(
    Array.from({ length: 27 }, async (_, attempt) => {
      const node = cluster.nodes[attempt % cluster.nodes.length]!;
      const { status } = await api(node.url, 'POST', '/api/auth/login', undefined, {
        email: `nobody-${attempt}@example.test`,
        password: 'not the password',
      });
      return status;
    }),
  );
  const refused = statuses.filter((status) => status === 429).length;
  assert.ok(refused >= 5 && refused <= 7, `refused ${refused} of 27: ${statuses.join(',')}`);
  assert.is(statuses.filter((status) => status === 401).length, 27 - refused);
});

const until = async (what: string, check: () => Promise<boolean>, timeoutMs = 15_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) assert.unreachable(`${what} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
};

/** Node `index` (killed) started again, and registered: the next tests have three nodes. */
async function restartKilled(index: number): Promise<void> {
  await cluster.restartNode(index);
  await until('the restarted node registered', async () => (await redis.smembers('stagecast:nodes')).length === 3);
}

/** Two live sessions of account hosts, owned by different nodes (a third session on A's node is ended again). */
async function liveSessionsOnTwoNodes(): Promise<[LiveSession, LiveSession]> {
  const a = await startLiveSession(cluster.lb.url, 'Ana');
  const ownerA = await ownerOf(a.session.id);
  // One account for B's attempts: sign-ups from one address are limited across the cluster.
  const ben = await registerAccount(cluster.lb.url, { displayName: 'Ben' });
  for (let attempt = 0; attempt < 8; attempt++) {
    const b = await goLive(cluster.lb.url, ben);
    if ((await ownerOf(b.session.id)) !== ownerA) return [a, b];
    await endSession(cluster.lb.url, b.host.token, b.session.id);
  }
  throw new Error('placement kept choosing one node');
}

async function battleOf(id: string): Promise<BattleState> {
  const { body } = await api<BattleState>(cluster.lb.url, 'GET', `/api/pk-battles/${id}`);
  if (!body.ok) throw new Error(body.error.message);
  return body.data;
}

test('sessions of two nodes battle: invited and accepted through any node, gifts on every node score once, exact result; a dead node ends the battle', async () => {
  const [a, b] = await liveSessionsOnTwoNodes();
  const [ownerA, ownerB] = [(await ownerOf(a.session.id))!, (await ownerOf(b.session.id))!];
  const third = cluster.nodes.find((node) => node.id !== ownerA && node.id !== ownerB)!;
  const hostA = await connect(nodeUrl(ownerA), a.host.token);
  const hostB = await connect(nodeUrl(ownerB), b.host.token);

  // Invited through the node that owns neither session; B's host, on its own node, is told.
  const invitedPush = hostB.next('pk-battle:invited');
  // 10 minutes (1 at BATTLE_TIME_SCALE 10): the fans below sign up and gift while it runs, which took
  // longer than a 1-minute battle's 6 s on a loaded machine.
  const invited = await api<BattleState>(third.url, 'POST', '/api/pk-battles', a.host.token, {
    sessionId: a.session.id,
    opponentSessionId: b.session.id,
    durationS: 600,
  });
  assert.ok(invited.body.ok, JSON.stringify(invited.body));
  const battleId = invited.body.data.id;
  assert.equal(
    invited.body.data.sides.map((side) => [side.sessionId, side.hostName]),
    [
      [a.session.id, 'Ana'],
      [b.session.id, b.host.user.displayName],
    ],
  );
  assert.is((await invitedPush).battle.id, battleId);
  // B's node holds B as taken: another session's invitation to it is refused there.
  const [c] = await Promise.all([startLiveSession(cluster.lb.url, 'Cy')]);
  const refused = await api(cluster.lb.url, 'POST', '/api/pk-battles', c.host.token, {
    sessionId: c.session.id,
    opponentSessionId: b.session.id,
    durationS: 60,
  });
  assert.is(refused.status, 409, JSON.stringify(refused.body));
  await endSession(cluster.lb.url, c.host.token, c.session.id);

  // Viewers of both sides on every node; accepted through the load balancer.
  const watchers = await Promise.all(
    cluster.nodes.flatMap((node) =>
      [a, b].map(async (side) => {
        const client = await connect(node.url);
        await client.call('stream:watch', { sessionId: side.session.id });
        return client;
      }),
    ),
  );
  const started = watchers.map((watcher) => watcher.next('pk-battle:started', (push) => push.battle.id === battleId));
  const accepted = await api<BattleState>(cluster.lb.url, 'POST', `/api/pk-battles/${battleId}/accept`, b.host.token);
  assert.ok(accepted.body.ok && accepted.body.data.phase === 'countdown', JSON.stringify(accepted.body));
  // B's own node answers about B's battle (its follower's copy).
  assert.is((await hostB.call('pk-battle:current', { sessionId: b.session.id }))?.id, battleId);
  await Promise.all(started);

  // Fans on every node gift both sides: A's gifts are written on A's node, B's on B's.
  const admin = await makeAdmin(cluster.lb.url, { DATABASE_URL: cluster.postgres.url });
  const fans = await Promise.all(
    cluster.nodes.map(async (node, index) => {
      const fan = await registerAccount(cluster.lb.url, { displayName: `Fan ${index}` });
      await topUp(cluster.lb.url, admin, fan.user.userId, 1000);
      return { fan, socket: await connect(node.url, fan.token) };
    }),
  );
  const [rose] = await fans[0]!.socket.call('gift:catalogue', {});
  const sent = { a: 0, b: 0 };
  // Waited for from before the first gift: the clock runs through all twenty requests below, one after
  // another across the nodes (5 s was too little on a loaded machine).
  const lastScores = watchers.map((watcher) =>
    watcher.next(
      'pk-battle:gift',
      (push) =>
        push.battleId === battleId && push.scores[0] === 4 * rose!.coinValue && push.scores[1] === 6 * rose!.coinValue,
      20_000,
    ),
  );
  for (const [index, { fan, socket }] of fans.entries()) {
    for (const [side, count] of [
      ['a', index === 0 ? 2 : 1],
      ['b', 2],
    ] as const) {
      for (let unit = 0; unit < count; unit++) {
        const clientGiftId = `${fan.user.userId}-${side}-${unit}`;
        const request = {
          sessionId: (side === 'a' ? a : b).session.id,
          giftTypeId: rose!.id,
          quantity: 1,
          clientGiftId,
          battleId,
        };
        const receipt = await socket.call('gift:send', request);
        assert.is(receipt.replayed, false);
        // A resend changes nothing.
        assert.is((await socket.call('gift:send', request)).replayed, true);
        sent[side] += 1;
      }
    }
  }
  assert.equal(sent, { a: 4, b: 6 });
  // Every watcher, on every node, of either side, sees both scores.
  await Promise.all(lastScores);

  // A forfeits: B wins; the recorded scores are exactly the gifts.
  const cancelled = await api<BattleState>(cluster.lb.url, 'DELETE', `/api/pk-battles/${battleId}`, a.host.token);
  assert.ok(cancelled.body.ok && cancelled.body.data.phase === 'result', JSON.stringify(cancelled.body));
  assert.equal(
    cancelled.body.data.sides.map((side) => side.score),
    [4 * rose!.coinValue, 6 * rose!.coinValue],
  );
  assert.is(cancelled.body.data.winnerSessionId, b.session.id);
  await until('the battle ended', async () => (await battleOf(battleId)).phase === 'ended');
  await until(
    "B's node let go of its copy",
    async () => (await hostB.call('pk-battle:current', { sessionId: b.session.id })) === null,
  );

  // Again, and B's node dies: A's node ends the battle, interrupted, within the failover bound.
  const again = await api<BattleState>(cluster.lb.url, 'POST', '/api/pk-battles', a.host.token, {
    sessionId: a.session.id,
    opponentSessionId: b.session.id,
    durationS: 600,
  });
  assert.ok(again.body.ok, JSON.stringify(again.body));
  const secondId = again.body.data.id;
  const live = hostA.next('pk-battle:started', (push) => push.battle.id === secondId);
  const acceptedAgain = await api(cluster.lb.url, 'POST', `/api/pk-battles/${secondId}/accept`, b.host.token);
  assert.ok(acceptedAgain.body.ok, JSON.stringify(acceptedAgain.body));
  await live;
  const interrupted = hostA.next(
    'pk-battle:ended',
    (push) => push.battle.id === secondId && push.battle.endReason === 'interrupted',
    10_000,
  );
  const nodeIndex = cluster.nodes.findIndex((node) => node.id === ownerB);
  cluster.nodes[nodeIndex]!.kill('SIGKILL');
  try {
    await interrupted;
    const record = await battleOf(secondId);
    assert.equal([record.phase, record.endReason], ['ended', 'interrupted']);
  } finally {
    await restartKilled(nodeIndex);
  }
  // Their compositors go: the cores are for the next tests.
  for (const side of [a, b]) await endSession(cluster.lb.url, side.host.token, side.session.id);
});

test('the owner of a live session dies: the viewers watching through the other nodes are counted again by the new owner', async () => {
  // A guest host: no sign-up needed.
  const host = await signInGuest(cluster.lb.url, 'Counted host');
  const sessionId = (await createSession(cluster.lb.url, host.token, 'Counted show')).id;
  const started = await api(cluster.lb.url, 'POST', `/api/multihost/${sessionId}/start`, host.token);
  assert.ok(started.body.ok, JSON.stringify(started.body));
  const owner = (await ownerOf(sessionId))!;
  const viewers = await Promise.all(cluster.nodes.map((node) => connect(node.url)));
  const allCounted = viewers[0]!.next(
    'stream:viewers',
    (count) => count.sessionId === sessionId && count.viewers === 3,
  );
  for (const viewer of viewers) await viewer.call('stream:watch', { sessionId });
  await allCounted;

  const survivors = viewers.filter((_, index) => cluster.nodes[index]!.id !== owner);
  const countedAgain = survivors.map((viewer) =>
    viewer.next('stream:viewers', (count) => count.sessionId === sessionId && count.viewers === 2, 20_000),
  );
  const index = cluster.nodes.findIndex((node) => node.id === owner);
  cluster.nodes[index]!.kill('SIGKILL');
  try {
    // Nobody re-sends anything: the two viewers on the surviving nodes are watched again for them.
    await Promise.all(countedAgain);
    const newOwner = await ownerOf(sessionId);
    assert.ok(newOwner !== undefined && newOwner !== owner, `taken over: ${newOwner}`);
    const stats = await survivors[0]!.call('stream:watch', { sessionId });
    assert.is(stats.viewers, 2, 'a repeated watch is not counted twice');
  } finally {
    await restartKilled(index);
  }
  await endSession(cluster.lb.url, host.token, sessionId);
});

test('quick match pairs sessions of two nodes: the first waits, the second (asking its own node) gets the battle', async () => {
  const [a, b] = await liveSessionsOnTwoNodes();
  const hostA = await connect(nodeUrl((await ownerOf(a.session.id))!), a.host.token);
  const hostB = await connect(cluster.lb.url, b.host.token);
  assert.equal(await hostA.call('pk-battle:quick-match', { sessionId: a.session.id, durationS: 60 }), {
    status: 'waiting',
  });
  const countdownAtA = hostA.next('pk-battle:countdown');
  const startedAtA = hostA.next('pk-battle:started', undefined, 10_000);
  const matched = await hostB.call('pk-battle:quick-match', { sessionId: b.session.id, durationS: 120 });
  assert.is(matched.status, 'matched');
  const battle = matched.status === 'matched' ? matched.battle : undefined;
  // The battle runs on B's node (A waited on another), with A's length.
  assert.equal(
    battle?.sides.map((side) => side.sessionId),
    [b.session.id, a.session.id],
  );
  assert.equal([battle?.phase, battle?.durationS], ['countdown', 60]);
  assert.is((await countdownAtA).battle.id, battle!.id);
  assert.is((await hostA.call('pk-battle:current', { sessionId: a.session.id }))?.id, battle!.id);
  // Nobody is left waiting: a third session waits rather than meeting a taken one.
  const c = await startLiveSession(cluster.lb.url, 'Cy');
  const hostC = await connect(cluster.lb.url, c.host.token);
  assert.equal(await hostC.call('pk-battle:quick-match', { sessionId: c.session.id, durationS: 60 }), {
    status: 'waiting',
  });
  await hostC.call('pk-battle:leave-queue', { sessionId: c.session.id });
  // Live (a forfeit in the countdown would cancel it without a winner).
  await startedAtA;
  const cancelled = await api<BattleState>(cluster.lb.url, 'DELETE', `/api/pk-battles/${battle!.id}`, a.host.token);
  assert.ok(cancelled.body.ok && cancelled.body.data.winnerSessionId === b.session.id, JSON.stringify(cancelled.body));
  for (const side of [a, b, c]) await endSession(cluster.lb.url, side.host.token, side.session.id);
});

test('Redis restarted (everything in it lost): the nodes re-register, keep their sessions, pushes flow again', async () => {
  const host = await signInGuest(cluster.lb.url, 'Steady host');
  const session = await createSession(cluster.lb.url, host.token, 'Through a Redis restart');
  const owner = (await ownerOf(session.id))!;
  const hostClient = await connect(nodeUrl(owner), host.token);
  const viewer = await signInGuest(cluster.lb.url, 'Steady viewer');
  const viewerClient = await connect(otherNodes(owner)[0]!.url, viewer.token);
  for (const client of [hostClient, viewerClient]) await client.call('chat:join', { sessionId: session.id });

  await cluster.redis.restart();
  redis.disconnect();
  redis = new Redis(cluster.redis.url);
  await until('every node registered again', async () => (await redis.smembers('stagecast:nodes')).length === 3);
  await until('the session claimed again by its owner', async () => (await ownerOf(session.id)) === owner);
  for (const node of cluster.nodes) assert.is(await Promise.race([node.exited, Promise.resolve('running')]), 'running');

  // A far viewer's message reaches the host again (the bus and the adapter resubscribed).
  await until('a message across nodes after the restart', async () => {
    const text = `after restart ${Date.now()}`;
    const arrival = nextChatMessage(hostClient, (message) => message.text === text, 1500);
    const sent = await viewerClient.request('chat:send', { sessionId: session.id, text });
    if (!sent.ok) return false;
    return arrival.then(
      () => true,
      () => false,
    );
  });
});

test('SIGTERM: the node drains — no new sessions, its sessions move to other nodes, then it exits', async () => {
  const host = await signInGuest(cluster.lb.url, 'Moving host');
  const session = await createSession(cluster.lb.url, host.token, 'Moves on drain');
  const owner = (await ownerOf(session.id))!;
  const node = cluster.nodes.find((candidate) => candidate.id === owner)!;

  node.kill('SIGTERM');
  assert.is(await node.exited, 0);
  const newOwner = await ownerOf(session.id);
  assert.ok(newOwner !== undefined && newOwner !== owner, `moved to another node: ${newOwner}`);
  assert.not.ok(await redis.get(`stagecast:node:${owner}`), 'its registry entry is gone');
  // The session goes on: same id, not ended, served through the load balancer.
  const state = await api<SessionState>(cluster.lb.url, 'GET', `/api/multihost/${session.id}`, host.token);
  assert.ok(state.body.ok && state.body.data.status === 'scheduled', JSON.stringify(state.body));
  // New sessions go to the nodes still serving.
  for (let index = 0; index < 4; index++) {
    const placed = await createSession(cluster.lb.url, host.token, `After the drain ${index}`);
    assert.ok((await ownerOf(placed.id)) !== owner);
  }
});

test.run();
