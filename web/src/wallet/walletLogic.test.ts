import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { LedgerEntry } from '../../../signaling/protocol/index.ts';
import { entryWords, isOrderEntry, signedAmount } from './walletLogic.ts';

const entry = (overrides: Partial<LedgerEntry>): LedgerEntry => ({
  id: 'e1',
  amount: -10,
  kind: 'gift_sent',
  balanceAfter: 90,
  reference: null,
  createdAt: '2026-12-04T10:00:00.000Z',
  ...overrides,
});

test('entries in words: the gift named from the catalogue (its id when unknown), orders and top-ups', () => {
  const gifts = [{ id: 'rose', name: 'Rose', coinValue: 1, icon: '' }];
  assert.is(entryWords(entry({ reference: 'gift:rose' }), gifts), 'Gift sent: Rose');
  assert.is(entryWords(entry({ kind: 'gift_received', reference: 'gift:comet' }), gifts), 'Gift received: comet');
  assert.is(entryWords(entry({ kind: 'order_paid', reference: 'order:o1' }), gifts), 'Order paid');
  assert.is(entryWords(entry({ kind: 'topup', amount: 250, reference: 'admin:u1' }), gifts), 'Coins added');
  assert.ok(isOrderEntry(entry({ reference: 'order:o1' })));
  assert.not.ok(isOrderEntry(entry({ reference: 'gift:rose' })));
});

test('amounts carry their sign', () => {
  assert.is(signedAmount(250), '+250');
  assert.is(signedAmount(-40), '\u221240');
  assert.is(signedAmount(0), '0');
});

test.run();
