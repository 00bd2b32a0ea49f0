import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { NackRetries } from './nackRetries.ts';

test('a gap is asked for after a short reordering wait, then every 100 ms until it arrives', () => {
  const retries = new NackRetries();
  retries.missing([10, 11], 0);
  assert.equal(retries.due(10), [], 'may still be reordering');
  assert.equal(retries.due(20), [10, 11]);
  assert.equal(retries.due(60), [], 'too soon to ask again');
  assert.equal(retries.due(120), [10, 11]);
  retries.received(10);
  assert.equal(retries.due(220), [11]);
  retries.received(11);
  assert.equal(retries.due(320), []);
  assert.is(retries.size, 0);
});

test('a packet reordered by jitter is never asked for', () => {
  const retries = new NackRetries();
  retries.missing([5], 0);
  retries.received(5);
  assert.equal(retries.due(20), []);
});

test('a request is given up after ten tries or a second', () => {
  const retries = new NackRetries();
  retries.missing([7], 0);
  let requests = 0;
  for (let at = 20; at <= 2000; at += 10) requests += retries.due(at).length;
  assert.is(requests, 10);
  assert.is(retries.size, 0);
});

test.run();
