// Session chat against a real node over socket.io-client and HTTP: reading
// anonymously, sending, permissions (viewers, co-hosts, appointed
// moderators), mutes and bans, pins and reactions, slow mode, the per-user
// rate, the length limit and the word filter, blocks (live and in history),
// reports, bad input, and the chat closing with its session.
// run-tests: shares the machine
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { addCoHost, createSession, endSession, errorCode } from '../../testkit/sessions.ts';
import {
  api,
  connectClient,
  signInGuest,
  type Guest,
  type TestClient,
  nextChatMessage,
  receivedChatMessages,
} from '../../testkit/signalingClient.ts';
import { startTestServer, type TestServer } from '../../testkit/testServer.ts';
import { signIdentityToken } from '../auth/identityToken.ts';
import { tokenKeys } from '../auth/tokenKeys.ts';
import type { ChatMessageView, ChatPage, ReportView } from '../protocol/chat.ts';

let server: TestServer;
const clients: TestClient[] = [];

test.before(async () => {
  server = await startTestServer();
});
test.after(async () => {
  for (const client of clients) client.close();
  await server.close();
});

async function connect(guest?: Guest): Promise<TestClient> {
  const client = await connectClient(server.url, guest?.token);
  clients.push(client);
  return client;
}

const guests = (...names: string[]) => Promise.all(names.map((name) => signInGuest(server.url, name)));

/** A session with its primary host reading its chat. */
async function showWithHost(title: string) {
  const [host] = await guests(`${title} host`);
  const session = await createSession(server.url, host!.token, title);
  const hostClient = await connect(host);
  await hostClient.call('chat:join', { sessionId: session.id });
  return { host: host!, hostClient, sessionId: session.id };
}

/** Connects a guest and joins the chat. */
async function reader(guest: Guest | undefined, sessionId: string) {
  const client = await connect(guest);
  await client.call('chat:join', { sessionId });
  return client;
}

function texts(messages: ChatMessageView[]): string[] {
  return messages.map((message) => message.text);
}

test('anyone reads, signed-in users write, and every reader gets each message', async () => {
  const { host, hostClient, sessionId } = await showWithHost('Open chat');
  await hostClient.call('chat:send', { sessionId, text: 'welcome!' });
  const anonymous = await connect();
  const joined = await anonymous.call('chat:join', { sessionId });
  assert.equal(texts(joined.messages), ['welcome!']);
  assert.equal(
    { open: joined.open, pinned: joined.pinned, slowModeSeconds: joined.slowModeSeconds, you: joined.you },
    {
      open: true,
      pinned: null,
      slowModeSeconds: 0,
      you: { userId: null, canModerate: false, isPrimaryHost: false, mutedUntil: null, banned: false },
    },
  );
  assert.is(joined.messages[0]?.badge, 'host');
  assert.is(errorCode(await anonymous.request('chat:send', { sessionId, text: 'hi' })), 'UNAUTHENTICATED');

  const [viewer] = await guests('Viewer');
  const viewerClient = await reader(viewer, sessionId);
  const atAnonymous = nextChatMessage(anonymous, (message) => message.text === 'hello from a guest');
  const atHost = nextChatMessage(hostClient, (message) => message.text === 'hello from a guest');
  const sent = await viewerClient.call('chat:send', { sessionId, text: '  hello from a guest ' });
  assert.equal(await atAnonymous, sent);
  assert.equal(await atHost, sent);
  assert.equal(
    { userId: sent.userId, displayName: sent.displayName, badge: sent.badge, reactions: sent.reactions },
    { userId: viewer!.userId, displayName: 'Viewer', badge: null, reactions: {} },
  );

  const overHttp = await api<ChatPage>(server.url, 'GET', `/api/streams/${sessionId}/messages`);
  assert.equal(overHttp.body.ok && texts(overHttp.body.data.messages), ['welcome!', 'hello from a guest']);
  assert.is(host.userId, joined.messages[0]?.userId);

  assert.is(errorCode(await anonymous.request('chat:join', { sessionId: 'no-such-session' })), 'NOT_FOUND');
  assert.is((await api(server.url, 'GET', '/api/streams/no-such-session/messages')).status, 404);
  await anonymous.call('chat:leave', { sessionId });
  const atHostAfter = nextChatMessage(hostClient, (message) => message.text === 'after leaving');
  await viewerClient.call('chat:send', { sessionId, text: 'after leaving' });
  await atHostAfter;
  assert.not.ok(texts(receivedChatMessages(anonymous)).includes('after leaving'));
});

