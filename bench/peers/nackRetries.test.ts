import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { NackRetries } from './nackRetries.ts';

test('a gap is asked for after a short reordering wait, then once a round trip until it arrives', () => {
  const retries = new NackRetries();
  retries.missing([10, 11], 0);
  assert.equal(retries.due(10, 100), [], 'may still be reordering');
  assert.equal(retries.due(20, 100), [10, 11]);
  assert.equal(retries.due(60, 100), [], 'too soon to ask again');
  assert.equal(retries.due(120, 100), [10, 11]);
  retries.received(10);
  assert.equal(retries.due(220, 100), [11]);
  retries.received(11);
  assert.equal(retries.due(320, 100), []);
  assert.is(retries.size, 0);
});

test('a packet reordered by jitter is never asked for', () => {
  const retries = new NackRetries();
  retries.missing([5], 0);
  retries.received(5);
  assert.equal(retries.due(20, 100), []);
});

test('a request is given up after ten tries or a second', () => {
  const retries = new NackRetries();
  retries.missing([7], 0);
  let requests = 0;
  for (let at = 20; at <= 2000; at += 10) requests += retries.due(at, 100).length;
  assert.is(requests, 10);
  assert.is(retries.size, 0);
});

test('a long round trip spaces the requests out; a short one never closer than 20 ms', () => {
  const slow = new NackRetries();
  slow.missing([3], 0);
  assert.equal(slow.due(20, 250), [3]);
  assert.equal(slow.due(200, 250), [], 'a congested link: the retransmission may still be queued');
  assert.equal(slow.due(270, 250), [3]);
  const fast = new NackRetries();
  fast.missing([4], 0);
  assert.equal(fast.due(20, 2), [4]);
  assert.equal(fast.due(30, 2), []);
  assert.equal(fast.due(40, 2), [4]);
});

test.run();
