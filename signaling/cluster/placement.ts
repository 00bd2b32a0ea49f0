// Where a new session goes: the less loaded of two serving nodes picked at
// random ("power of two choices"). Loads are a heartbeat old, so a storm of
// creations all reading the same figures would pile onto one "least loaded"
// node; two random choices spread them while still avoiding the busiest.
// `recentlyPlaced` counts what this node has placed since the loads were
// written, so its own burst is not blind to itself.
import type { NodeEntry } from './NodeRegistry.ts';

/** A node's load for placement: sessions first (each costs a router and a compositor when live), then hosts. */
export function placementScore(node: NodeEntry, recentlyPlaced: number): number {
  return node.load.sessions + recentlyPlaced + node.load.hosts / 100;
}

export function chooseNode(
  nodes: readonly NodeEntry[],
  recentlyPlaced: (nodeId: string) => number,
  random: () => number = Math.random,
): NodeEntry | undefined {
  const serving = nodes.filter((node) => node.state === 'serving');
  if (serving.length <= 1) return serving[0];
  const first = Math.floor(random() * serving.length);
  // A second, different node.
  const second = (first + 1 + Math.floor(random() * (serving.length - 1))) % serving.length;
  const [a, b] = [serving[first]!, serving[second]!];
  return placementScore(a, recentlyPlaced(a.id)) <= placementScore(b, recentlyPlaced(b.id)) ? a : b;
}
