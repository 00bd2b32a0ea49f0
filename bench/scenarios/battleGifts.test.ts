import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { firstPushShowing, GiftBook } from './battleGifts.ts';

const rose = { value: 1 };

test('accepted gifts are counted once; resends replayed apart; lost and doubled against the final scores', () => {
  const book = new GiftBook();
  const a = book.send({ ...rose, viewer: 0, side: 0, clientGiftId: 'a', sentAt: 0, resend: false });
  const b = book.send({ ...rose, viewer: 1, side: 1, clientGiftId: 'b', sentAt: 1, resend: false });
  const aAgain = book.send({ ...rose, viewer: 0, side: 0, clientGiftId: 'a', sentAt: 2, resend: true });
  const refused = book.send({ ...rose, viewer: 1, side: 1, clientGiftId: 'c', sentAt: 3, resend: false });
  book.answer(a, { ok: true, replayed: false });
  book.answer(b, { ok: true, replayed: false });
  book.answer(aAgain, { ok: true, replayed: true });
  book.answer(refused, { ok: false, code: 'INSUFFICIENT_COINS' });
  assert.is(book.accepted, 2);

  const exact = book.figures([1, 1]);
  assert.equal(
    [exact.giftsSent, exact.giftsAccepted, exact.resendsSent, exact.resendsReplayed, exact.lost, exact.doubled],
    [3, 2, 1, 1, 0, 0],
  );
  assert.equal(exact.errors, { INSUFFICIENT_COINS: 1 });
  assert.equal(exact.expectedScores, [1, 1]);
  // A score short of the acks is a lost gift; one above them a doubled one.
  assert.is(book.figures([0, 1]).lost, 1);
  assert.is(book.figures([2, 1]).doubled, 1);
});

test('a resend that wrote again is a double write; a timed-out gift may explain a higher score', () => {
  const book = new GiftBook();
  const first = book.send({ ...rose, viewer: 0, side: 0, clientGiftId: 'x', sentAt: 0, resend: false });
  const again = book.send({ ...rose, viewer: 0, side: 0, clientGiftId: 'x', sentAt: 5, resend: true });
  const late = book.send({ ...rose, viewer: 0, side: 0, clientGiftId: 'y', sentAt: 6, resend: false });
  book.answer(first, { ok: true, replayed: false });
  book.answer(again, { ok: true, replayed: false });
  book.answer(late, { ok: false, code: 'TIMEOUT' });
  const figures = book.figures([2, 0]);
  assert.is(figures.doubleWrites, 1);
  assert.is(figures.resendsWritten, 1);
  assert.is(figures.expectedScores[0], 1);
  // y may have been written before its answer was lost: not counted as doubled.
  assert.is(figures.doubled, 0);
  assert.is(book.figures([3, 0]).doubled, 1);
});

test('score visibility: the first push after sending whose score holds the cumulative sum', () => {
  const book = new GiftBook();
  const watch = book.watcher(0);
  const gifts = [0, 10, 20].map((sentAt, index) =>
    book.send({ ...rose, viewer: index, side: 0, clientGiftId: `g${index}`, sentAt, resend: false }),
  );
  const other = book.send({ ...rose, viewer: 3, side: 1, clientGiftId: 'o', sentAt: 15, resend: false });
  for (const index of [...gifts, other]) book.answer(index, { ok: true, replayed: false });
  watch([1, 0], 50); // holds g0
  watch([1, 1], 60); // the other side moved only
  watch([3, 1], 130); // g1 and g2
  const figures = book.figures([3, 1]);
  assert.is(figures.scoreVisibleSamples, 3);
  assert.is(figures.scoreNeverSeen, 0);
  // g0: 50 − 0; g1: 130 − 10; g2: 130 − 20.
  assert.equal([figures.scoreVisibleMs.p50, figures.scoreVisibleMs.max], [110, 120]);
});

test('a push received before the gift was sent does not count for it, and a missing push is counted', () => {
  const pushes = [
    { at: 5, scores: [4, 0] as [number, number] },
    { at: 40, scores: [5, 0] as [number, number] },
  ];
  assert.is(firstPushShowing(pushes, 0, 3, 10), 40);
  assert.is(firstPushShowing(pushes, 0, 6, 0), undefined);
  const book = new GiftBook();
  book.watcher(1)([0, 0], 1);
  book.answer(book.send({ ...rose, viewer: 0, side: 1, clientGiftId: 'z', sentAt: 0, resend: false }), {
    ok: true,
    replayed: false,
  });
  assert.is(book.figures([0, 1]).scoreNeverSeen, 1);
});

test.run();
