// The one ranking both stores use: value descending, equal values by user id
// ascending (code-unit order, which is Redis's byte order for the ASCII ids
// we use), ranks 1, 2, 3… with no shared ranks.
import type { LeaderboardEntry } from '../../protocol/battles.ts';

export function compareStanding(a: [string, number], b: [string, number]): number {
  if (a[1] !== b[1]) return b[1] - a[1];
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
}

/** `totals`: user id → value. A user without a known name is shown by id. */
export function rankEntries(
  totals: Iterable<[string, number]>,
  names: ReadonlyMap<string, string>,
  limit: number,
): LeaderboardEntry[] {
  return [...totals]
    .filter(([, value]) => value > 0)
    .sort(compareStanding)
    .slice(0, limit)
    .map(([userId, value], index) => ({ rank: index + 1, userId, displayName: names.get(userId) ?? userId, value }));
}
