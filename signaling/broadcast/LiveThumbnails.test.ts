// Which segment a still is taken from: the newest, with its init section;
// nothing outside the rendition's folder.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { newestSegment } from './LiveThumbnails.ts';

test('the newest segment and the init section it follows (a new run brings a new one)', () => {
  const playlist = [
    '#EXTM3U',
    '#EXT-X-MAP:URI="init_1_360p.mp4"',
    '#EXTINF:1.0,',
    'seg_1_00001.m4s',
    '#EXT-X-DISCONTINUITY',
    '#EXT-X-MAP:URI="init_2_360p.mp4"',
    '#EXTINF:1.0,',
    'seg_2_00002.m4s',
    '#EXTINF:1.0,',
    'seg_2_00003.m4s',
    '',
  ].join('\n');
  assert.equal(newestSegment(playlist), { init: 'init_2_360p.mp4', segment: 'seg_2_00003.m4s' });
});

test('no segment yet, or names reaching outside the folder: nothing', () => {
  assert.is(newestSegment('#EXTM3U\n#EXT-X-MAP:URI="init_1_360p.mp4"\n'), undefined);
  assert.is(newestSegment('#EXTM3U\n#EXT-X-MAP:URI="../init.mp4"\n#EXTINF:1,\nseg_1_1.m4s\n'), undefined);
  assert.is(newestSegment('#EXTM3U\n#EXT-X-MAP:URI="init_1_360p.mp4"\n#EXTINF:1,\n/etc/passwd\n'), undefined);
});

test.run();
