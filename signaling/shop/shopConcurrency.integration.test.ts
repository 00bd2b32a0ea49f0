// A flash sale of 50 units, limit 1 per buyer, and 500 buyers ordering at
// the same moment (some requests resent concurrently, some buyers trying a
// second order under another key, some without the coins), on both
// databases: an embedded SQLite file and a real PostgreSQL. Exactly 50
// orders, the sale's units and the product's stock exact, nobody charged
// twice or charged without an order, every wallet the sum of its ledger.
//
// The buyers' accounts are written straight into the database and their
// tokens signed with the server's secret: 1,000 sign-ups would spend a
// minute hashing passwords, which is not what this test is about.
//
// It runs alone (scripts/run-tests.ts): its 600 requests at once open 600
// connections, and beside another test some waited past fetch's 10 s
// connect timeout ("fetch failed").
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { openDatabase, type Database } from '../../prisma/database.ts';
import { makeAdmin, topUp } from '../../testkit/coins.ts';
import { goLive } from '../../testkit/battles.ts';
import { registerAccount } from '../../testkit/accountClient.ts';
import { serverOnDatabases, type ServerOnDatabase } from '../../testkit/serverOnDatabases.ts';
import { api } from '../../testkit/signalingClient.ts';
import { waitFor } from '../../testkit/waitFor.ts';
import { signIdentityToken } from '../auth/identityToken.ts';
import { loadTokenSecret } from '../auth/tokenSecret.ts';
import type { OrderReceipt, ProductView, ShopState } from '../protocol/index.ts';

const BUYERS = 500;
const SALE_UNITS = 50;
const PRODUCT_STOCK = 80;
const DEAL_PRICE = 5;
const COINS_EACH = 20;
/** Every tenth buyer has less than the deal price. */
const POOR_COINS = 2;

// Shop clocks 5× faster: the 10 s countdown is 2 s; the sale's 600 s are 120 s, ample for the burst on a busy machine.
const targets = serverOnDatabases({ SHOP_TIME_SCALE: '5' });

