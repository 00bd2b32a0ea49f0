// Camera and voice effects over HTTP against a real node, on both databases
// (an embedded SQLite file and a real PostgreSQL): the catalogue for guests
// and accounts, a premium effect bought once however many times the request
// is sent at once (the ledger sums to the balance, one entry), too few coins
// refused in words with nothing charged, and the remembered choice, which
// cannot name an effect the account has not unlocked.
// run-tests: shares the machine
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { openDatabase, type Database } from '../../prisma/database.ts';
import { registerAccount, request } from '../../testkit/accountClient.ts';
import { makeAdmin, topUp } from '../../testkit/coins.ts';
import { serverOnDatabases, type ServerOnDatabase } from '../../testkit/serverOnDatabases.ts';
import { signInGuest } from '../../testkit/signalingClient.ts';
import { TINY_PNG } from '../../testkit/tinyPng.ts';
import {
  EFFECTS_OFF,
  effectDefinition,
  type EffectChoice,
  type EffectUnlockReceipt,
  type EffectView,
  type WalletSummary,
} from '../protocol/index.ts';

const CONCURRENT_UNLOCKS = 8;

/** A response read to its end (an unread body keeps its connection open, and the server's close waits for it). */
async function answered(
  url: string,
  init?: RequestInit,
): Promise<{ status: number; type: string | null; text: string; bytes: number }> {
  const response = await fetch(url, init);
  const body = Buffer.from(await response.arrayBuffer());
  return {
    status: response.status,
    type: response.headers.get('content-type'),
    text: body.toString(),
    bytes: body.length,
  };
}
const noir = effectDefinition('noir')!;
const vivid = effectDefinition('vivid')!;

