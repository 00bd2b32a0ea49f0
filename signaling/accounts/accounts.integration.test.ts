// Accounts over HTTP against a real node: sign-up and sign-in, refresh token
// rotation and reuse detection, sign-out, tokens that must be refused (401)
// or lack a role (403), profile and password changes, bad input, guests, and
// the rate limit on credential routes (last: it spends the address's budget).
// run-tests: shares the machine
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { openDatabase, type Database } from '../../prisma/database.ts';
import { registerAccount, request, type SignedInAccount } from '../../testkit/accountClient.ts';
import { signInGuest } from '../../testkit/signalingClient.ts';
import { TINY_PNG } from '../../testkit/tinyPng.ts';
import { startTestServer, type TestServer } from '../../testkit/testServer.ts';
import { signIdentityToken, verifyIdentityToken } from '../auth/identityToken.ts';
import { tokenKeys, type TokenKeys } from '../auth/tokenKeys.ts';
import type { AccountUser, PublicProfile } from '../protocol/accounts.ts';

let server: TestServer;
let database: Database;
let serverKeys: TokenKeys;
/** Shared by the tests that only need some account. */
let alice: SignedInAccount;

interface SignInBody {
  token: string;
  expiresInS: number;
  user: AccountUser;
}

test.before(async () => {
  server = await startTestServer();
  database = openDatabase(`file:${path.join(server.dataDir, 'stagecast.db')}`);
  serverKeys = tokenKeys(fs.readFileSync(path.join(server.dataDir, 'token-secret'), 'utf8').trim());
  alice = await registerAccount(server.url, { email: 'alice@example.test', displayName: 'Alice' });
});
test.after(async () => {
  await database.$disconnect();
  await server.close();
});

function errorCode(result: { body: { ok: boolean; error?: { code: string } } }): string | undefined {
  return result.body.ok ? undefined : result.body.error?.code;
}

test('register: 201 with a 15-minute access token and the refresh token only in a strict httpOnly cookie', async () => {
  const result = await request<SignInBody>(server.url, 'POST', '/api/auth/register', {
    body: { email: '  Bob@Example.TEST ', password: 'bobs password', displayName: ' Bob ' },
  });
  assert.is(result.status, 201);
  assert.ok(result.body.ok);
  const { token, expiresInS, user } = result.body.data;
  assert.is(expiresInS, 900);
  assert.equal(
    { email: user.email, displayName: user.displayName, role: user.role },
    { email: 'bob@example.test', displayName: 'Bob', role: 'user' },
  );
  assert.equal(await verifyIdentityToken(token, serverKeys), { userId: user.userId, displayName: 'Bob', role: 'user' });
  assert.not.match(JSON.stringify(result.body), /refresh/i);
  const cookie = result.refreshSetCookie ?? '';
  for (const attribute of [/HttpOnly/i, /SameSite=Strict/i, /Path=\/api\/auth/i, /Expires=/i]) {
    assert.match(cookie, attribute);
  }
  assert.not.match(cookie, /Secure/i, 'not Secure outside production (plain HTTP here)');

  const me = await request<AccountUser>(server.url, 'GET', '/api/auth/user', { token });
  assert.is(me.status, 200);
  assert.equal(me.body.ok && me.body.data, user);

  const stored = await database.user.findUniqueOrThrow({ where: { id: user.userId }, include: { wallet: true } });
  assert.match(stored.passwordHash, /^scrypt\$/);
  assert.is(stored.wallet?.balance, 0, 'a wallet comes with the account');

  const again = await request(server.url, 'POST', '/api/auth/register', {
    body: { email: 'BOB@example.test', password: 'another password', displayName: 'Bob 2' },
  });
  assert.is(again.status, 409);
});

test('login: a wrong password and an unknown email get the same 401; the right one signs in', async () => {
  const wrong = await request(server.url, 'POST', '/api/auth/login', {
    body: { email: alice.email, password: 'not her password' },
  });
  const unknown = await request(server.url, 'POST', '/api/auth/login', {
    body: { email: 'nobody@example.test', password: 'not her password' },
  });
  assert.is(wrong.status, 401);
  assert.is(unknown.status, 401);
  assert.equal(wrong.body, unknown.body);
  assert.is(wrong.refreshToken, undefined);

  const right = await request<SignInBody>(server.url, 'POST', '/api/auth/login', {
    body: { email: 'ALICE@example.test', password: alice.password },
  });
  assert.is(right.status, 200);
  assert.is(right.body.ok && right.body.data.user.userId, alice.user.userId);
  assert.ok(right.refreshToken && right.refreshToken !== alice.refreshToken);
});

