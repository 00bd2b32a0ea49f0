// run-tests: alone (it checks timings against the clock)
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AudienceCounter } from './AudienceCounter.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('counts each watcher once, per session, with the peak', () => {
  const counter = new AudienceCounter(() => undefined);
  counter.watch('s1', 'a');
  counter.watch('s1', 'a');
  counter.watch('s1', 'b');
  counter.watch('s2', 'a');
  assert.is(counter.viewers('s1'), 2);
  assert.is(counter.viewers('s2'), 1);
  counter.unwatch('s1', 'b');
  counter.unwatch('s1', 'nobody');
  assert.is(counter.viewers('s1'), 1);
  assert.is(counter.peakViewers('s1'), 2, 'the peak stays');
  counter.leaveAll('a');
  assert.is(counter.viewers('s1'), 0);
  assert.is(counter.viewers('s2'), 0);
  counter.resetPeak('s1');
  assert.is(counter.peakViewers('s1'), 0);
  counter.close();
});

test('an ended session stops counting and reporting, and keeps its peak until forgotten', async () => {
  const reports: [string, number][] = [];
  const counter = new AudienceCounter((sessionId, viewers) => reports.push([sessionId, viewers]), 20);
  counter.watch('s1', 'a');
  counter.watch('s1', 'b');
  counter.watch('s2', 'a');
  counter.stopCounting('s1');
  assert.is(counter.viewers('s1'), 0);
  assert.is(counter.peakViewers('s1'), 2, 'the peak is kept to be saved');
  assert.is(counter.viewers('s2'), 1, 'other sessions go on');
  counter.leaveAll('b'); // watched only the ended session: nothing to report
  await sleep(60);
  assert.equal(reports, [['s2', 1]], 'no count is reported for the ended session');
  counter.forgetPeak('s1');
  assert.is(counter.peakViewers('s1'), 0);
  counter.close();
});

test('a burst of changes is reported once per session, with the final figures', async () => {
  const reports: [string, number, number][] = [];
  const counter = new AudienceCounter((sessionId, viewers, peak) => reports.push([sessionId, viewers, peak]), 30);
  for (let i = 0; i < 100; i++) counter.watch('s1', `w${i}`);
  for (let i = 0; i < 40; i++) counter.unwatch('s1', `w${i}`);
  counter.watch('s2', 'x');
  assert.equal(reports, [], 'nothing reported synchronously');
  await sleep(60);
  assert.equal(
    reports.sort(([a], [b]) => a.localeCompare(b)),
    [
      ['s1', 60, 100],
      ['s2', 1, 1],
    ],
  );
  await sleep(60);
  assert.is(reports.length, 2, 'no report without a change');
  counter.close();
});

test('close drops pending reports', async () => {
  const reports: string[] = [];
  const counter = new AudienceCounter((sessionId) => reports.push(sessionId), 20);
  counter.watch('s1', 'a');
  counter.close();
  await sleep(40);
  assert.equal(reports, []);
});

test.run();
