import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { FlashSaleView, ShopCard } from '../../../signaling/protocol/index.ts';
import { cardDelayMs, orderErrorWords, priceNow, salePhase, unitsLeft } from './shopLogic.ts';

const T0 = Date.parse('2026-12-04T12:00:00.000Z');

function sale(fields: Partial<FlashSaleView> = {}): FlashSaleView {
  return {
    id: 's',
    productId: 'p',
    sessionId: 'x',
    dealPrice: 5,
    startsAt: new Date(T0 + 10_000).toISOString(),
    endsAt: new Date(T0 + 70_000).toISOString(),
    stock: 3,
    sold: 1,
    perUserLimit: 1,
    endedAt: null,
    endReason: null,
    ...fields,
  };
}

function card(withSale: FlashSaleView | null): ShopCard {
  return {
    pinId: 'pin',
    sessionId: 'x',
    kind: 'product',
    product: {
      id: 'p',
      sellerId: 'u',
      title: 'Lamp',
      description: '',
      price: 12,
      stock: 10,
      active: true,
      imageUrl: null,
      createdAt: '',
      updatedAt: '',
    },
    sale: withSale,
    voucher: null,
    pinnedAt: new Date(T0).toISOString(),
  };
}

test('a sale counts down, runs, and is over at its end or when ended early', () => {
  assert.is(salePhase(sale(), T0), 'countdown');
  assert.is(salePhase(sale(), T0 + 10_000), 'on');
  assert.is(salePhase(sale(), T0 + 70_000), 'over');
  assert.is(salePhase(sale({ endedAt: new Date(T0 + 20_000).toISOString() }), T0 + 15_000), 'over');
});

test('the price and the units left follow the sale only while it runs', () => {
  assert.equal(priceNow(card(sale()), T0), { price: 12, listPrice: null });
  assert.equal(priceNow(card(sale()), T0 + 11_000), { price: 5, listPrice: 12 });
  assert.is(unitsLeft(card(sale()), T0), 10);
  assert.is(unitsLeft(card(sale()), T0 + 11_000), 2);
  assert.is(unitsLeft(card(null), T0), 10);
});

test('refusals in words; a timeout promises no double charge', () => {
  assert.match(orderErrorWords('SOLD_OUT', 'sold out'), /Sold out/);
  assert.match(orderErrorWords('LIMIT_REACHED', 'the flash sale allows 1 per buyer'), /^The flash sale allows 1/);
  assert.match(orderErrorWords('TIMEOUT', ''), /not be charged twice/);
  assert.match(orderErrorWords('INSUFFICIENT_COINS', 'not enough coins: this costs 5, 3 more than you have'), /3 more/);
});

test('a card waits for the viewer’s picture, within bounds', () => {
  assert.is(cardDelayMs(undefined), 0);
  assert.is(cardDelayMs(Number.NaN), 0);
  assert.is(cardDelayMs(-50), 0);
  assert.is(cardDelayMs(2_400), 2_400);
  assert.is(cardDelayMs(600_000), 30_000);
});

test.run();
