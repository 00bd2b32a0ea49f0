// Coins over HTTP against a real node: the gift catalogue, your wallet, and
// the admin-only top-up (an admin made with setRole.ts), including replays
// and bad input.
// run-tests: shares the machine
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { registerAccount, request, type SignedInAccount } from '../../testkit/accountClient.ts';
import { startTestServer, type TestServer } from '../../testkit/testServer.ts';
import type { WalletHistoryPage } from '../protocol/index.ts';
import type { GiftTypeView, LedgerReceipt, WalletSummary } from './LedgerTypes.ts';

let server: TestServer;
let admin: SignedInAccount;
let viewer: SignedInAccount;

test.before(async () => {
  server = await startTestServer();
  admin = await registerAccount(server.url, { email: 'admin@example.test', displayName: 'Admin' });
  viewer = await registerAccount(server.url, { email: 'viewer@example.test', displayName: 'Viewer' });
  await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', 'signaling/accounts/setRole.ts', 'Admin@example.test', 'admin'],
    { cwd: path.resolve(import.meta.dirname, '../..'), env: { ...process.env, DATA_DIR: server.dataDir } },
  );
  // The role arrives with the next token.
  const refreshed = await request<{ token: string }>(server.url, 'POST', '/api/auth/refresh', {
    refreshToken: admin.refreshToken,
  });
  assert.ok(refreshed.body.ok);
  admin.token = refreshed.body.data.token;
});
test.after(async () => {
  await server.close();
});

test('GET /api/gifts lists the seeded catalogue to anyone', async () => {
  const result = await request<GiftTypeView[]>(server.url, 'GET', '/api/gifts');
  assert.is(result.status, 200);
  assert.ok(result.body.ok);
  assert.equal(
    result.body.data.map((gift) => gift.id),
    ['rose', 'heart', 'star', 'rocket', 'crown'],
  );
});

test('an admin tops up a wallet once per idempotency key; the owner sees balance and entries', async () => {
  const body = { userId: viewer.user.userId, amount: 250, idempotencyKey: 'topup-0001' };
  const first = await request<LedgerReceipt>(server.url, 'POST', '/api/wallet/topup', { token: admin.token, body });
  assert.is(first.status, 201);
  assert.ok(first.body.ok);
  assert.equal(
    { ...first.body.data.entry, id: '', createdAt: '' },
    { id: '', amount: 250, kind: 'topup', balanceAfter: 250, reference: `admin:${admin.user.userId}`, createdAt: '' },
  );
  const replay = await request<LedgerReceipt>(server.url, 'POST', '/api/wallet/topup', { token: admin.token, body });
  assert.is(replay.status, 200);
  assert.equal(replay.body.ok && replay.body.data, { ...first.body.data, replayed: true });

  const wallet = await request<WalletSummary>(server.url, 'GET', '/api/wallet', { token: viewer.token });
  assert.is(wallet.status, 200);
  assert.ok(wallet.body.ok);
  assert.is(wallet.body.data.balance, 250);
  assert.equal(
    wallet.body.data.transactions.map((entry) => entry.id),
    [first.body.data.entry.id],
  );
  const own = await request<WalletSummary>(server.url, 'GET', '/api/wallet', { token: admin.token });
  assert.is(own.body.ok && own.body.data.balance, 0, 'a wallet is its owner’s own');
});

test("the history pages through every entry, newest first; only the owner's entries, only valid pages", async () => {
  const reader = await registerAccount(server.url, { email: 'reader@example.test', displayName: 'Reader' });
  const amounts = [1, 2, 3, 4, 5, 6, 7];
  for (const [index, amount] of amounts.entries()) {
    const body = { userId: reader.user.userId, amount, idempotencyKey: `history-${index}` };
    assert.is((await request(server.url, 'POST', '/api/wallet/topup', { token: admin.token, body })).status, 201);
  }
  const pages: WalletHistoryPage[] = [];
  let before: string | null | undefined;
  while (before !== null && pages.length < 10) {
    const query = before ? `?limit=3&before=${before}` : '?limit=3';
    const page = await request<WalletHistoryPage>(server.url, 'GET', `/api/wallet/history${query}`, {
      token: reader.token,
    });
    assert.ok(page.body.ok);
    pages.push(page.body.data);
    before = page.body.data.next;
  }
  assert.equal(
    pages.map((page) => page.entries.map((entry) => entry.amount)),
    [[7, 6, 5], [4, 3, 2], [1]],
  );
  assert.equal(pages.at(-1)?.entries[0]?.balanceAfter, 1);

  // Another wallet's entry is no cursor here; nonsense limits are refused; guests have no wallet.
  const theirs = await request<WalletSummary>(server.url, 'GET', '/api/wallet', { token: viewer.token });
  const foreign = theirs.body.ok ? theirs.body.data.transactions[0]?.id : undefined;
  assert.ok(foreign);
  for (const query of [`?before=${foreign}`, '?limit=0', '?limit=101', '?limit=2.5', '?before=a%20b']) {
    const refused = await request(server.url, 'GET', `/api/wallet/history${query}`, { token: reader.token });
    assert.is(refused.status, 400, query);
  }
  assert.is((await request(server.url, 'GET', '/api/wallet/history')).status, 401);
});

test('top-up input is validated; unknown users are 404', async () => {
  const cases: [unknown, number][] = [
    [{ userId: viewer.user.userId, amount: 0, idempotencyKey: 'k1' }, 400],
    [{ userId: viewer.user.userId, amount: 1.5, idempotencyKey: 'k1' }, 400],
    [{ userId: viewer.user.userId, amount: 2_000_000_000, idempotencyKey: 'k1' }, 400],
    [{ userId: viewer.user.userId, amount: 5, idempotencyKey: 'has space' }, 400],
    [{ userId: viewer.user.userId, amount: 5 }, 400],
    [{ userId: 'nobody', amount: 5, idempotencyKey: 'k1' }, 404],
    [{ userId: viewer.user.userId, amount: 999, idempotencyKey: 'topup-0001' }, 409],
  ];
  for (const [body, status] of cases) {
    const result = await request(server.url, 'POST', '/api/wallet/topup', { token: admin.token, body });
    assert.is(result.status, status, JSON.stringify(body));
  }
  const wallet = await request<WalletSummary>(server.url, 'GET', '/api/wallet', { token: viewer.token });
  assert.is(wallet.body.ok && wallet.body.data.balance, 250, 'nothing was written');
});

test.run();
