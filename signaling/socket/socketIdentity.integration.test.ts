// A socket's sign-in lasts as long as its token, against a real node: once
// the token expires, writing to the chat and host requests answer
// UNAUTHENTICATED while reading the chat goes on; `auth:refresh` with a
// fresh token of the same user restores it; forged tokens, other users'
// tokens and anonymous connections are refused. Tokens are minted with the
// server's own signing function and TOKEN_SECRET, some with a 2 s lifetime.
// run-tests: shares the machine
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { registerAccount, request as httpRequest } from '../../testkit/accountClient.ts';
import { createSession, errorCode } from '../../testkit/sessions.ts';
import {
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

const tokenSecret = 'socket-identity-test-secret-'.padEnd(43, 'x');
let server: TestServer;
const clients: TestClient[] = [];

test.before(async () => {
  server = await startTestServer({ TOKEN_SECRET: tokenSecret });
});
test.after(async () => {
  for (const client of clients) client.close();
  await server.close();
});

async function connect(token?: string): Promise<TestClient> {
  const client = await connectClient(server.url, token);
  clients.push(client);
  return client;
}

/** A token for the guest that expires `ttlS` seconds from now (whole seconds, as JWT `exp`), and when. */
async function mintToken(guest: Guest, ttlS: number, secret = tokenSecret) {
  const nowMs = Date.now();
  const identity = { userId: guest.userId, displayName: guest.displayName };
  const token = await signIdentityToken(identity, tokenKeys(secret), ttlS, nowMs);
  return { token, expiresAtMs: (Math.floor(nowMs / 1000) + ttlS) * 1000 };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A session whose primary host reads its chat. */
async function show(title: string) {
  const host = await signInGuest(server.url, `${title} host`);
  const session = await createSession(server.url, host.token, title);
  const hostClient = await connect(host.token);
  await hostClient.call('chat:join', { sessionId: session.id });
  return { host, hostClient, sessionId: session.id };
}

test('after its token expires a socket still reads the chat but cannot write until auth:refresh', async () => {
  const { hostClient, sessionId } = await show('Expiring');
  const viewer = await signInGuest(server.url, 'Short-lived');
  const shortLived = await mintToken(viewer, 2);
  const client = await connect(shortLived.token);
  const joined = await client.call('chat:join', { sessionId });
  assert.is(joined.you.userId, viewer.userId, 'signed in at first');
  const before = await client.call('chat:send', { sessionId, text: 'before expiry' });
  assert.is(before.userId, viewer.userId);

  await sleep(shortLived.expiresAtMs - Date.now() + 100);

  const refused = await client.request('chat:send', { sessionId, text: 'after expiry' });
  assert.is(errorCode(refused), 'UNAUTHENTICATED');
  assert.match(refused.ok ? '' : refused.error.message, /auth:refresh/);
  const iceServers = await client.request('webrtc:ice-servers', {});
  assert.is(errorCode(iceServers), 'UNAUTHENTICATED', 'host requests need a live sign-in too');
  // Anonymous actions go on: joining the chat (now as nobody) and hearing it.
  const rejoined = await client.call('chat:join', { sessionId });
  assert.is(rejoined.you.userId, null);
  assert.equal(
    rejoined.messages.map((message) => message.text),
    ['before expiry'],
  );
  const heard = nextChatMessage(client, (message) => message.text === 'still reading');
  await hostClient.call('chat:send', { sessionId, text: 'still reading' });
  await heard;

  const renewed = await client.call('auth:refresh', { token: (await mintToken(viewer, 60)).token });
  assert.is(renewed.userId, viewer.userId);
  const expiresInS = (Date.parse(renewed.expiresAt) - Date.now()) / 1000;
  assert.ok(expiresInS > 55 && expiresInS <= 61, `expiresAt ${renewed.expiresAt}`);
  const atHost = nextChatMessage(hostClient, (message) => message.text === 'after refresh');
  const after = await client.call('chat:send', { sessionId, text: 'after refresh' });
  assert.is(after.userId, viewer.userId);
  assert.equal(await atHost, after);
  assert.ok(Array.isArray(await client.call('webrtc:ice-servers', {})));
  const nothingSent = receivedChatMessages(hostClient).filter((message) => message.text === 'after expiry');
  assert.is(nothingSent.length, 0, 'the refused message reached nobody');
});

test('auth:refresh refuses forged, expired and other users’ tokens, and anonymous connections', async () => {
  const { sessionId } = await show('Refusals');
  const [owner, other] = await Promise.all([signInGuest(server.url, 'Owner'), signInGuest(server.url, 'Other')]);
  const client = await connect((await mintToken(owner, 60)).token);

  const forged = (await mintToken(owner, 60, 'some-other-secret-'.padEnd(43, 'y'))).token;
  assert.is(errorCode(await client.request('auth:refresh', { token: forged })), 'UNAUTHENTICATED');
  const [header, , signature] = forged.split('.');
  const claims = Buffer.from(JSON.stringify({ sub: owner.userId, name: 'Owner', iat: 0, exp: 4e9 })).toString(
    'base64url',
  );
  const tampered = `${header}.${claims}.${signature}`;
  assert.is(errorCode(await client.request('auth:refresh', { token: tampered })), 'UNAUTHENTICATED');
  const expired = await signIdentityToken(owner, tokenKeys(tokenSecret), 1, Date.now() - 10_000);
  assert.is(errorCode(await client.request('auth:refresh', { token: expired })), 'UNAUTHENTICATED');
  assert.is(errorCode(await client.request('auth:refresh', { token: other.token })), 'NOT_ALLOWED');
  assert.is(errorCode(await client.request('auth:refresh', { token: '' })), 'INVALID_INPUT');

  // None of them changed who the socket is.
  const sent = await client.call('chat:send', { sessionId, text: 'still me' });
  assert.equal({ userId: sent.userId, displayName: sent.displayName }, { userId: owner.userId, displayName: 'Owner' });

  const anonymous = await connect();
  assert.is(errorCode(await anonymous.request('auth:refresh', { token: owner.token })), 'NOT_ALLOWED');
  assert.is(errorCode(await anonymous.request('chat:send', { sessionId, text: 'hi' })), 'UNAUTHENTICATED');
});

test('an account renews its socket with the access token from POST /api/auth/refresh', async () => {
  const { sessionId } = await show('Accounts');
  const account = await registerAccount(server.url, { displayName: 'Renewing' });
  const client = await connect(account.token);
  await client.call('chat:join', { sessionId });
  const rotated = await httpRequest<{ token: string }>(server.url, 'POST', '/api/auth/refresh', {
    refreshToken: account.refreshToken,
  });
  assert.ok(rotated.body.ok, 'HTTP refresh');
  const renewed = await client.call('auth:refresh', { token: rotated.body.data.token });
  assert.is(renewed.userId, account.user.userId);
  const expiresInS = (Date.parse(renewed.expiresAt) - Date.now()) / 1000;
  assert.ok(expiresInS > 800 && expiresInS <= 901, `a 15-minute token, got ${expiresInS} s`);
  const sent = await client.call('chat:send', { sessionId, text: 'renewed' });
  assert.is(sent.userId, account.user.userId);
});

test.run();