test('refresh rotates the token every time; reusing a rotated one revokes that whole sign-in', async () => {
  const first = alice.refreshToken;
  const second = await request<SignInBody>(server.url, 'POST', '/api/auth/refresh', { refreshToken: first });
  assert.is(second.status, 200);
  assert.ok(second.body.ok && (await verifyIdentityToken(second.body.data.token, serverKeys))?.role === 'user');
  assert.ok(second.refreshToken && second.refreshToken !== first);
  const third = await request(server.url, 'POST', '/api/auth/refresh', { refreshToken: second.refreshToken });
  assert.is(third.status, 200);
  assert.ok(third.refreshToken && third.refreshToken !== second.refreshToken);

  // Another sign-in of the same account (another device): a separate family.
  const otherDevice = await request(server.url, 'POST', '/api/auth/login', {
    body: { email: alice.email, password: alice.password },
  });

  // The first token again: stolen or replayed. Refused, and its family is revoked…
  const reuse = await request(server.url, 'POST', '/api/auth/refresh', { refreshToken: first });
  assert.is(reuse.status, 401);
  assert.is(reuse.refreshToken, '', 'the cookie is cleared');
  // …so the newest token of that family no longer works either,
  const latest = await request(server.url, 'POST', '/api/auth/refresh', { refreshToken: third.refreshToken });
  assert.is(latest.status, 401);
  // but the other device's sign-in does.
  const other = await request(server.url, 'POST', '/api/auth/refresh', { refreshToken: otherDevice.refreshToken });
  assert.is(other.status, 200);
  alice.refreshToken = other.refreshToken as string;

  const rows = await database.refreshToken.findMany({ where: { userId: alice.user.userId } });
  const chain = rows.filter((row) => row.revokedAt && row.replacedBy);
  assert.ok(chain.every((row) => rows.some((next) => next.id === row.replacedBy && next.familyId === row.familyId)));
  assert.ok(
    rows.every((row) => !row.tokenHash.includes(first)),
    'only hashes are stored',
  );

  for (const refreshToken of [undefined, 'not-a-token', 'a'.repeat(500)]) {
    const result = await request(server.url, 'POST', '/api/auth/refresh', { refreshToken });
    assert.is(result.status, 401);
  }
});

test('logout revokes the sign-in; logging out without a cookie is harmless', async () => {
  const signIn = await request(server.url, 'POST', '/api/auth/login', {
    body: { email: alice.email, password: alice.password },
  });
  const logout = await request(server.url, 'POST', '/api/auth/logout', { refreshToken: signIn.refreshToken });
  assert.is(logout.status, 200);
  assert.is(logout.refreshToken, '', 'the cookie is cleared');
  const after = await request(server.url, 'POST', '/api/auth/refresh', { refreshToken: signIn.refreshToken });
  assert.is(after.status, 401);
  assert.is((await request(server.url, 'POST', '/api/auth/logout')).status, 200);
  // Alice's other sign-in is untouched.
  const other = await request(server.url, 'POST', '/api/auth/refresh', { refreshToken: alice.refreshToken });
  assert.is(other.status, 200);
  alice.refreshToken = other.refreshToken as string;
});

test('expired, forged and tampered access tokens get 401', async () => {
  const identity = { userId: alice.user.userId, displayName: 'Alice', role: 'user' as const };
  const expired = await signIdentityToken(identity, serverKeys, 900, Date.now() - 901_000);
  const forged = await signIdentityToken({ ...identity, role: 'admin' }, tokenKeys('x'.repeat(43)), 900);
  const [header, , signature] = alice.token.split('.');
  const escalated = Buffer.from(
    JSON.stringify({ ...identity, sub: identity.userId, name: 'Alice', role: 'admin', exp: 9e9 }),
  );
  const tampered = `${header}.${escalated.toString('base64url')}.${signature}`;
  const unknownRole = await signIdentityToken({ ...identity, role: 'owner' as never }, serverKeys, 900);
  for (const token of [expired, forged, tampered, unknownRole, 'garbage', `${alice.token}x`]) {
    for (const [method, route] of [
      ['GET', '/api/auth/user'],
      ['GET', '/api/wallet'],
      ['POST', '/api/wallet/topup'],
    ] as const) {
      const result = await request(server.url, method, route, { token, body: method === 'POST' ? {} : undefined });
      assert.is(result.status, 401, `${method} ${route}`);
      assert.is(errorCode(result), 'UNAUTHENTICATED');
    }
  }
  assert.is((await request(server.url, 'GET', '/api/auth/user')).status, 401, 'no token at all');
});

