// The output's lag behind real time, read from what players read.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { outputLagMs } from './outputLag.ts';

const playlist = (lines: string[]) => ['#EXTM3U', '#EXT-X-TARGETDURATION:1', ...lines].join('\n');

test('the newest segment’s end against now', () => {
  const text = playlist([
    '#EXTINF:1.000000,',
    '#EXT-X-PROGRAM-DATE-TIME:2026-11-21T15:00:00.000+0000',
    'seg_1_00001.m4s',
    '#EXTINF:1.000000,',
    '#EXT-X-PROGRAM-DATE-TIME:2026-11-21T15:00:01.000+0000',
    'seg_1_00002.m4s',
  ]);
  assert.is(outputLagMs(text, Date.parse('2026-11-21T15:00:02.300Z')), 300);
  assert.is(outputLagMs(text, Date.parse('2026-11-21T15:00:09.000Z')), 7000);
});

test('nothing to say without a dated segment', () => {
  assert.is(outputLagMs(playlist([]), Date.now()), undefined);
  assert.is(outputLagMs(playlist(['#EXTINF:1.000000,', 'seg_1_00001.m4s']), Date.now()), undefined);
});

test.run();