for (const [provider, start] of Object.entries(serverOnDatabases())) {
  const test = suite(`effects on ${provider}`);
  let target: ServerOnDatabase;
  let database: Database;

  test.before(async () => {
    target = await start();
    database = openDatabase(target.databaseUrl);
  });
  test.after(async () => {
    await database.$disconnect();
    await target.close();
  });

  test('the catalogue: free effects for anyone, premium ones locked until bought; by category', async () => {
    const guest = await signInGuest(target.server.url, 'Passer-by');
    const all = await request<EffectView[]>(target.server.url, 'GET', '/api/stream-filters', { token: guest.token });
    assert.ok(all.body.ok);
    const byId = new Map(all.body.data.map((effect) => [effect.id, effect]));
    assert.is(byId.get('mono')?.unlocked, true);
    assert.is(byId.get('noir')?.unlocked, false);
    assert.is(byId.get('noir')?.priceCoins, noir.priceCoins);
    const voices = await request<EffectView[]>(target.server.url, 'GET', '/api/stream-filters?category=voice');
    assert.ok(voices.body.ok);
    assert.ok(voices.body.data.length > 0 && voices.body.data.every((effect) => effect.kind === 'voice'));
    const wrong = await request(target.server.url, 'GET', '/api/stream-filters?category=makeup');
    assert.is(wrong.status, 400);

    const unlockAsGuest = await request(target.server.url, 'POST', '/api/stream-filters/noir/unlock', {
      token: guest.token,
    });
    assert.is(unlockAsGuest.status, 403, 'guests have no wallet to pay with');
    const anonymous = await request(target.server.url, 'POST', '/api/stream-filters/noir/unlock');
    assert.is(anonymous.status, 401);
  });

  test(`a premium effect is paid once when ${CONCURRENT_UNLOCKS} unlocks arrive at once; too few coins charge nothing`, async () => {
    const { url } = target.server;
    const admin = await makeAdmin(url, target.databaseEnv);
    const host = await registerAccount(url, { displayName: 'Host' });
    await topUp(url, admin, host.user.userId, noir.priceCoins + 10);

    const answers = await Promise.all(
      Array.from({ length: CONCURRENT_UNLOCKS }, () =>
        request<EffectUnlockReceipt>(url, 'POST', '/api/stream-filters/noir/unlock', { token: host.token }),
      ),
    );
    const receipts = answers.map((answer) => {
      assert.ok(answer.body.ok, JSON.stringify(answer.body));
      return answer.body.data;
    });
    assert.is(receipts.filter((receipt) => receipt.charged).length, 1, 'charged once');
    const wallet = await request<WalletSummary>(url, 'GET', '/api/wallet', { token: host.token });
    assert.ok(wallet.body.ok);
    assert.is(wallet.body.data.balance, 10);
    const unlocks = wallet.body.data.transactions.filter((entry) => entry.kind === 'effect_unlocked');
    assert.equal(
      unlocks.map((entry) => [entry.amount, entry.reference]),
      [[-noir.priceCoins, 'effect:noir']],
    );
    const rows = await database.effectUnlock.findMany({ where: { userId: host.user.userId } });
    assert.equal(
      rows.map((row) => [row.effectId, row.transactionId]),
      [['noir', unlocks[0]!.id]],
    );
    const again = await request<EffectUnlockReceipt>(url, 'POST', '/api/stream-filters/noir/unlock', {
      token: host.token,
    });
    assert.equal(again.body.ok && again.body.data, { effectId: 'noir', charged: false, balance: 10 });

    const tooDear = await request(url, 'POST', '/api/stream-filters/vivid/unlock', { token: host.token });
    assert.is(tooDear.status, 409);
    assert.equal(tooDear.body.ok ? undefined : tooDear.body.error, {
      code: 'INSUFFICIENT_COINS',
      message: `${vivid.name} costs ${vivid.priceCoins} coins and your wallet holds 10`,
    });
    const free = await request<EffectUnlockReceipt>(url, 'POST', '/api/stream-filters/mono/unlock', {
      token: host.token,
    });
    assert.equal(free.body.ok && free.body.data, { effectId: 'mono', charged: false, balance: 10 });
    const unknown = await request(url, 'POST', '/api/stream-filters/no-such-effect/unlock', { token: host.token });
    assert.is(unknown.status, 404);

    const ledger = await database.wallet.findUniqueOrThrow({
      where: { userId: host.user.userId },
      include: { transactions: true },
    });
    assert.is(
      ledger.transactions.reduce((sum, entry) => sum + entry.amount, 0),
      ledger.balance,
      'the ledger sums to the balance',
    );
    const listed = await request<EffectView[]>(url, 'GET', '/api/stream-filters', { token: host.token });
    assert.ok(listed.body.ok);
    const unlocked = listed.body.data.filter((effect) => effect.priceCoins > 0 && effect.unlocked).map((e) => e.id);
    assert.equal(unlocked, ['noir']);
  });

  test('the choice is remembered; one naming a locked effect or out of range is refused and changes nothing', async () => {
    const { url } = target.server;
    const admin = await makeAdmin(url, target.databaseEnv);
    const host = await registerAccount(url, { displayName: 'Chooser' });
    const first = await request<EffectChoice>(url, 'GET', '/api/stream-filters/user/choice', { token: host.token });
    assert.equal(first.body.ok && first.body.data, EFFECTS_OFF);

    const mine: EffectChoice = { ...EFFECTS_OFF, look: 'mono', smoothing: 40, brightness: 10, voice: 'echo' };
    const saved = await request<EffectChoice>(url, 'PUT', '/api/stream-filters/user/choice', {
      token: host.token,
      body: mine,
    });
    assert.is(saved.status, 200, JSON.stringify(saved.body));

    const locked = await request(url, 'PUT', '/api/stream-filters/user/choice', {
      token: host.token,
      body: { ...mine, look: 'noir', voice: 'robot' },
    });
    assert.is(locked.status, 403);
    assert.equal(locked.body.ok ? undefined : locked.body.error, {
      code: 'EFFECT_LOCKED',
      message: 'unlock Noir (50 coins), Robot (40 coins) first',
    });
    for (const bad of [{ ...mine, smoothing: 101 }, { ...mine, look: 'sepia' }, { ...mine, extra: 1 }, {}]) {
      const refused = await request(url, 'PUT', '/api/stream-filters/user/choice', { token: host.token, body: bad });
      assert.is(refused.status, 400, JSON.stringify(bad));
    }
    const kept = await request<EffectChoice>(url, 'GET', '/api/stream-filters/user/choice', { token: host.token });
    assert.equal(kept.body.ok && kept.body.data, mine);

    await topUp(url, admin, host.user.userId, noir.priceCoins);
    await request(url, 'POST', '/api/stream-filters/noir/unlock', { token: host.token });
    const unlockedNow = await request<EffectChoice>(url, 'PUT', '/api/stream-filters/user/choice', {
      token: host.token,
      body: { ...mine, look: 'noir' },
    });
    assert.is(unlockedNow.status, 200, 'bought: it may be chosen');
  });

  test('a background picture: uploaded (a picture only), kept in the choice, the one it replaces deleted', async () => {
    const { url } = target.server;
    const host = await registerAccount(url, { displayName: 'Backdrop' });
    const upload = (body: Buffer, type = 'image/png') =>
      answered(`${url}/api/stream-filters/user/background`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${host.token}`, 'content-type': type },
        body: new Uint8Array(body),
      });
    const notAPicture = await upload(Buffer.from('not a picture at all'));
    assert.is(notAPicture.status, 400);
    const first = JSON.parse((await upload(TINY_PNG)).text) as { ok: true; data: EffectChoice };
    const firstUrl = first.data.backgroundImage!;
    assert.match(firstUrl, /^\/api\/effect-backgrounds\/.+\.png$/);
    assert.is(first.data.background, null, 'uploading does not turn it on');
    assert.is((await answered(`${url}${firstUrl}`)).status, 200);

    const shown = await request<EffectChoice>(url, 'PUT', '/api/stream-filters/user/choice', {
      token: host.token,
      body: { ...first.data, background: 'image' },
    });
    assert.is(shown.status, 200, JSON.stringify(shown.body));
    const elsewhere = await request(url, 'PUT', '/api/stream-filters/user/choice', {
      token: host.token,
      body: { ...first.data, background: 'image', backgroundImage: 'https://example.test/x.png' },
    });
    assert.is(elsewhere.status, 400, 'only a picture of ours');
    const none = await request(url, 'PUT', '/api/stream-filters/user/choice', {
      token: host.token,
      body: { ...EFFECTS_OFF, background: 'image' },
    });
    assert.is(none.status, 400, 'a picture background needs a picture');

    const second = JSON.parse((await upload(TINY_PNG)).text) as { ok: true; data: EffectChoice };
    assert.is.not(second.data.backgroundImage, firstUrl);
    assert.is(second.data.background, 'image', 'the rest of the choice is kept');
    assert.is((await answered(`${url}${firstUrl}`)).status, 404, 'the replaced picture is gone');
    const guest = await signInGuest(url, 'Guest');
    const asGuest = await answered(`${url}/api/stream-filters/user/background`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${guest.token}`, 'content-type': 'image/png' },
      body: new Uint8Array(TINY_PNG),
    });
    assert.is(asGuest.status, 403);
  });

  test('the segmentation model and its runtime come from this server, nothing else from that folder', async () => {
    const { url } = target.server;
    const model = await answered(`${url}/effects-model/selfie_segmentation_landscape.tflite`);
    assert.is(model.status, 200);
    assert.ok(model.bytes > 100_000);
    const runtime = await answered(`${url}/effects-model/selfie_segmentation_solution_simd_wasm_bin.wasm`);
    assert.is(runtime.type, 'application/wasm');
    assert.is((await answered(`${url}/effects-model/package.json`)).status, 404);
    assert.is((await answered(`${url}/effects-model/..%2Fpackage.json`)).status, 404);
  });

  test.run();
}