test('a valid token without the needed role gets 403: users cannot top up, guests have no account', async () => {
  const topUp = await request(server.url, 'POST', '/api/wallet/topup', {
    token: alice.token,
    body: { userId: alice.user.userId, amount: 1000, idempotencyKey: 'free-money' },
  });
  assert.is(topUp.status, 403);
  assert.is(errorCode(topUp), 'NOT_ALLOWED');

  const guest = await signInGuest(server.url, 'Gus');
  assert.equal(await verifyIdentityToken(guest.token, serverKeys), { userId: guest.userId, displayName: 'Gus' });
  for (const route of ['/api/auth/user', '/api/wallet']) {
    const result = await request(server.url, 'GET', route, { token: guest.token });
    assert.is(result.status, 403, route);
  }
  // Guests keep doing what guests do.
  const session = await request(server.url, 'POST', '/api/multihost', {
    token: guest.token,
    body: { title: 'Gus live' },
  });
  assert.is(session.status, 201);
});

test('profile: update own, fresh token carries the new name; public profile hides the email', async () => {
  const update = await request<{ token: string; user: AccountUser }>(server.url, 'PUT', '/api/auth/profile', {
    token: alice.token,
    body: { displayName: 'Alice A.', bio: 'Sings.', avatarUrl: 'https://example.test/alice.png' },
  });
  assert.is(update.status, 200);
  assert.ok(update.body.ok);
  assert.is(update.body.data.user.displayName, 'Alice A.');
  assert.is((await verifyIdentityToken(update.body.data.token, serverKeys))?.displayName, 'Alice A.');
  alice.token = update.body.data.token;

  const profile = await request<PublicProfile>(server.url, 'GET', `/api/users/${alice.user.userId}/profile`);
  assert.is(profile.status, 200);
  assert.equal(profile.body.ok && profile.body.data, {
    userId: alice.user.userId,
    displayName: 'Alice A.',
    bio: 'Sings.',
    avatarUrl: 'https://example.test/alice.png',
    createdAt: alice.user.createdAt,
  });
  assert.is((await request(server.url, 'GET', '/api/users/nobody/profile')).status, 404);

  for (const body of [
    {},
    { role: 'admin' },
    { avatarUrl: 'javascript:alert(1)' },
    { displayName: '' },
    { bio: 'x'.repeat(501) },
  ]) {
    const result = await request(server.url, 'PUT', '/api/auth/profile', { token: alice.token, body });
    assert.is(result.status, 400, JSON.stringify(body));
  }
  const cleared = await request<{ user: AccountUser }>(server.url, 'PUT', '/api/auth/profile', {
    token: alice.token,
    body: { avatarUrl: null },
  });
  assert.is(cleared.body.ok && cleared.body.data.user.avatarUrl, null);
});

test('avatar: an uploaded picture becomes the avatar, replaces the last one; anything else changes nothing', async () => {
  const carol = await registerAccount(server.url, { email: 'carol@example.test', displayName: 'Carol' });
  const guest = await signInGuest(server.url, 'Guest');
  const upload = (bytes: Buffer, type: string, token = carol.token) =>
    fetch(`${server.url}/api/auth/avatar`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': type },
      body: new Uint8Array(bytes),
    });
  const folder = path.join(server.dataDir, 'avatars');
  const files = () =>
    fs.existsSync(folder) ? fs.readdirSync(folder).filter((name) => name.startsWith(carol.user.userId)) : [];
  const avatarOf = async () =>
    (await request<PublicProfile>(server.url, 'GET', `/api/users/${carol.user.userId}/profile`)).body;

  for (const [bytes, type, status] of [
    [Buffer.from('<svg onload="alert(1)"/>'), 'image/png', 400],
    [TINY_PNG, 'text/html', 400],
    [Buffer.concat([TINY_PNG, Buffer.alloc(1024 * 1024)]), 'image/png', 400],
  ] as const) {
    const refused = await upload(bytes, type);
    assert.is(refused.status, status, type);
    assert.is(((await refused.json()) as { ok: boolean }).ok, false);
  }
  assert.is((await upload(TINY_PNG, 'image/png', guest.token)).status, 403);
  assert.equal(files(), [], 'no file from refused uploads');
  const before = await avatarOf();
  assert.is(before.ok && before.data.avatarUrl, null);

  const first = await upload(TINY_PNG, 'image/png');
  assert.is(first.status, 200);
  const url = ((await first.json()) as { data: AccountUser }).data.avatarUrl ?? '';
  assert.match(url, /^\/api\/avatars\/.+\.png$/);
  const served = await fetch(`${server.url}${url}`);
  assert.is(served.headers.get('content-type'), 'image/png');
  assert.ok(Buffer.from(await served.arrayBuffer()).equals(TINY_PNG));
  const after = await avatarOf();
  assert.is(after.ok && after.data.avatarUrl, url);

  await upload(TINY_PNG, 'image/png');
  assert.is(files().length, 1, 'the replaced picture is deleted');
  assert.is((await fetch(`${server.url}${url}`)).status, 404);
  assert.is((await fetch(`${server.url}/api/avatars/..%2Ftoken-secret`)).status, 404);
  // Removing the picture removes its file.
  const removed = await request(server.url, 'PUT', '/api/auth/profile', {
    token: carol.token,
    body: { avatarUrl: null },
  });
  assert.is(removed.status, 200);
  assert.equal(files(), [], 'the removed picture is deleted');
});