test('permissions: viewers delete only their own; appointed moderators moderate; co-hosts do not', async () => {
  const { host, hostClient, sessionId } = await showWithHost('Moderated');
  const [coHost, mod, viewer] = await guests('Co-host', 'Mod', 'Viewer 2');
  await addCoHost(server.url, host.token, coHost!, sessionId);
  const [coHostClient, modClient, viewerClient] = await Promise.all([
    reader(coHost, sessionId),
    reader(mod, sessionId),
    reader(viewer, sessionId),
  ]);
  const hostMessage = await hostClient.call('chat:send', { sessionId, text: 'from the host' });
  const first = await viewerClient.call('chat:send', { sessionId, text: 'first' });
  const second = await viewerClient.call('chat:send', { sessionId, text: 'second' });
  await modClient.call('chat:send', { sessionId, text: 'I am around' });
  assert.is((await coHostClient.call('chat:send', { sessionId, text: 'co-host here' })).badge, 'host');

  // A viewer: not others' messages (NOT_ALLOWED), their own yes.
  assert.is(errorCode(await viewerClient.request('chat:delete', { messageId: hostMessage.id })), 'NOT_ALLOWED');
  const deletedPush = hostClient.next('chat:message-deleted', (event) => event.messageId === first.id);
  await viewerClient.call('chat:delete', { messageId: first.id });
  assert.equal(await deletedPush, { sessionId, messageId: first.id });
  assert.is(errorCode(await viewerClient.request('chat:delete', { messageId: first.id })), 'NOT_FOUND');

  // A co-host who is not a moderator cannot moderate.
  assert.is(errorCode(await coHostClient.request('chat:delete', { messageId: second.id })), 'NOT_ALLOWED');
  const muteByCoHost = { sessionId, userId: viewer!.userId, minutes: 5 };
  assert.is(errorCode(await coHostClient.request('chat:mute', muteByCoHost)), 'NOT_ALLOWED');
  assert.is(errorCode(await coHostClient.request('chat:slow-mode', { sessionId, seconds: 5 })), 'NOT_ALLOWED');
  const appoint = { sessionId, userId: mod!.userId };
  assert.is(errorCode(await coHostClient.request('chat:appoint-moderator', appoint)), 'NOT_ALLOWED');
  assert.is(errorCode(await viewerClient.request('chat:appoint-moderator', appoint)), 'NOT_ALLOWED');
  assert.is(errorCode(await modClient.request('chat:delete', { messageId: second.id })), 'NOT_ALLOWED');

  // The primary host appoints a moderator, who then can.
  const memberPush = viewerClient.next('chat:member-updated', (event) => event.userId === mod!.userId);
  const appointed = await hostClient.call('chat:appoint-moderator', appoint);
  assert.equal(appointed, { sessionId, userId: mod!.userId, moderator: true, mutedUntil: null, banned: false });
  assert.equal(await memberPush, appointed);
  assert.is((await modClient.call('chat:send', { sessionId, text: 'now with a badge' })).badge, 'moderator');
  await modClient.call('chat:delete', { messageId: second.id });
  assert.is(errorCode(await modClient.request('chat:delete', { messageId: hostMessage.id })), 'NOT_ALLOWED');
  assert.is(errorCode(await modClient.request('chat:ban', { sessionId, userId: host.userId })), 'NOT_ALLOWED');
  assert.is(errorCode(await modClient.request('chat:appoint-moderator', appoint)), 'NOT_ALLOWED');

  // The moderator mutes the viewer: NOT_ALLOWED, saying until when.
  const muted = await modClient.call('chat:mute', { sessionId, userId: viewer!.userId, minutes: 10 });
  const mutedMs = Date.parse(muted.mutedUntil ?? '');
  assert.ok(Math.abs(mutedMs - (Date.now() + 10 * 60_000)) < 5000);
  const refused = await viewerClient.request('chat:send', { sessionId, text: 'am I muted?' });
  assert.is(errorCode(refused), 'NOT_ALLOWED');
  assert.ok(!refused.ok && refused.error.message.includes(muted.mutedUntil ?? 'never'), 'names when the mute ends');
  assert.is(
    errorCode(await viewerClient.request('chat:react', { messageId: hostMessage.id, emoji: '👍' })),
    'NOT_ALLOWED',
  );
  const rejoined = await viewerClient.call('chat:join', { sessionId });
  assert.is(rejoined.you.mutedUntil, muted.mutedUntil);
  assert.equal(rejoined.members, [], 'member states go to moderators only');
  assert.is(rejoined.primaryHostId, host.userId);
  // A moderator who (re)joins learns who is moderator and muted, to offer dismiss and unmute.
  const modJoined = await modClient.call('chat:join', { sessionId });
  assert.equal(
    modJoined.members.map(({ userId, moderator, mutedUntil }) => ({ userId, moderator, mutedUntil })),
    [
      { userId: mod!.userId, moderator: true, mutedUntil: null },
      { userId: viewer!.userId, moderator: false, mutedUntil: muted.mutedUntil },
    ],
  );
  await modClient.call('chat:unmute', { sessionId, userId: viewer!.userId });
  await viewerClient.call('chat:send', { sessionId, text: 'unmuted' });

  // A ban holds until lifted.
  await modClient.call('chat:ban', { sessionId, userId: viewer!.userId });
  const banned = await viewerClient.request('chat:send', { sessionId, text: 'banned?' });
  assert.ok(!banned.ok && banned.error.code === 'NOT_ALLOWED' && /banned/.test(banned.error.message));
  assert.is((await viewerClient.call('chat:history', { sessionId })).messages.length > 0, true, 'still reads');
  await hostClient.call('chat:unban', { sessionId, userId: viewer!.userId });
  await viewerClient.call('chat:send', { sessionId, text: 'back' });

  // Dismissed, the moderator is a viewer again.
  await hostClient.call('chat:dismiss-moderator', appoint);
  const viewerMessage = await viewerClient.call('chat:send', { sessionId, text: 'one more' });
  assert.is(errorCode(await modClient.request('chat:delete', { messageId: viewerMessage.id })), 'NOT_ALLOWED');
  await hostClient.call('chat:delete', { messageId: viewerMessage.id });
});

