import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { channelPath, hostRecordingsPath, ordersPath, parseRoute, studioPath, vodPath, watchPath } from './routes.ts';

test('every page path parses back to its page', () => {
  assert.equal(parseRoute('/'), { name: 'home' });
  assert.equal(parseRoute(studioPath('s 1')), { name: 'studio', sessionId: 's 1' });
  assert.equal(parseRoute(watchPath('abc')), { name: 'watch', sessionId: 'abc' });
  assert.equal(parseRoute(`${watchPath('abc')}/`), { name: 'watch', sessionId: 'abc' });
  assert.equal(parseRoute(vodPath('rec1')), { name: 'vod', recordingId: 'rec1' });
  assert.equal(parseRoute(hostRecordingsPath('g_x')), { name: 'host-recordings', userId: 'g_x' });
  assert.equal(parseRoute(channelPath('my-show')), { name: 'channel', slug: 'my-show' });
  assert.equal(parseRoute(new URL(ordersPath('seller'), 'http://x').pathname), { name: 'orders' });
  assert.equal(parseRoute(ordersPath()), { name: 'orders' });
});

test('anything else is not found, malformed escapes included', () => {
  for (const path of ['/watch/', '/watch/a/b', '/vod', '/c/%E0%A4%A', '/hosts/x', '/studio']) {
    assert.equal(parseRoute(path), { name: 'not-found', path }, path);
  }
});

test.run();