test('change-password needs the current one and revokes every other sign-in', async () => {
  const carol = await registerAccount(server.url, { password: 'carols first password' });
  const wrong = await request(server.url, 'POST', '/api/auth/change-password', {
    token: carol.token,
    body: { currentPassword: 'not it at all', newPassword: 'carols second password' },
  });
  assert.is(wrong.status, 403);

  const changed = await request(server.url, 'POST', '/api/auth/change-password', {
    token: carol.token,
    body: { currentPassword: carol.password, newPassword: 'carols second password' },
  });
  assert.is(changed.status, 200);
  assert.ok(changed.refreshToken);
  assert.is((await request(server.url, 'POST', '/api/auth/refresh', { refreshToken: carol.refreshToken })).status, 401);
  assert.is(
    (await request(server.url, 'POST', '/api/auth/refresh', { refreshToken: changed.refreshToken })).status,
    200,
  );
  const oldPassword = await request(server.url, 'POST', '/api/auth/login', {
    body: { email: carol.email, password: carol.password },
  });
  assert.is(oldPassword.status, 401);
});

test('bad input gets 400 INVALID_INPUT and a message naming the field', async () => {
  const cases: [string, unknown, RegExp][] = [
    ['/api/auth/register', { email: 'not an email', password: 'long enough', displayName: 'X' }, /^email/],
    ['/api/auth/register', { email: 'x@example.test', password: 'short', displayName: 'X' }, /^password/],
    ['/api/auth/register', { email: 'x@example.test', password: 'p'.repeat(300), displayName: 'X' }, /^password/],
    ['/api/auth/login', { email: 'x@example.test' }, /^password/],
    ['/api/auth/login', '{"email": ', /malformed/],
  ];
  for (const [route, body, message] of cases) {
    const result = await request(server.url, 'POST', route, { body });
    assert.is(result.status, 400, `${route} ${JSON.stringify(body)}`);
    assert.is(errorCode(result), 'INVALID_INPUT');
    assert.match(result.body.ok ? '' : result.body.error.message, message);
  }
});

/**
 * A JSON POST from another loopback address (Linux routes all of 127/8 to
 * lo): the server reads the client's address from the socket (no trusted
 * proxy), so this is a different client to its limits.
 */