test('pins and reactions are pushed to every reader', async () => {
  const { hostClient, sessionId } = await showWithHost('Pins');
  const [viewer] = await guests('Fan');
  const viewerClient = await reader(viewer, sessionId);
  const message = await hostClient.call('chat:send', { sessionId, text: 'pin me' });

  const pinnedPush = viewerClient.next('chat:pinned');
  assert.is((await hostClient.call('chat:pin', { messageId: message.id })).id, message.id);
  assert.is((await pinnedPush).message?.text, 'pin me');
  assert.is(errorCode(await viewerClient.request('chat:pin', { messageId: message.id })), 'NOT_ALLOWED');
  assert.is(errorCode(await viewerClient.request('chat:unpin', { sessionId })), 'NOT_ALLOWED');

  const reactionPush = hostClient.next('chat:reaction', (event) => event.reactions['🎉'] === 1);
  const reacted = await viewerClient.call('chat:react', { messageId: message.id, emoji: '🎉' });
  assert.equal(reacted, { sessionId, messageId: message.id, reactions: { '🎉': 1 } });
  assert.equal(await reactionPush, reacted);
  const late = await reader(undefined, sessionId);
  const lateJoin = await late.call('chat:join', { sessionId });
  assert.equal(lateJoin.pinned?.reactions, { '🎉': 1 });
  // Only the one who reacted is told it is theirs (after a reload too): in chat:join and in history.
  const mine = [{ messageId: message.id, emoji: '🎉' }];
  assert.equal((await viewerClient.call('chat:join', { sessionId })).myReactions, mine);
  assert.equal((await viewerClient.call('chat:history', { sessionId })).myReactions, mine);
  assert.equal((await hostClient.call('chat:join', { sessionId })).myReactions, []);
  assert.equal(lateJoin.myReactions, []);

  const unpinned = viewerClient.next('chat:pinned', (event) => event.message === null);
  await hostClient.call('chat:unpin', { sessionId });
  await unpinned;
});

