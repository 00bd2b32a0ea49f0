// Gift streak bubbles, errors in words, and the retry that never charges twice.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { AckEmitter, GiftReceipt, GiftStreak } from '../../../signaling/protocol/index.ts';
import {
  expireStreaks,
  giftErrorWords,
  mergeStreaks,
  missingCoins,
  SIGN_IN_TO_GIFT,
  streakWords,
} from './giftLogic.ts';
import { sendGift } from './sendGift.ts';

function streak(streakId: string, count: number, overrides: Partial<GiftStreak> = {}): GiftStreak {
  return {
    streakId,
    sessionId: 's1',
    battleId: null,
    senderId: 'u1',
    senderName: 'Ada',
    giftTypeId: 'rose',
    name: 'Rose',
    icon: '🌹',
    count,
    value: count,
    lastAt: '2026-01-01T00:00:00.000Z',
    ...overrides,
  };
}

test('a streak grows in place, never shrinks, and fades after its hold time', () => {
  let shown = mergeStreaks([], [streak('a', 1)], 1000, { holdMs: 4000 });
  shown = mergeStreaks(shown, [streak('a', 12), streak('b', 1, { senderName: 'Bob' })], 2000, { holdMs: 4000 });
  assert.equal(
    shown.map((entry) => [entry.streakId, entry.count]),
    [
      ['a', 12],
      ['b', 1],
    ],
  );
  assert.is(streakWords(shown[0]!), 'Ada sent Rose ×12');
  // A late, smaller push of the same streak changes nothing (nor its fade time).
  const late = mergeStreaks(shown, [streak('a', 5)], 3000, { holdMs: 4000 });
  assert.is(late.find((entry) => entry.streakId === 'a')?.count, 12);
  assert.is(late.find((entry) => entry.streakId === 'a')?.hideAtMs, 6000);
  assert.equal(
    expireStreaks(late, 6500).map((entry) => entry.streakId),
    [],
  );
  assert.is(expireStreaks(late, 5000), late, 'nothing expired: the same array');
});

test('only the newest bubbles stay', () => {
  const many = Array.from({ length: 8 }, (_, index) => streak(`s${index}`, 1));
  const shown = mergeStreaks([], many, 0, { max: 5 });
  assert.equal(
    shown.map((entry) => entry.streakId),
    ['s3', 's4', 's5', 's6', 's7'],
  );
});

test('gift errors say how many coins are missing, or to sign in, or that the battle is over', () => {
  assert.is(missingCoins(99, 40), 59);
  assert.is(missingCoins(10, 40), 0);
  assert.match(giftErrorWords('INSUFFICIENT_COINS', '', { cost: 99, balance: 40 }), /you need 59 more coins/);
  assert.match(giftErrorWords('INSUFFICIENT_COINS', '', { cost: 2, balance: 1 }), /you need 1 more coin\./);
  assert.match(giftErrorWords('INSUFFICIENT_COINS', '', { cost: 2, balance: 1 }), /wallet/);
  assert.is(giftErrorWords('UNAUTHENTICATED', '', { cost: 1, balance: undefined }), SIGN_IN_TO_GIFT);
  assert.match(giftErrorWords('BATTLE_NOT_ACTIVE', '', { cost: 1, balance: 1 }), /battle is over/);
});

/** A socket that drops the first `drops` requests and then answers with a receipt; records every payload. */
function flakySocket(drops: number): AckEmitter & { sent: { clientGiftId: string }[] } {
  const sent: { clientGiftId: string }[] = [];
  return {
    sent,
    timeout: () => ({
      emitWithAck: async (_event: string, payload: unknown) => {
        sent.push(payload as { clientGiftId: string });
        if (sent.length <= drops) throw new Error('operation has timed out');
        const receipt: Partial<GiftReceipt> = { balance: 7, replayed: sent.length > 1 };
        return { ok: true, data: receipt };
      },
    }),
  };
}

test('a gift that times out is sent again with the same clientGiftId, at most three times', async () => {
  const socket = flakySocket(2);
  const receipt = await sendGift(socket, { sessionId: 's1', giftTypeId: 'rose', quantity: 1 });
  assert.is(receipt.balance, 7);
  assert.is(socket.sent.length, 3);
  assert.is(new Set(socket.sent.map((payload) => payload.clientGiftId)).size, 1);

  const twoTaps = flakySocket(0);
  await sendGift(twoTaps, { sessionId: 's1', giftTypeId: 'rose', quantity: 1 });
  await sendGift(twoTaps, { sessionId: 's1', giftTypeId: 'rose', quantity: 1 });
  assert.is(new Set(twoTaps.sent.map((payload) => payload.clientGiftId)).size, 2, 'each tap is its own gift');

  const dead = flakySocket(10);
  try {
    await sendGift(dead, { sessionId: 's1', giftTypeId: 'rose', quantity: 1 });
    assert.unreachable('should give up');
  } catch (error) {
    assert.match(String(error), /TIMEOUT/);
  }
  assert.is(dead.sent.length, 3);
});

test.run();