function postFrom(
  localAddress: string,
  route: string,
  body: unknown,
  token?: string,
): Promise<{ status: number; retryAfter: string | undefined; code: string | undefined }> {
  const url = new URL(route, server.url);
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: 'POST',
        localAddress,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          const parsed = JSON.parse(text) as { ok: boolean; error?: { code: string } };
          const retryAfter = res.headers['retry-after'];
          resolve({ status: res.statusCode ?? 0, retryAfter, code: parsed.error?.code });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

test('only wrong passwords count against an account, and signing in forgets them', async () => {
  const owner = await registerAccount(server.url, { email: 'forgetful@example.test' });
  for (let round = 0; round < 3; round++) {
    // Nine typos, then the right password: never refused, however often (each round from its
    // own address, so the per-address limit stays out of it).
    for (let i = 0; i < 9; i++) {
      const typo = await postFrom(`127.0.1.${round + 1}`, '/api/auth/login', {
        email: owner.email,
        password: `typo ${i}`,
      });
      assert.is(typo.status, 401);
    }
    const right = await postFrom('127.0.0.6', '/api/auth/login', { email: owner.email, password: owner.password });
    assert.is(right.status, 200, `round ${round}: the owner signs in`);
  }
});

test('sign-in is limited per account across addresses; login, register and change-password have their own buckets', async () => {
  await registerAccount(server.url, { email: 'victim@example.test' });
  const bystander = await registerAccount(server.url, { email: 'bystander@example.test' });
  // Guessing the victim's password from one address until the account's budget is spent.
  const statuses: number[] = [];
  for (let i = 0; i < 12 && !statuses.includes(429); i++) {
    statuses.push(
      (await postFrom('127.0.0.2', '/api/auth/login', { email: 'victim@example.test', password: `guess ${i}` })).status,
    );
  }
  assert.equal(statuses.slice(0, 10), new Array(10).fill(401), `statuses: ${statuses.join(' ')}`);
  assert.is(statuses.at(-1), 429, `statuses: ${statuses.join(' ')}`);
  // Another address may not go on guessing the same account (email normalised: case and spaces).
  const elsewhere = await postFrom('127.0.0.3', '/api/auth/login', {
    email: ' Victim@Example.TEST ',
    password: 'guess',
  });
  assert.is(elsewhere.status, 429, 'the account is limited, not only the address');
  assert.is(elsewhere.code, 'RATE_LIMITED');
  const retryAfterS = Number(elsewhere.retryAfter);
  assert.ok(retryAfterS >= 1 && retryAfterS <= 600, `Retry-After ${String(elsewhere.retryAfter)}`);
  // Another account from the guessing address is fine.
  const other = await postFrom('127.0.0.2', '/api/auth/login', {
    email: bystander.email,
    password: bystander.password,
  });
  assert.is(other.status, 200);

  // An address that spent its login budget (on many accounts) may still register and change a password.
  let loginRefused: Awaited<ReturnType<typeof postFrom>> | undefined;
  for (let i = 0; i < 25 && !loginRefused; i++) {
    const result = await postFrom('127.0.0.4', '/api/auth/login', {
      email: `spray${i}@example.test`,
      password: 'guess',
    });
    if (result.status === 429) loginRefused = result;
  }
  assert.ok(loginRefused, 'the address login limit applies');
  assert.ok(Number(loginRefused.retryAfter) >= 1, `Retry-After ${String(loginRefused.retryAfter)}`);
  const registered = await postFrom('127.0.0.4', '/api/auth/register', {
    email: 'newcomer@example.test',
    password: 'correct horse battery',
    displayName: 'Newcomer',
  });
  assert.is(registered.status, 201, 'register has its own bucket');
  const changed = await postFrom(
    '127.0.0.4',
    '/api/auth/change-password',
    { currentPassword: bystander.password, newPassword: 'another horse battery' },
    bystander.token,
  );
  assert.is(changed.status, 200, 'change-password has its own bucket');
});

test('credential routes are rate limited per address; other routes are not', async () => {
  const statuses: number[] = [];
  for (let i = 0; i < 30; i++) {
    const result = await request(server.url, 'POST', '/api/auth/login', {
      body: { email: 'nobody@example.test', password: `guess ${i}` },
    });
    statuses.push(result.status);
  }
  assert.ok(statuses.includes(429), `statuses: ${statuses.join(' ')}`);
  assert.ok(statuses.every((status) => status === 401 || status === 429));
  const refused = await fetch(`${server.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'nobody@example.test', password: 'one more' }),
  });
  assert.is(refused.status, 429);
  const retryAfterS = Number(refused.headers.get('retry-after'));
  assert.ok(retryAfterS >= 1 && retryAfterS <= 3, `Retry-After ${String(refused.headers.get('retry-after'))}`);
  assert.is((await request(server.url, 'GET', '/api/gifts')).status, 200);
  assert.is((await request(server.url, 'GET', '/api/auth/user', { token: alice.token })).status, 200);
});

test('behind a trusted proxy, each client has its own address budget (TRUST_PROXY)', async () => {
  const proxied = await startTestServer({ TRUST_PROXY: 'loopback' });
  try {
    const loginFrom = (client: string, i: number) =>
      fetch(`${proxied.url}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': client },
        body: JSON.stringify({ email: `someone${i}@example.test`, password: 'guess' }),
      });
    const statuses: number[] = [];
    for (let i = 0; i < 30 && !statuses.includes(429); i++) statuses.push((await loginFrom('203.0.113.7', i)).status);
    assert.is(statuses.at(-1), 429, 'one client spent its budget');
    assert.is((await loginFrom('198.51.100.9', 99)).status, 401, 'another client behind the same proxy is not limited');
  } finally {
    await proxied.close();
  }
});

test.run();