test('slow mode, the per-user rate, the length limit and the word filter', async () => {
  const { host, hostClient, sessionId } = await showWithHost('Limits');
  const [slow, fast] = await guests('Slow', 'Fast');
  const [slowClient, fastClient] = await Promise.all([reader(slow, sessionId), reader(fast, sessionId)]);

  const slowPush = slowClient.next('chat:slow-mode');
  await hostClient.call('chat:slow-mode', { sessionId, seconds: 1 });
  assert.equal(await slowPush, { sessionId, seconds: 1 });
  await slowClient.call('chat:send', { sessionId, text: 'one' });
  const tooSoon = await slowClient.request('chat:send', { sessionId, text: 'two' });
  assert.ok(!tooSoon.ok && tooSoon.error.code === 'RATE_LIMITED' && /slow mode/.test(tooSoon.error.message));
  await hostClient.call('chat:send', { sessionId, text: 'hosts are exempt' });
  await hostClient.call('chat:send', { sessionId, text: 'really exempt' });
  await new Promise((resolve) => setTimeout(resolve, 1050));
  await slowClient.call('chat:send', { sessionId, text: 'two' });
  await hostClient.call('chat:slow-mode', { sessionId, seconds: 0 });

  // Default rate: a burst of 5 messages, then 1 per second.
  for (let i = 0; i < 5; i++) await fastClient.call('chat:send', { sessionId, text: `burst ${i}` });
  assert.is(errorCode(await fastClient.request('chat:send', { sessionId, text: 'too fast' })), 'RATE_LIMITED');

  const tooLong = await slowClient.request('chat:send', { sessionId, text: 'x'.repeat(501) });
  assert.ok(!tooLong.ok && tooLong.error.code === 'INVALID_INPUT' && /500/.test(tooLong.error.message));
  await new Promise((resolve) => setTimeout(resolve, 1000));
  assert.is((await slowClient.call('chat:send', { sessionId, text: 'y'.repeat(500) })).text.length, 500);

  // Masked, not rejected: the message goes through with the word starred out.
  const maskedPush = nextChatMessage(hostClient, (message) => message.userId === fast!.userId);
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const masked = await fastClient.call('chat:send', { sessionId, text: 'What the FUCK was that' });
  assert.is(masked.text, 'What the **** was that');
  assert.is((await maskedPush).text, masked.text);
  const stored = await hostClient.call('chat:history', { sessionId, limit: 1 });
  assert.is(stored.messages[0]?.text, masked.text, 'stored masked');
  assert.ok(host.userId);
});

