import type { Request } from 'express';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readRefreshCookie } from './refreshCookie.ts';

test('the refresh cookie is read from among others, and only if it looks like ours', () => {
  const cookie = (header: string) => readRefreshCookie({ get: () => header } as unknown as Request);
  assert.is(cookie('a=1; stagecast_refresh=abc_DEF-123; b=2'), 'abc_DEF-123');
  assert.is(cookie('stagecast_refreshx=abc'), undefined);
  assert.is(cookie('stagecast_refresh=a;b'), 'a');
  assert.is(cookie('stagecast_refresh=<script>'), undefined);
  assert.is(cookie(''), undefined);
});

test.run();
