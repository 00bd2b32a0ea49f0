import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AppError } from '../errors.ts';
import { storedLedgerKey } from './ledgerKeys.ts';

test('stored keys are scoped by kind and wallet owner', () => {
  assert.is(storedLedgerKey('purchase', 'u1', 'abc-1'), 'purchase:u1:abc-1');
  const keys = new Set([
    storedLedgerKey('purchase', 'u1', 'k'),
    storedLedgerKey('purchase', 'u2', 'k'),
    storedLedgerKey('gift_sent', 'u1', 'k'),
    storedLedgerKey('gift_received', 'u1', 'k'),
  ]);
  assert.is(keys.size, 4);
});

test('keys that could break the scoping are refused', () => {
  for (const key of ['', 'a:b', 'with space', 'ü', 'x'.repeat(101)]) {
    assert.throws(
      () => storedLedgerKey('topup', 'u1', key),
      (error: unknown) => error instanceof AppError && error.code === 'INVALID_INPUT',
    );
  }
  assert.throws(() => storedLedgerKey('topup', 'u:1', 'k'));
});

test.run();