for (const [provider, start] of Object.entries(targets)) {
  const test = suite(`live shopping concurrency on ${provider}`);
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

  test(`${BUYERS} buyers race for ${SALE_UNITS} units, limit 1 each: exactly ${SALE_UNITS} orders, nobody charged twice or for nothing`, async () => {
    const { url } = target.server;
    const admin = await makeAdmin(url, target.databaseEnv);
    const seller = await goLive(url, await registerAccount(url, { displayName: 'Sela' }));
    const sessionId = seller.session.id;
    const created = await api<ProductView>(url, 'POST', '/api/shop/products', seller.host.token, {
      title: 'Glow lamp',
      price: 10,
      stock: PRODUCT_STOCK,
    });
    assert.ok(created.body.ok, JSON.stringify(created.body));
    const product = created.body.data;
    // The buyers: accounts in the database, tokens from the server's secret, coins through the admin route.
    const runId = `${process.pid}${Date.now().toString(36)}`;
    const keys = loadTokenSecret({ current: undefined, previous: undefined }, target.server.dataDir);
    const buyers = Array.from({ length: BUYERS }, (_, index) => ({
      userId: `buyer${runId}x${index}`,
      displayName: `Buyer ${index}`,
      coins: index % 10 === 9 ? POOR_COINS : COINS_EACH,
      token: '',
    }));
    await database.user.createMany({
      data: buyers.map((buyer) => ({
        id: buyer.userId,
        email: `${buyer.userId}@example.test`,
        displayName: buyer.displayName,
        // Not a password hash: these accounts never sign in with a password.
        passwordHash: 'none',
      })),
    });
    for (const buyer of buyers) {
      buyer.token = await signIdentityToken(
        { userId: buyer.userId, displayName: buyer.displayName, role: 'user' },
        keys,
        3600,
      );
    }
    for (let index = 0; index < buyers.length; index += 50) {
      await Promise.all(buyers.slice(index, index + 50).map((buyer) => topUp(url, admin, buyer.userId, buyer.coins)));
    }
    // The sale opens once the buyers are ready (preparing 500 of them takes a while on a busy machine).
    const sale = await api<ShopState>(url, 'POST', `/api/live-shopping/${sessionId}/flash-sale`, seller.host.token, {
      productId: product.id,
      dealPrice: DEAL_PRICE,
      countdownS: 10,
      durationS: 600,
      stock: SALE_UNITS,
      perUserLimit: 1,
    });
    assert.ok(sale.body.ok, JSON.stringify(sale.body));
    const saleView = sale.body.data.sale!;
    assert.is(sale.body.data.card?.product?.id, product.id, 'the sale pins its product');

    await waitFor('the sale to start', () => (Date.now() >= Date.parse(saleView.startsAt) ? true : undefined), 5_000);

    // Everyone at once: every fifth request twice at the same moment, every 25th buyer a second order too.
    const sends = buyers.flatMap((buyer, index) => {
      const order = { productId: product.id, quantity: 1, clientOrderId: `o-${index}`, flashSaleId: saleView.id };
      const copies = [
        order,
        ...(index % 5 === 0 ? [order] : []),
        ...(index % 25 === 0 ? [{ ...order, clientOrderId: `o-${index}-b` }] : []),
      ];
      return copies.map((body) => ({ buyer, body }));
    });
    const answers = await Promise.all(
      sends.map(async (send) => ({
        ...send,
        result: await api<OrderReceipt>(
          url,
          'POST',
          `/api/live-shopping/${sessionId}/orders`,
          send.buyer.token,
          send.body,
        ),
      })),
    );

    const orderOf = new Map<string, OrderReceipt>();
    const paidBy = new Map<string, number>();
    for (const { buyer, body, result } of answers) {
      if (!result.body.ok) {
        assert.ok(
          ['SOLD_OUT', 'LIMIT_REACHED', 'INSUFFICIENT_COINS', 'CONFLICT'].includes(result.body.error.code),
          `${body.clientOrderId}: ${result.body.error.code} ${result.body.error.message}`,
        );
        if (
          buyer.coins === POOR_COINS &&
          result.body.error.code !== 'SOLD_OUT' &&
          result.body.error.code !== 'CONFLICT'
        ) {
          assert.is(result.body.error.code, 'INSUFFICIENT_COINS');
        }
        continue;
      }
      const key = `${buyer.userId}:${body.clientOrderId}`;
      const first = orderOf.get(key);
      if (first) {
        assert.is(result.body.data.order.id, first.order.id, 'a resend answers with the first order');
        continue;
      }
      orderOf.set(key, result.body.data);
      assert.is(result.body.data.order.total, DEAL_PRICE);
      assert.is(result.body.data.order.flashSaleId, saleView.id);
      paidBy.set(buyer.userId, (paidBy.get(buyer.userId) ?? 0) + result.body.data.order.total);
    }
    assert.is(orderOf.size, SALE_UNITS, 'exactly the sale units were sold');
    assert.ok(
      [...paidBy.values()].every((paid) => paid === DEAL_PRICE),
      'one order per buyer',
    );

    // A resend after the fact: the same order, nothing moves.
    const [firstKey] = orderOf.keys();
    const [winnerId, winnerKey] = firstKey!.split(':') as [string, string];
    const winner = buyers.find((buyer) => buyer.userId === winnerId)!;
    const again = await api<OrderReceipt>(url, 'POST', `/api/live-shopping/${sessionId}/orders`, winner.token, {
      productId: product.id,
      quantity: 1,
      clientOrderId: winnerKey,
      flashSaleId: saleView.id,
    });
    assert.ok(again.body.ok && again.body.data.replayed, JSON.stringify(again.body));
    assert.is(again.body.ok && again.body.data.order.id, orderOf.get(firstKey!)!.order.id);

    // The database agrees: orders, sale units, stock, and every wallet.
    assert.is(await database.shopOrder.count({ where: { flashSaleId: saleView.id } }), SALE_UNITS);
    const saleRow = await database.flashSale.findUniqueOrThrow({ where: { id: saleView.id } });
    assert.is(saleRow.sold, SALE_UNITS);
    assert.is(saleRow.endReason, 'sold-out');
    const productRow = await database.product.findUniqueOrThrow({ where: { id: product.id } });
    assert.is(productRow.stock, PRODUCT_STOCK - SALE_UNITS);
    const wallets = await database.wallet.findMany({
      where: { userId: { in: [...buyers.map((buyer) => buyer.userId), seller.host.user.userId] } },
      include: { transactions: { select: { amount: true } } },
    });
    assert.is(wallets.length, BUYERS + 1);
    for (const wallet of wallets) {
      assert.ok(wallet.balance >= 0);
      assert.is(
        wallet.balance,
        wallet.transactions.reduce((sum, entry) => sum + entry.amount, 0),
        `${wallet.userId}: balance = sum of the ledger`,
      );
      if (wallet.userId === seller.host.user.userId) {
        assert.is(wallet.balance, SALE_UNITS * DEAL_PRICE);
        continue;
      }
      const buyer = buyers.find((candidate) => candidate.userId === wallet.userId)!;
      assert.is(
        wallet.balance,
        buyer.coins - (paidBy.get(buyer.userId) ?? 0),
        `${buyer.userId} paid only for its order`,
      );
    }
  });

  test.run();
}
