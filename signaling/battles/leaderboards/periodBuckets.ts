// Which board of a period a moment counts on. Periods are UTC calendar ones:
// a day, an ISO week (Monday to Sunday, numbered in its ISO week-year, so
// 31 December may be week 1 of the next year), a month, and all time. The key
// names the bucket in storage (Redis keys, the in-process map); `since` and
// `until` bound it for the database queries that rebuild it.
import type { LeaderboardPeriod } from '../../protocol/battles.ts';

export interface PeriodBucket {
  period: LeaderboardPeriod;
  /** `2026-12-03`, `2026-W49`, `2026-12`, or `all`. */
  key: string;
  /** The first instant of the bucket; null for all-time. */
  since: Date | null;
  /** The first instant after the bucket; null for all-time. */
  until: Date | null;
}

const DAY_MS = 86_400_000;

export function periodBucket(period: LeaderboardPeriod, at: Date): PeriodBucket {
  const year = at.getUTCFullYear();
  const month = at.getUTCMonth();
  const day = at.getUTCDate();
  switch (period) {
    case 'daily': {
      const since = new Date(Date.UTC(year, month, day));
      return { period, key: isoDate(since), since, until: new Date(since.getTime() + DAY_MS) };
    }
    case 'weekly': {
      // getUTCDay: Sunday 0 … Saturday 6; days since Monday: (day + 6) % 7.
      const since = new Date(Date.UTC(year, month, day - ((at.getUTCDay() + 6) % 7)));
      // The week belongs to the year of its Thursday (ISO 8601), and its
      // number counts weeks from the one holding that year's first Thursday.
      const thursday = new Date(since.getTime() + 3 * DAY_MS);
      const weekYear = thursday.getUTCFullYear();
      const week = Math.floor((thursday.getTime() - Date.UTC(weekYear, 0, 1)) / (7 * DAY_MS)) + 1;
      return {
        period,
        key: `${weekYear}-W${String(week).padStart(2, '0')}`,
        since,
        until: new Date(since.getTime() + 7 * DAY_MS),
      };
    }
    case 'monthly': {
      const since = new Date(Date.UTC(year, month, 1));
      return { period, key: isoDate(since).slice(0, 7), since, until: new Date(Date.UTC(year, month + 1, 1)) };
    }
    case 'all-time':
      return { period, key: 'all', since: null, until: null };
    default:
      return assertUnreachable(period);
  }
}

/**
 * When a dated bucket's stored board may go: one period length after it
 * ends, so the previous period's board stays readable for a while (and a
 * late increment near the boundary does not recreate a key that never
 * expires). Null for all-time.
 */
export function bucketExpiry(bucket: PeriodBucket): Date | null {
  if (!bucket.since || !bucket.until) return null;
  return new Date(bucket.until.getTime() * 2 - bucket.since.getTime());
}

function isoDate(date: Date): string {
  return date.toISOString().slice(0, 10);
}

function assertUnreachable(value: never): never {
  throw new Error(`unknown leaderboard period: ${String(value)}`);
}
