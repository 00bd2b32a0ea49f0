// run-tests: alone (it checks timings against the clock)
// Gift streaks and the pushes' pace: a sender's run of one gift grows while
// it keeps coming, a pause starts a new streak, and pushes are at most every
// FLUSH_INTERVAL_MS, at once when the feed was quiet.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { GIFT_STREAK_WINDOW_MS, type GiftStreak, type GiftView } from '../protocol/index.ts';
import { FLUSH_INTERVAL_MS, GiftFeed } from './GiftFeed.ts';

const rose = { name: 'Rose', icon: '🌹' };
let giftCount = 0;

function gift(senderId: string, giftTypeId = 'rose', quantity = 1, value = quantity): GiftView {
  giftCount += 1;
  return {
    id: `gift-${giftCount}`,
    clientGiftId: `c-${giftCount}`,
    senderId,
    senderName: senderId.toUpperCase(),
    receiverId: 'host',
    sessionId: 'session',
    battleId: null,
    giftTypeId,
    quantity,
    value,
    createdAt: new Date().toISOString(),
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('a run of the same gift is one growing streak; another sender or gift is another streak', async () => {
  const pushes: GiftStreak[][] = [];
  const feed = new GiftFeed((streaks) => pushes.push(streaks));
  const start = Date.now();
  feed.add(gift('ann'), rose, start);
  feed.add(gift('ann', 'rose', 10), rose, start + 10);
  feed.add(gift('bob'), rose, start + 20);
  feed.add(gift('ann', 'star', 1, 10), { name: 'Star', icon: '⭐' }, start + 30);
  await sleep(FLUSH_INTERVAL_MS * 2);
  const streaks = pushes.flat();
  const annRoses = streaks.filter((streak) => streak.senderId === 'ann' && streak.giftTypeId === 'rose').at(-1);
  assert.is(annRoses?.count, 11);
  assert.is(annRoses?.value, 11);
  assert.ok(streaks.some((streak) => streak.senderId === 'bob' && streak.count === 1));
  assert.ok(streaks.some((streak) => streak.giftTypeId === 'star' && streak.value === 10));
  // A pause longer than the window starts a new streak with a new id.
  feed.add(gift('ann'), rose, start + 30 + GIFT_STREAK_WINDOW_MS + 1);
  await sleep(FLUSH_INTERVAL_MS * 2);
  const again = pushes.at(-1)!.find((streak) => streak.senderId === 'ann');
  assert.is(again?.count, 1);
  assert.is.not(again?.streakId, annRoses?.streakId);
  feed.close();
});

test('pushes: the first at once, then at most one per interval however many gifts', async () => {
  const pushedAt: number[] = [];
  const feed = new GiftFeed(() => pushedAt.push(Date.now()));
  const started = Date.now();
  for (let index = 0; index < 50; index++) {
    feed.add(gift(`sender-${index}`), rose);
    await sleep(5);
  }
  await sleep(FLUSH_INTERVAL_MS * 2);
  feed.close();
  assert.ok(pushedAt[0]! - started < FLUSH_INTERVAL_MS / 2, 'the first gift is pushed without waiting');
  for (let index = 1; index < pushedAt.length; index++) {
    assert.ok(pushedAt[index]! - pushedAt[index - 1]! >= FLUSH_INTERVAL_MS - 5, `push ${index} came too soon`);
  }
  assert.ok(pushedAt.length <= Math.ceil((Date.now() - started) / FLUSH_INTERVAL_MS) + 1);
});

test('a busy push carries the 8 most valuable streaks and counts the rest', async () => {
  const pushes: { streaks: GiftStreak[]; omitted: number }[] = [];
  const feed = new GiftFeed((streaks, omitted) => pushes.push({ streaks, omitted }));
  feed.add(gift('first'), rose); // pushed at once, alone
  await sleep(10);
  for (let index = 0; index < 30; index++) feed.add(gift(`sender-${index}`, 'rose', 1, index + 1), rose);
  await sleep(FLUSH_INTERVAL_MS * 2);
  feed.close();
  const busy = pushes[1]!;
  assert.is(busy.streaks.length, 8);
  assert.is(busy.omitted, 22);
  assert.equal(
    busy.streaks.map((streak) => streak.value),
    Array.from({ length: 8 }, (_, index) => 30 - index),
  );
});

test.run();
