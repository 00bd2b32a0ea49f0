// `shop --viewers V --buyers B --orders N --rate R [--pins P] [--resend-pct Q]`:
// a live session's flash sale of one hot product, over the public surface
// only (HTTP and Socket.io), against a Stagecast started with
// SHOP_TIME_SCALE=10 (the 10 s countdown takes 1 s) or one at --url.
//
// 1. A seller account goes live (its compositor runs, as in production) and
//    lists two products: the hot one, stocked for the sale plus a margin,
//    and another to alternate pins with.
// 2. V anonymous viewer sockets `stream:watch` the session. B buyer accounts
//    sign up (from several loopback addresses, under the per-address limit),
//    are topped up through the admin route and connect.
// 3. `pinVisibleMs`: the seller's socket pins P times, 300 ms apart,
//    alternating the products; every viewer stamps the
//    `live-shopping:product-pinned` push carrying that pin (from just before
//    the request left to the push's arrival at each socket).
// 4. The flash sale: deal price 5 coins, 0.9 × N units, 99 per buyer. Once
//    it runs, order i leaves at start + i/R from buyer i mod B (quantity 1,
//    with the sale's id); Q % are followed at once by a resend of the same
//    clientOrderId. Pins keep coming every 500 ms meanwhile
//    (`pinVisibleUnderOrdersMs`).
// 5. The books, read back over the API: the session's analytics (orders,
//    units, revenue), the product's stock, every buyer's wallet.
//    `oversold`: units sold past the sale's stock (must be 0);
//    `doubleCharged`: buyers whose wallet moved by anything but the sum of
//    their acknowledged orders (must be 0); `lost`: acknowledged orders the
//    books do not have; `ordersPerSec`: accepted orders over the time from
//    the first order sent to the last accepted one answered.
import { randomBytes } from 'node:crypto';
import type { OrderReceipt, ProductView, ShopAnalytics, ShopState } from '../../signaling/protocol/index.ts';
import { registerAccount } from '../../testkit/accountClient.ts';
import { makeAdmin, topUp } from '../../testkit/coins.ts';
import { createSession, endSession } from '../../testkit/sessions.ts';
import { startPostgres } from '../../testkit/postgres.ts';
import { api } from '../../testkit/signalingClient.ts';
import type { ShopOptions } from '../cli.ts';
import { openSignalingChannel, RequestFailed, type SignalingChannel } from '../peers/signalingChannel.ts';
import { startStagecastTarget } from '../server/targets.ts';
import { round, summarize, summarizeTail } from '../stats.ts';
import { registerViewer } from './battleAccounts.ts';
import { elapsedS, type RunContext } from './context.ts';
import { countErrors, errorMessage, roundOrNull, settleWithLimit, sleep, startWindow } from './measure.ts';

const TIME_SCALE = 10;
const SIGN_UP_PARALLEL = 8;
const TOP_UP_PARALLEL = 16;
const CONNECT_PARALLEL = 50;
const DEAL_PRICE = 5;
const LIST_PRICE = 10;
/** The sale's share of the orders sent: the rest meet an empty sale (SOLD_OUT, or the sale over). */
const SALE_SHARE = 0.9;
const QUIET_PIN_GAP_MS = 300;
const LOADED_PIN_GAP_MS = 500;
/** After the last answer: the last coalesced stock push reaches the viewers. */
const PUSH_DRAIN_MS = 1_000;