test('blocking hides a user from the blocker only, live and in history, until unblocked', async () => {
  const { host, hostClient, sessionId } = await showWithHost('Blocks');
  const [troll, blocker, bystander] = await guests('Troll', 'Blocker', 'Bystander');
  const [trollClient, blockerClient, bystanderClient] = await Promise.all([
    reader(troll, sessionId),
    reader(blocker, sessionId),
    reader(bystander, sessionId),
  ]);
  await trollClient.call('chat:send', { sessionId, text: 'troll 1' });
  await blockerClient.call('chat:block', { userId: troll!.userId });
  const blockerTab2 = await reader(blocker, sessionId); // a second tab, opened after the block

  const bystanderGot = nextChatMessage(bystanderClient, (message) => message.text === 'troll 2');
  await trollClient.call('chat:send', { sessionId, text: 'troll 2' });
  await bystanderGot;
  // Messages on one connection arrive in order: the marker after troll 2 proves troll 2 was skipped.
  const markers = [blockerClient, blockerTab2].map((client) =>
    nextChatMessage(client, (message) => message.text === 'marker'),
  );
  await hostClient.call('chat:send', { sessionId, text: 'marker' });
  await Promise.all(markers);
  for (const client of [blockerClient, blockerTab2]) {
    assert.not.ok(texts(receivedChatMessages(client)).includes('troll 2'));
  }
  assert.equal(texts((await blockerClient.call('chat:history', { sessionId })).messages), ['marker']);
  assert.equal(texts((await bystanderClient.call('chat:history', { sessionId })).messages), [
    'troll 1',
    'troll 2',
    'marker',
  ]);
  const overHttp = await api<ChatPage>(server.url, 'GET', `/api/streams/${sessionId}/messages`, blocker!.token);
  assert.equal(overHttp.body.ok && texts(overHttp.body.data.messages), ['marker']);
  const list = await api<{ userIds: string[] }>(server.url, 'GET', '/api/blocks', blocker!.token);
  assert.equal(list.body.ok && list.body.data.userIds, [troll!.userId]);

  // Unblocking over HTTP reaches the open sockets.
  assert.is((await api(server.url, 'DELETE', `/api/users/${troll!.userId}/block`, blocker!.token)).status, 200);
  const again = nextChatMessage(blockerClient, (message) => message.text === 'troll 3');
  await trollClient.call('chat:send', { sessionId, text: 'troll 3' });
  await again;
  assert.is((await api(server.url, 'POST', `/api/users/${host.userId}/block`, blocker!.token)).status, 200);
  assert.is((await api(server.url, 'POST', `/api/users/${host.userId}/block`)).status, 401);
  assert.is((await api(server.url, 'POST', '/api/users/g_nobody/block', blocker!.token)).status, 404);
  assert.is(errorCode(await blockerClient.request('chat:block', { userId: blocker!.userId })), 'INVALID_INPUT');
});

test('reports are stored; only admins list them', async () => {
  const { hostClient, sessionId } = await showWithHost('Reports');
  const [reporter, troll] = await guests('Reporter', 'Troll 2');
  const trollClient = await reader(troll, sessionId);
  const message = await trollClient.call('chat:send', { sessionId, text: 'rude words' });

  const filed = await api<ReportView>(server.url, 'POST', '/api/reports', reporter!.token, {
    messageId: message.id,
    reason: 'harassment',
    details: 'again and again',
  });
  assert.is(filed.status, 201);
  assert.ok(filed.body.ok);
  assert.equal(
    {
      target: filed.body.data.targetUserId,
      session: filed.body.data.sessionId,
      text: filed.body.data.messageText,
      status: filed.body.data.status,
    },
    { target: troll!.userId, session: sessionId, text: 'rude words', status: 'open' },
  );
  const byUser = await api(server.url, 'POST', '/api/reports', reporter!.token, {
    userId: troll!.userId,
    reason: 'spam',
  });
  assert.is(byUser.status, 201);
  assert.is(
    (await api(server.url, 'POST', '/api/reports', undefined, { userId: troll!.userId, reason: 'spam' })).status,
    401,
  );
  for (const body of [{ reason: 'spam' }, { userId: troll!.userId, reason: 'boring' }, '{"reason":']) {
    assert.is((await api(server.url, 'POST', '/api/reports', reporter!.token, body)).status, 400, JSON.stringify(body));
  }
  assert.is(
    (await api(server.url, 'POST', '/api/reports', reporter!.token, { messageId: 'nope', reason: 'spam' })).status,
    404,
  );

  assert.is((await api(server.url, 'GET', '/api/reports', reporter!.token)).status, 403);
  const secret = fs.readFileSync(path.join(server.dataDir, 'token-secret'), 'utf8').trim();
  const admin = { userId: 'admin-1', displayName: 'Admin', role: 'admin' } as const;
  const adminToken = await signIdentityToken(admin, tokenKeys(secret), 60);
  const queue = await api<ReportView[]>(server.url, 'GET', '/api/reports?status=open', adminToken);
  assert.is(queue.status, 200);
  assert.ok(queue.body.ok && queue.body.data.some((report) => report.messageId === message.id));
  await hostClient.call('chat:send', { sessionId, text: 'thanks' });
});

