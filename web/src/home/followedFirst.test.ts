import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { SessionState } from '../../../signaling/protocol/index.ts';
import { followedFirst } from './followedFirst.ts';

const session = (id: string, primaryHostId: string) => ({ id, primaryHostId }) as SessionState;

test("followed owners' shows come first; both groups keep the server's order", () => {
  const list = [session('a', 'x'), session('b', 'f1'), session('c', 'y'), session('d', 'f2'), session('e', 'f1')];
  const ids = followedFirst(list, new Set(['f1', 'f2'])).map((entry) => entry.id);
  assert.equal(ids, ['b', 'd', 'e', 'a', 'c']);
  assert.equal(
    followedFirst(list, new Set()).map((entry) => entry.id),
    ['a', 'b', 'c', 'd', 'e'],
  );
});

test.run();