export async function runShopScenario(options: ShopOptions, context: RunContext) {
  const { progress, timeoutMs } = context;
  const runId = randomBytes(4).toString('hex');
  const postgres = options.postgres ? await startPostgres() : undefined;
  const target = await startStagecastTarget({
    url: options.url,
    workers: options.workers,
    pin: options.pin,
    env: { SHOP_TIME_SCALE: String(TIME_SCALE), ...(postgres ? { DATABASE_URL: postgres.url } : {}) },
  }).catch(async (error: unknown) => {
    await postgres?.stop();
    throw error;
  });
  const sockets: SignalingChannel[] = [];
  let ending: (() => Promise<void>) | undefined;
  try {
    if (!target.databaseEnv) {
      throw new Error(
        "with --url, set DATA_DIR or DATABASE_URL to that server's database: the bench makes an admin (signaling/accounts/setRole.ts) to top up the buyers",
      );
    }
    const saleUnits = Math.max(1, Math.floor(options.orders * SALE_SHARE));
    const params = {
      ...options,
      database: options.postgres ? 'postgresql' : options.url ? 'the server’s' : 'sqlite',
      saleUnits,
      dealPrice: DEAL_PRICE,
      timeScale: options.url ? 'the server’s' : TIME_SCALE,
    };

    // --- the seller, live, with two products -------------------------------
    progress.note('[shop] the seller goes live (its compositor runs)');
    const admin = await makeAdmin(target.url, target.databaseEnv);
    const seller = await registerAccount(target.url, { displayName: 'Sela bench' });
    const session = await createSession(target.url, seller.token, 'Flash sale bench');
    ending = () => endSession(target.url, seller.token, session.id);
    const started = await api(target.url, 'POST', `/api/multihost/${session.id}/start`, seller.token);
    if (!started.body.ok) throw new Error(`going live failed: ${started.body.error.message}`);
    const product = async (title: string, stock: number) => {
      const created = await api<ProductView>(target.url, 'POST', '/api/shop/products', seller.token, {
        title,
        price: LIST_PRICE,
        stock,
      });
      if (!created.body.ok) throw new Error(`creating a product failed: ${created.body.error.message}`);
      return created.body.data;
    };
    const stockAtStart = saleUnits + 100;
    const hot = await product('Hot lamp', stockAtStart);
    const other = await product('Mug', 100);
    const sellerChannel = await openSignalingChannel(target.url, seller.token, { timeoutMs });
    sockets.push(sellerChannel);

    // --- viewers and buyers --------------------------------------------------
    const pinArrivals = new Map<string, number[]>();
    let lastStock: number | undefined;
    let connected = 0;
    const viewerResults = await settleWithLimit(
      Array.from({ length: options.viewers }, (_, index) => index),
      CONNECT_PARALLEL,
      async (index) => {
        const channel = await openSignalingChannel(target.url, '', { timeoutMs });
        sockets.push(channel);
        channel.on('live-shopping:product-pinned', (push) => {
          const pinId = push.card?.pinId;
          if (!pinId) return;
          const arrivals = pinArrivals.get(pinId);
          if (arrivals) arrivals.push(performance.now());
          else pinArrivals.set(pinId, [performance.now()]);
        });
        if (index === 0) {
          channel.on('live-shopping:stock', (push) => {
            const item = push.items.find((entry) => entry.productId === hot.id);
            if (item) lastStock = item.stock;
          });
        }
        await channel.request('stream:watch', { sessionId: session.id });
        connected++;
        progress.update({ label: 'viewers', done: connected, total: options.viewers, elapsedS: elapsedS(context) });
      },
    );
    const viewerErrors = viewerResults.flatMap((result) =>
      result.status === 'rejected' ? [errorMessage(result.reason)] : [],
    );
    if (viewerErrors.length > 0) {
      throw new Error(`${viewerErrors.length} viewers failed: ${JSON.stringify(countErrors(viewerErrors))}`);
    }
    progress.note(`[shop] ${options.buyers} buyers sign up`);
    const accounts = await settleWithLimit(
      Array.from({ length: options.buyers }, (_, index) => index),
      SIGN_UP_PARALLEL,
      (index) => registerViewer(target.url, index, runId),
    );
    const buyers = accounts.map((result) => {
      if (result.status === 'rejected') throw new Error(`a sign-up failed: ${errorMessage(result.reason)}`);
      return result.value;
    });
    const coinsEach = Math.ceil(options.orders / options.buyers) * (1 + options.resendPct / 100) * LIST_PRICE + 50;
    const topUps = await settleWithLimit(buyers, TOP_UP_PARALLEL, (buyer) =>
      topUp(target.url, admin, buyer.userId, Math.ceil(coinsEach)),
    );
    if (topUps.some((result) => result.status === 'rejected')) throw new Error('a top-up failed');
    const buyerChannels = await Promise.all(
      buyers.map(async (buyer) => {
        const channel = await openSignalingChannel(target.url, buyer.token, { timeoutMs });
        sockets.push(channel);
        return channel;
      }),
    );

    // --- pins, quiet ---------------------------------------------------------
    const pin = async (productId: string, samples: number[]) => {
      const sentAt = performance.now();
      const state: ShopState = await sellerChannel.request('live-shopping:pin', { sessionId: session.id, productId });
      const pinId = state.card!.pinId;
      // Arrivals are stamped as they come; the last viewers' may still be on their way.
      await sleep(QUIET_PIN_GAP_MS);
      for (const arrival of pinArrivals.get(pinId) ?? []) samples.push(arrival - sentAt);
      return (pinArrivals.get(pinId) ?? []).length;
    };
    progress.note(`[shop] ${options.pins} pins seen by ${options.viewers} viewers`);
    const quietPins: number[] = [];
    let pinsMissed = 0;
    for (let index = 0; index < options.pins; index++) {
      const seen = await pin(index % 2 === 0 ? other.id : hot.id, quietPins);
      pinsMissed += options.viewers - seen;
    }

    // --- the flash sale ------------------------------------------------------
    const saleState: ShopState = await sellerChannel.request('live-shopping:flash-sale', {
      sessionId: session.id,
      productId: hot.id,
      dealPrice: DEAL_PRICE,
      countdownS: 10,
      durationS: 600,
      stock: saleUnits,
      perUserLimit: 99,
    });
    const sale = saleState.sale!;
    while (Date.now() < Date.parse(sale.startsAt)) await sleep(20);
    const saleEndsAt = Date.parse(sale.endsAt);
    progress.note(`[shop] ${options.orders} orders at ${options.rate}/s from ${buyers.length} buyers`);

    const window = await startWindow(target, () => []);
    const ackMs: number[] = [];
    const errors: string[] = [];
    const accepted = new Map<string, { buyer: number; total: number }>();
    let replays = 0;
    let replayMismatches = 0;
    const acks: Promise<void>[] = [];
    const intervalMs = 1000 / options.rate;
    const startAt = performance.now();
    let lastAcceptedAt = startAt;
    const order = (seq: number) => {
      const buyer = seq % buyers.length;
      const clientOrderId = `o${runId}-${seq}`;
      const copies =
        Math.floor(((seq + 1) * options.resendPct) / 100) > Math.floor((seq * options.resendPct) / 100) ? 2 : 1;
      for (let copy = 0; copy < copies; copy++) {
        const sentAt = performance.now();
        acks.push(
          buyerChannels[buyer]!.request('live-shopping:buy', {
            sessionId: session.id,
            productId: hot.id,
            quantity: 1,
            clientOrderId,
            flashSaleId: sale.id,
          }).then(
            (receipt: OrderReceipt) => {
              const now = performance.now();
              ackMs.push(now - sentAt);
              const key = `${buyer}:${clientOrderId}`;
              const first = accepted.get(key);
              if (first) {
                replays++;
                if (receipt.order.total !== first.total) replayMismatches++;
                return;
              }
              lastAcceptedAt = now;
              accepted.set(key, { buyer, total: receipt.order.total });
            },
            (error: unknown) => {
              errors.push(error instanceof RequestFailed ? error.code : errorMessage(error));
            },
          ),
        );
      }
    };
    const loadedPins: number[] = [];
    let pinning = true;
    const pinsUnderLoad = (async () => {
      for (let index = 0; pinning; index++) {
        await pin(index % 2 === 0 ? other.id : hot.id, loadedPins);
        await sleep(LOADED_PIN_GAP_MS - QUIET_PIN_GAP_MS);
      }
    })();
    let next = 0;
    const showProgress = setInterval(
      () =>
        progress.update({
          label: 'orders',
          done: next,
          total: options.orders,
          elapsedS: elapsedS(context),
          details: { accepted: accepted.size },
        }),
      250,
    );
    try {
      while (next < options.orders && Date.now() < saleEndsAt) {
        const now = performance.now();
        while (next < options.orders && startAt + next * intervalMs <= now) order(next++);
        await sleep(Math.min(10, Math.max(1, startAt + next * intervalMs - performance.now())));
      }
      await Promise.all(acks);
    } finally {
      clearInterval(showProgress);
      pinning = false;
    }
    const load = await window.stop();
    await pinsUnderLoad;
    await sleep(PUSH_DRAIN_MS);

    // --- the books -------------------------------------------------------------
    const analytics = await api<ShopAnalytics>(
      target.url,
      'GET',
      `/api/live-shopping/${session.id}/analytics`,
      seller.token,
    );
    if (!analytics.body.ok) throw new Error(`reading the figures failed: ${analytics.body.error.message}`);
    const products = await api<ProductView[]>(target.url, 'GET', '/api/shop/products', seller.token);
    if (!products.body.ok) throw new Error(`reading the products failed: ${products.body.error.message}`);
    const hotNow = products.body.data.find((item) => item.id === hot.id)!;
    const spentBy = new Map<number, number>();
    for (const { buyer, total } of accepted.values()) spentBy.set(buyer, (spentBy.get(buyer) ?? 0) + total);
    let doubleCharged = 0;
    await settleWithLimit(buyers, TOP_UP_PARALLEL, async (buyer, index) => {
      const wallet = await api<{ balance: number }>(target.url, 'GET', '/api/wallet', buyer.token);
      if (!wallet.body.ok) throw new Error(`reading a wallet failed: ${wallet.body.error.message}`);
      if (Math.ceil(coinsEach) - wallet.body.data.balance !== (spentBy.get(index) ?? 0)) doubleCharged++;
    });
    const unitsSold = analytics.body.data.totals.units;
    const sendWindowS = Math.max(0.001, (lastAcceptedAt - startAt) / 1000);
    const figures = {
      ordersSent: next,
      ordersAccepted: accepted.size,
      ordersPerSec: round(accepted.size / sendWindowS, 1),
      oversold: Math.max(0, unitsSold - saleUnits),
      doubleCharged,
      lost: Math.max(0, accepted.size - analytics.body.data.totals.orders),
      unknownToBuyers: Math.max(0, analytics.body.data.totals.orders - accepted.size),
      stockAtEnd: hotNow.stock,
      stockExact: hotNow.stock === stockAtStart - unitsSold,
      lastStockPushExact: lastStock === hotNow.stock,
      resendsReplayed: replays,
      replayMismatches,
      rejected: countErrors(errors),
      pinVisibleMs: summarizeTail(quietPins, 1),
      pinVisibleUnderOrdersMs: summarizeTail(loadedPins, 1),
      pinSamples: quietPins.length,
      pinsMissed,
      orderAckMs: summarize(ackMs, 1),
      sendWindowS: round(sendWindowS, 2),
      nodeCpuPct: roundOrNull(load.nodeCpuPct),
      nodeEventLoopDelayP99Ms: load.serverEventLoopDelayP99Ms ?? null,
      generatorCpuPct: round(load.generatorCpuPct, 1),
      pinned: target.pinned,
    };
    progress.note(
      `[shop] ${figures.ordersAccepted} orders at ${figures.ordersPerSec}/s, oversold ${figures.oversold}, ` +
        `double-charged ${doubleCharged}, pin visible p99 ${figures.pinVisibleMs.p99} ms`,
    );
    return { params, figures };
  } finally {
    for (const socket of sockets) socket.close();
    await ending?.().catch(() => undefined);
    await target.close();
    await postgres?.stop();
  }
}
