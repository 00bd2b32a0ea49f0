import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { NodeEntry } from './NodeRegistry.ts';
import { chooseNode } from './placement.ts';

const node = (id: string, sessions: number, state: NodeEntry['state'] = 'serving'): NodeEntry => ({
  id,
  url: `http://${id}`,
  rtcAddress: '127.0.0.1',
  state,
  load: { sessions, hosts: 0, consumers: 0, workerCpu: 0 },
  seenAt: 0,
});

test('no serving node: nowhere; one: that one', () => {
  assert.is(
    chooseNode([], () => 0),
    undefined,
  );
  assert.is(
    chooseNode([node('a', 0, 'draining')], () => 0),
    undefined,
  );
  assert.is(chooseNode([node('a', 9), node('b', 0, 'draining')], () => 0)?.id, 'a');
});

test('of the two picked, the less loaded; a draining node is never picked', () => {
  const nodes = [node('a', 5), node('b', 1), node('c', 0, 'draining')];
  for (let i = 0; i < 50; i++) assert.is(chooseNode(nodes, () => 0)?.id, 'b');
});

test('a burst placed from stale loads still spreads (max/mean ≤ 1.25 over 3 nodes)', () => {
  const nodes = [node('a', 0), node('b', 0), node('c', 0)];
  const placed = new Map<string, number>();
  for (let i = 0; i < 300; i++) {
    const chosen = chooseNode(nodes, (id) => placed.get(id) ?? 0)!;
    placed.set(chosen.id, (placed.get(chosen.id) ?? 0) + 1);
  }
  const counts = [...placed.values()];
  assert.ok(Math.max(...counts) / (300 / 3) <= 1.25, `spread ${counts.join('/')}`);
});

test.run();
