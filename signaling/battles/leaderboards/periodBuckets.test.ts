import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bucketExpiry, periodBucket } from './periodBuckets.ts';

const at = (iso: string) => new Date(iso);

function weekly(iso: string) {
  const bucket = periodBucket('weekly', at(iso));
  return { key: bucket.key, since: bucket.since?.toISOString(), until: bucket.until?.toISOString() };
}

test('a day runs from UTC midnight to the next', () => {
  const bucket = periodBucket('daily', at('2026-12-03T23:59:59.999Z'));
  assert.is(bucket.key, '2026-12-03');
  assert.is(bucket.since?.toISOString(), '2026-12-03T00:00:00.000Z');
  assert.is(bucket.until?.toISOString(), '2026-12-04T00:00:00.000Z');
  assert.is(periodBucket('daily', at('2026-12-04T00:00:00.000Z')).key, '2026-12-04');
  // A local time zone ahead of UTC does not move the day.
  assert.is(periodBucket('daily', at('2026-12-04T01:30:00+03:00')).key, '2026-12-03');
});

test('a week starts on Monday 00:00 UTC and ends after Sunday', () => {
  // Thursday 3 December 2026 is in week 49, Monday 30 November to Sunday 6 December.
  const week49 = {
    key: '2026-W49',
    since: '2026-11-30T00:00:00.000Z',
    until: '2026-12-07T00:00:00.000Z',
  };
  assert.equal(weekly('2026-11-30T00:00:00.000Z'), week49, 'Monday midnight');
  assert.equal(weekly('2026-12-03T12:00:00.000Z'), week49, 'Thursday');
  assert.equal(weekly('2026-12-06T23:59:59.999Z'), week49, 'the last instant of Sunday');
  assert.is(weekly('2026-12-07T00:00:00.000Z').key, '2026-W50', 'the next Monday');
  assert.is(weekly('2026-11-29T23:59:59.999Z').key, '2026-W48', 'the Sunday before');
});

test('ISO weeks across a year change: the week belongs to the year of its Thursday', () => {
  // 1 January 2026 is a Thursday: week 1 of 2026 starts on Monday 29 December 2025.
  assert.equal(weekly('2025-12-29T00:00:00.000Z'), {
    key: '2026-W01',
    since: '2025-12-29T00:00:00.000Z',
    until: '2026-01-05T00:00:00.000Z',
  });
  assert.is(weekly('2025-12-31T23:00:00.000Z').key, '2026-W01', '31 December in next year’s week 1');
  assert.is(weekly('2025-12-28T23:59:59.999Z').key, '2025-W52', 'the Sunday before');
  // 2026 ends on a Thursday, so it has 53 weeks; 1–3 January 2027 are still 2026-W53.
  assert.is(weekly('2026-12-31T12:00:00.000Z').key, '2026-W53');
  assert.is(weekly('2027-01-03T23:59:59.999Z').key, '2026-W53', '3 January in last year’s week 53');
  assert.is(weekly('2027-01-04T00:00:00.000Z').key, '2027-W01');
  // 1 January 2021 was a Friday: in week 53 of 2020.
  assert.is(weekly('2021-01-01T00:00:00.000Z').key, '2020-W53');
});

test('a month runs from its first day to the next month’s, through month ends and leap days', () => {
  const february = periodBucket('monthly', at('2028-02-29T23:59:59.999Z'));
  assert.is(february.key, '2028-02');
  assert.is(february.since?.toISOString(), '2028-02-01T00:00:00.000Z');
  assert.is(february.until?.toISOString(), '2028-03-01T00:00:00.000Z');
  assert.is(periodBucket('monthly', at('2026-04-30T23:59:59.999Z')).key, '2026-04');
  assert.is(periodBucket('monthly', at('2026-05-01T00:00:00.000Z')).key, '2026-05');
  const december = periodBucket('monthly', at('2026-12-31T23:59:59.999Z'));
  assert.is(december.key, '2026-12');
  assert.is(december.until?.toISOString(), '2027-01-01T00:00:00.000Z', 'December ends in the next year');
  assert.is(periodBucket('monthly', at('2027-01-01T00:00:00.000Z')).key, '2027-01');
});

test('all-time is one bucket without bounds', () => {
  assert.equal(periodBucket('all-time', at('1999-01-01T00:00:00Z')), {
    period: 'all-time',
    key: 'all',
    since: null,
    until: null,
  });
  assert.is(periodBucket('all-time', at('2030-06-01T00:00:00Z')).key, 'all');
});

test('a dated bucket expires one period length after it ends; all-time never', () => {
  assert.is(bucketExpiry(periodBucket('daily', at('2026-12-03T10:00:00Z')))?.toISOString(), '2026-12-05T00:00:00.000Z');
  assert.is(
    bucketExpiry(periodBucket('weekly', at('2026-12-03T10:00:00Z')))?.toISOString(),
    '2026-12-14T00:00:00.000Z',
  );
  assert.is(bucketExpiry(periodBucket('all-time', at('2026-12-03T10:00:00Z'))), null);
});

test.run();
