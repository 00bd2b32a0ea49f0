// A cluster of three real node processes behind nginx, on Debian's Redis and
// PostgreSQL: sessions are placed on one node and served by it wherever a
// request arrives; pushes reach sockets on every node.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Redis } from 'ioredis';
import type { SessionState } from '../protocol/index.ts';
import { createSession } from '../../testkit/sessions.ts';
import {
  api,
  connectClient,
  nextChatMessage,
  receivedChatMessages,
  signInGuest,
  type TestClient,
} from '../../testkit/signalingClient.ts';
import { startTestCluster, type TestCluster } from '../../testkit/testCluster.ts';

const test = suite('cluster');
let cluster: TestCluster;
let redis: Redis;
const clients: TestClient[] = [];

test.before(async () => {
  cluster = await startTestCluster(3);
  redis = new Redis(cluster.redis.url);
});

test.after.each(() => {
  for (const client of clients.splice(0)) client.close();
});

test.after(async () => {
  redis?.disconnect();
  await cluster?.stop();
});

const ownerOf = async (sessionId: string) =>
  (await redis.get(`stagecast:session-owner:${sessionId}`))?.replace(/\/[^/]*$/, '');
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
  const sent = await viewerClient.request('chat:send', { sessionId: session.id, text: 'hello from node two' });
  assert.ok(sent.ok, JSON.stringify(sent));
  for (const client of [hostClient, viewerClient, reader]) {
    await nextChatMessage(client, (message) => message.text === 'hello from node two');
  }
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

test.run();
