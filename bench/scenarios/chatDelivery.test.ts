// The chat scenario's bookkeeping: ids and send times survive the text,
// receipts count once per viewer and message, only accepted messages count
// as expected, a push that beats its ack still counts, and the sender count
// respects the per-user rate. Plus the scenario's command-line bounds.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseCli, UsageError } from '../cli.ts';
import { chatBenchText, DeliveryLedger, parseChatBenchText } from './chatDelivery.ts';
import { sendersFor } from './chatScenario.ts';

test('a message text carries its id and send time', () => {
  assert.equal(parseChatBenchText(chatBenchText(42, 1234.5678)), { seq: 42, sentAtMs: 1234.568 });
  for (const other of ['hello', 'bench #x t=1', 'bench #1', 'bench #-1 t=2', 'bench #1 t=soon']) {
    assert.is(parseChatBenchText(other), undefined, other);
  }
});

test('receipts: once per viewer and message, timed from the send time in the text', () => {
  const ledger = new DeliveryLedger(3, 4);
  // Message 0 reaches viewer 0 before its ack arrives: it still counts once accepted.
  ledger.receive(0, chatBenchText(0, 100), 110);
  ledger.settle(0, 'ok', 4);
  ledger.receive(1, chatBenchText(0, 100), 120);
  ledger.receive(2, chatBenchText(0, 100), 130);
  ledger.receive(2, chatBenchText(0, 100), 131); // a duplicate
  ledger.settle(1, 'ok', 6);
  ledger.receive(0, chatBenchText(1, 200), 205); // viewers 1 and 2 never get message 1
  ledger.settle(2, 'RATE_LIMITED');
  ledger.settle(3, 'TIMEOUT');
  ledger.receive(1, 'someone else typing', 300);
  ledger.receive(1, chatBenchText(99, 300), 301); // not a planned message
  assert.is(ledger.acceptedReceipts, 4);
  assert.equal(ledger.figures(), {
    sent: 2,
    rejected: 2,
    rejectedByCode: { RATE_LIMITED: 1, TIMEOUT: 1 },
    delivered: 4,
    lost: 2,
    duplicates: 1,
    deliveryMs: { p50: 10, p95: 30, max: 30, p99: 30 },
    ackMs: { p50: 4, p95: 6, max: 6 },
  });
});

test('a receipt of a rejected message is neither delivered nor timed', () => {
  const ledger = new DeliveryLedger(1, 1);
  ledger.receive(0, chatBenchText(0, 0), 500);
  ledger.settle(0, 'INVALID_INPUT');
  const figures = ledger.figures();
  assert.equal([figures.sent, figures.delivered, figures.lost, figures.deliveryMs.max], [0, 0, 0, 0]);
});

test('senders: enough that each stays under the per-user rate, with headroom', () => {
  assert.is(sendersFor(100, 1), 125);
  assert.is(sendersFor(4, 1), 5);
  assert.is(sendersFor(0.5, 10), 1);
});

test('chat flags: defaults are the issue target, numbers are bounded', () => {
  const defaults = parseCli(['chat']);
  assert.equal(
    defaults.scenario === 'chat' && [defaults.viewers, defaults.rate, defaults.durationS, defaults.senders],
    [1000, 100, 20, undefined],
  );
  const given = parseCli(['chat', '--viewers', '5', '--rate', '2.5', '--duration', '3', '--senders', '2']);
  assert.equal(
    given.scenario === 'chat' && [given.viewers, given.rate, given.durationS, given.senders],
    [5, 2.5, 3, 2],
  );
  for (const flags of [
    ['--viewers', '5001'],
    ['--rate', '1001'],
    ['--duration', '301'],
    ['--senders', '0'],
    ['--viewers', '5000', '--rate', '1000', '--duration', '300'],
  ]) {
    assert.throws(
      () => parseCli(['chat', ...flags]),
      (error: Error) => error instanceof UsageError,
      flags.join(' '),
    );
  }
});

test.run();
