import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  accountPath,
  adminCoinsPath,
  channelPath,
  hostRecordingsPath,
  ordersPath,
  parseRoute,
  searchPath,
  returnPath,
  signInPath,
  studioPath,
  vodPath,
  walletPath,
  watchPath,
} from './routes.ts';

test('every page path parses back to its page', () => {
  assert.equal(parseRoute('/'), { name: 'home' });
  assert.equal(parseRoute('/search'), { name: 'search' });
  assert.is(searchPath('night & day'), '/search?q=night+%26+day');
  assert.equal(parseRoute(studioPath('s 1')), { name: 'studio', sessionId: 's 1' });
  assert.equal(parseRoute(watchPath('abc')), { name: 'watch', sessionId: 'abc' });
  assert.equal(parseRoute(`${watchPath('abc')}/`), { name: 'watch', sessionId: 'abc' });
  assert.equal(parseRoute(vodPath('rec1')), { name: 'vod', recordingId: 'rec1' });
  assert.equal(parseRoute(hostRecordingsPath('g_x')), { name: 'host-recordings', userId: 'g_x' });
  assert.equal(parseRoute(channelPath('my-show')), { name: 'channel', slug: 'my-show' });
  assert.equal(parseRoute(new URL(ordersPath('seller'), 'http://x').pathname), { name: 'orders' });
  assert.equal(parseRoute(ordersPath()), { name: 'orders' });
  assert.equal(parseRoute(accountPath), { name: 'account' });
  assert.equal(parseRoute(walletPath), { name: 'wallet' });
  assert.equal(parseRoute(adminCoinsPath), { name: 'admin-coins' });
  assert.equal(parseRoute(new URL(signInPath('/watch/a b', 'register'), 'http://x').pathname), { name: 'sign-in' });
});

test('the sign-in page comes back only to a path of this app', () => {
  const next = (path: string) => new URL(path, 'http://x').searchParams.get('next');
  assert.is(returnPath(next(signInPath('/watch/abc?x=1'))), '/watch/abc?x=1');
  assert.is(signInPath('/'), '/signin');
  for (const outside of ['https://evil.test/', '//evil.test/', '/\\evil.test', 'javascript:alert(1)', null]) {
    assert.is(returnPath(outside), '/', String(outside));
  }
});

test('anything else is not found, malformed escapes included', () => {
  for (const path of ['/watch/', '/watch/a/b', '/vod', '/c/%E0%A4%A', '/hosts/x', '/studio']) {
    assert.equal(parseRoute(path), { name: 'not-found', path }, path);
  }
});

test.run();