test('bad input is INVALID_INPUT, unknown ids NOT_FOUND', async () => {
  const { host, hostClient, sessionId } = await showWithHost('Bad input');
  const message = await hostClient.call('chat:send', { sessionId, text: 'ok' });
  const invalid: [string, unknown][] = [
    ['chat:join', {}],
    ['chat:send', { sessionId }],
    ['chat:send', { sessionId, text: '   ' }],
    ['chat:send', { sessionId, text: 7 }],
    ['chat:history', { sessionId, limit: 1000 }],
    ['chat:history', { sessionId, before: 'not-a-cursor' }],
    ['chat:react', { messageId: message.id, emoji: '🍕' }],
    ['chat:mute', { sessionId, userId: host.userId, minutes: 0 }],
    ['chat:mute', { sessionId, userId: host.userId, minutes: 1.5 }],
    ['chat:slow-mode', { sessionId, seconds: -1 }],
    ['chat:slow-mode', { sessionId, seconds: 100_000 }],
  ];
  for (const [event, payload] of invalid) {
    const response = await hostClient.request(event as 'chat:send', payload as never);
    assert.is(errorCode(response), 'INVALID_INPUT', `${event} ${JSON.stringify(payload)}`);
  }
  assert.is(
    errorCode(await hostClient.request('chat:mute', { sessionId, userId: host.userId, minutes: 5 })),
    'INVALID_INPUT',
  );
  const notFound: [string, unknown][] = [
    ['chat:send', { sessionId: 'nope', text: 'hi' }],
    ['chat:delete', { messageId: 'nope' }],
    ['chat:react', { messageId: 'nope', emoji: '👍' }],
    ['chat:pin', { messageId: 'nope' }],
    ['chat:mute', { sessionId, userId: 'g_nobody', minutes: 5 }],
    ['chat:appoint-moderator', { sessionId, userId: 'g_nobody' }],
  ];
  for (const [event, payload] of notFound) {
    const response = await hostClient.request(event as 'chat:send', payload as never);
    assert.is(errorCode(response), 'NOT_FOUND', `${event} ${JSON.stringify(payload)}`);
  }
  assert.is((await api(server.url, 'GET', `/api/streams/${sessionId}/messages?limit=0`)).status, 400);
  assert.is((await api(server.url, 'GET', `/api/streams/${sessionId}/messages?before=zzz`)).status, 400);
});

test('HTTP history pages without duplicates or gaps; ending the session closes the chat', async () => {
  const { host, hostClient, sessionId } = await showWithHost('Paging');
  const [a, b] = await guests('Pager A', 'Pager B');
  const [aClient, bClient] = await Promise.all([reader(a, sessionId), reader(b, sessionId)]);
  const sent: string[] = [];
  for (let i = 0; i < 12; i++) {
    const client = [hostClient, aClient, bClient][i % 3]!;
    sent.push((await client.call('chat:send', { sessionId, text: `m${i}` })).id);
  }
  const seen: string[] = [];
  let before: string | null = null;
  do {
    const query: string = `?limit=5${before ? `&before=${before}` : ''}`;
    const page = await api<ChatPage>(server.url, 'GET', `/api/streams/${sessionId}/messages${query}`);
    assert.ok(page.body.ok);
    seen.unshift(...page.body.data.messages.map((message) => message.id));
    before = page.body.data.nextBefore;
  } while (before);
  // Sends in one millisecond are ordered by id in history, so compare as sets (and count).
  assert.is(seen.length, sent.length, 'no duplicates');
  assert.equal([...seen].sort(), [...sent].sort(), 'no gaps');

  const closed = aClient.next('chat:closed');
  await endSession(server.url, host.token, sessionId);
  assert.equal(await closed, { sessionId });
  assert.is(errorCode(await aClient.request('chat:send', { sessionId, text: 'anyone?' })), 'CONFLICT');
  const after = await api<ChatPage>(server.url, 'GET', `/api/streams/${sessionId}/messages?limit=100`);
  assert.is(after.body.ok && after.body.data.messages.length, 12);
  assert.is((await bClient.call('chat:join', { sessionId })).open, false);
});

test.run();
