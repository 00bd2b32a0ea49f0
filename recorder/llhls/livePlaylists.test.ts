// Conformance of our live playlists with the HLS spec (RFC 8216bis) as it
// applies to them: the rules are asserted on the rendered text, for pure
// windows and for a rendition fed real FFmpeg fragments across a restart.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { partTargetS } from './LiveLadder.ts';
import { LiveRendition } from './LiveRendition.ts';
import { readFragment, readInit } from './cmafFragments.ts';
import {
  canSkipUntilS,
  lowLatencyMediaPlaylist,
  plainMediaPlaylist,
  type ListedSegment,
  type LiveWindow,
} from './livePlaylists.ts';
import { Mp4BoxStream } from './mp4BoxStream.ts';

const PART_S = 0.2;

function segment(msn: number, options: Partial<ListedSegment> = {}): ListedSegment {
  const parts = Array.from({ length: 5 }, (_, index) => ({
    uri: `part_1_${msn}_${index}.m4s`,
    durationS: PART_S,
    independent: index === 0,
  }));
  return {
    msn,
    uri: `seg_1_${String(msn).padStart(5, '0')}.m4s`,
    initUri: 'init_1_720p.mp4',
    durationS: 1,
    programDateTime: new Date(Date.UTC(2026, 11, 3, 12, 0, msn)).toISOString(),
    discontinuity: false,
    parts,
    ...options,
  };
}

function windowOf(segments: ListedSegment[], current?: ListedSegment): LiveWindow {
  return {
    segments,
    current,
    nextMsn: (current ?? segments.at(-1))!.msn + 1,
    discontinuitySequence: 0,
    targetDurationS: 1,
  };
}

const llOptions = { partTargetS: PART_S, preloadHintUri: 'part_1_9_2.m4s', renditionReports: [], skip: false };

/** The spec's rules every low-latency playlist of ours must keep. */
function assertLowLatencyRules(text: string): void {
  const lines = text.trimEnd().split('\n');
  assert.is(lines[0], '#EXTM3U');
  const value = (tag: string) => lines.find((line) => line.startsWith(`${tag}:`))?.slice(tag.length + 1);
  const attribute = (line: string | undefined, name: string) =>
    line === undefined ? undefined : new RegExp(`(?:^|[:,])${name}=("[^"]*"|[^,]*)`).exec(line)?.[1]?.replace(/"/g, '');
  const partTarget = Number(attribute(value('#EXT-X-PART-INF'), 'PART-TARGET'));
  const targetDuration = Number(value('#EXT-X-TARGETDURATION'));
  const control = value('#EXT-X-SERVER-CONTROL');
  assert.ok(partTarget > 0, 'EXT-X-PART-INF with PART-TARGET');
  assert.is(attribute(control, 'CAN-BLOCK-RELOAD'), 'YES');
  assert.ok(Number(attribute(control, 'PART-HOLD-BACK')) >= 3 * partTarget - 1e-9, 'PART-HOLD-BACK ≥ 3 × PART-TARGET');
  const skipUntil = attribute(control, 'CAN-SKIP-UNTIL');
  if (skipUntil !== undefined) assert.ok(Number(skipUntil) >= 6 * targetDuration, 'CAN-SKIP-UNTIL ≥ 6 × target');
  assert.ok(Number(value('#EXT-X-VERSION')) >= 9, 'version 9 (skips) ');
  // The preload hint is always there, once, after every part and segment.
  const hints = lines.filter((line) => line.startsWith('#EXT-X-PRELOAD-HINT:'));
  assert.is(hints.length, 1, 'one preload hint');
  assert.is(attribute(hints[0], 'TYPE'), 'PART');
  const lastMedia = lines.findLastIndex((line) => line.startsWith('#EXT-X-PART:') || (line && !line.startsWith('#')));
  assert.ok(lines.indexOf(hints[0]!) > lastMedia, 'the hint follows the media');
  // Parts: within the target, independent only at a segment start, a segment's parts before its EXTINF.
  let partsOfSegment: string[] = [];
  for (const line of lines) {
    if (line.startsWith('#EXT-X-PART:')) {
      assert.ok(Number(attribute(line, 'DURATION')) <= partTarget + 1e-9, `part within PART-TARGET: ${line}`);
      if (partsOfSegment.length > 0) assert.not.match(line, 'INDEPENDENT=YES', 'key frames only at segment starts');
      partsOfSegment.push(line);
    } else if (line.startsWith('#EXTINF:')) {
      const duration = Number(line.slice('#EXTINF:'.length).replace(',', ''));
      assert.ok(Math.round(duration) <= targetDuration, 'EXTINF rounds to at most the target duration');
      if (partsOfSegment.length > 0) {
        const sum = partsOfSegment.reduce((total, part) => total + Number(attribute(part, 'DURATION')), 0);
        assert.ok(Math.abs(sum - duration) < 1e-3, 'a segment lasts as long as its parts');
      }
      partsOfSegment = [];
    }
  }
  // A map before the first segment or part.
  const firstMap = lines.findIndex((line) => line.startsWith('#EXT-X-MAP:'));
  const firstMedia = lines.findIndex((line) => line.startsWith('#EXT-X-PART:') || line.startsWith('#EXTINF:'));
  assert.ok(firstMap >= 0 && firstMap < firstMedia, 'EXT-X-MAP comes first');
}

test('plain playlists: whole segments, media sequence, map, dates, no LL tags', () => {
  const text = plainMediaPlaylist(windowOf([segment(4), segment(5), segment(6)], segment(7)));
  assert.match(text, /^#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:1\n#EXT-X-MEDIA-SEQUENCE:4\n/);
  assert.is(text.match(/#EXTINF:/g)?.length, 3, 'the open segment is not listed');
  assert.is(text.match(/#EXT-X-PROGRAM-DATE-TIME:/g)?.length, 3);
  assert.not.match(text, /#EXT-X-PART|PRELOAD-HINT|SERVER-CONTROL/);
  assert.match(text, /#EXT-X-MAP:URI="init_1_720p\.mp4"\n#EXT-X-PROGRAM-DATE-TIME/);
});

test('low-latency playlists: parts of the newest segments only, the open one, the hint, the reports', () => {
  const segments = [segment(3), segment(4), segment(5), segment(6), segment(7), segment(8)];
  const current = { ...segment(9), parts: segment(9).parts.slice(0, 2), durationS: 0.4 };
  const text = lowLatencyMediaPlaylist(windowOf(segments, current), {
    ...llOptions,
    renditionReports: [{ uri: '../360p/ll.m3u8', lastMsn: 9, lastPart: 1 }],
  });
  assertLowLatencyRules(text);
  // Three target durations of parts: the last three complete segments' (and the open one's).
  const listed = [...text.matchAll(/URI="part_1_(\d+)_\d+\.m4s"/g)].map((match) => Number(match[1]));
  assert.equal([...new Set(listed)], [6, 7, 8, 9]);
  assert.match(
    text,
    /seg_1_00008\.m4s\n#EXT-X-PROGRAM-DATE-TIME:[^\n]+\n#EXT-X-PART:DURATION=0\.20000,URI="part_1_9_0\.m4s",INDEPENDENT=YES\n#EXT-X-PART:DURATION=0\.20000,URI="part_1_9_1\.m4s"\n#EXT-X-PRELOAD-HINT/,
  );
  assert.match(text, /#EXT-X-RENDITION-REPORT:URI="\.\.\/360p\/ll\.m3u8",LAST-MSN=9,LAST-PART=1\n$/);
  // Right after a segment closes, before the next one's first part: the hint is still there.
  const between = lowLatencyMediaPlaylist(windowOf(segments), { ...llOptions, preloadHintUri: 'part_1_9_0.m4s' });
  assertLowLatencyRules(between);
  assert.match(between, /seg_1_00008\.m4s\n#EXT-X-PRELOAD-HINT:TYPE=PART,URI="part_1_9_0\.m4s"\n$/);
});

test('delta updates skip only what is older than CAN-SKIP-UNTIL, and only in a window long enough', () => {
  const short = windowOf([segment(0), segment(1), segment(2), segment(3), segment(4), segment(5)]);
  const shortText = lowLatencyMediaPlaylist(short, { ...llOptions, skip: true });
  assert.not.match(shortText, /CAN-SKIP-UNTIL|EXT-X-SKIP/, 'a 6 s window has nothing old enough to skip');
  const long = windowOf(Array.from({ length: 10 }, (_, index) => segment(20 + index)));
  const full = lowLatencyMediaPlaylist(long, llOptions);
  const delta = lowLatencyMediaPlaylist(long, { ...llOptions, skip: true });
  assertLowLatencyRules(full);
  assertLowLatencyRules(delta);
  assert.match(full, new RegExp(`CAN-SKIP-UNTIL=${canSkipUntilS(1).toFixed(3)}`));
  // 10 s listed, 6 s may not be skipped: the first 4 segments are.
  assert.match(delta, /#EXT-X-MEDIA-SEQUENCE:20\n[\s\S]*#EXT-X-SKIP:SKIPPED-SEGMENTS=4\n/);
  assert.not.match(delta, /seg_1_00023\.m4s/);
  assert.match(delta, /seg_1_00024\.m4s/);
});

test('a discontinuity stays tagged until it leaves the window, then counts in the discontinuity sequence', () => {
  const restarted = [segment(10), segment(11), segment(12, { discontinuity: true, initUri: 'init_2_720p.mp4' })];
  const text = plainMediaPlaylist(windowOf(restarted));
  assert.match(text, /seg_1_00011\.m4s\n#EXT-X-DISCONTINUITY\n#EXT-X-MAP:URI="init_2_720p\.mp4"\n/);
  const later = plainMediaPlaylist({ ...windowOf([segment(13)]), discontinuitySequence: 1 });
  assert.match(later, /#EXT-X-DISCONTINUITY-SEQUENCE:1\n/);
});

/** Real FFmpeg output, cut as the recorder cuts it: 2 s at 30 fps in 200 ms fragments. */
/** FFmpeg's fragmented MP4 of `seconds` of test picture and tone, as the compositor writes it. */
function ffmpegSections(seconds = 2, videoArgs: string[] = []): { init: Buffer; fragments: Buffer[] } {
  const bytes = execFileSync(
    'ffmpeg',
    [
      ...['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc=size=160x90:rate=30'],
      ...['-f', 'lavfi', '-i', 'sine=sample_rate=48000', '-t', String(seconds), ...videoArgs],
      ...['-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', '30', '-keyint_min', '30'],
      ...['-sc_threshold', '0', '-c:a', 'aac', '-f', 'mp4', '-movflags', '+empty_moov+default_base_moof+frag_keyframe'],
      ...['-frag_duration', '199000', 'pipe:1'],
    ],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  const sections = new Mp4BoxStream().push(bytes);
  const init = sections.find((section) => section.kind === 'init')!.bytes;
  return { init, fragments: sections.filter((section) => section.kind === 'fragment').map((section) => section.bytes) };
}

/** A 720p rendition of 1 s segments in `dir`. */
function renditionOptions(dir: string) {
  return {
    dir,
    name: '720p',
    segmentSeconds: 1,
    windowSegments: 6,
    partTargetS: partTargetS(30, PART_S),
    logger: pino({ level: 'silent' }),
  };
}

test('a rendition fed FFmpeg fragments across a restart: numbering continues, the seam is marked, a takeover continues it', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stagecast-ll-'));
  const options = renditionOptions(dir);
  try {
    const { init, fragments } = ffmpegSections();
    assert.is(fragments.length, 10, '200 ms parts');
    const rendition = new LiveRendition(options);
    const feed = (generation: number) => {
      rendition.startRun(generation, init, Date.UTC(2026, 11, 3));
      for (const fragment of fragments) rendition.addFragment(fragment);
    };
    feed(1);
    assert.equal(rendition.edge, { msn: 1, part: 4 }, 'two segments of five parts');
    assert.ok(rendition.hasReached(1, 4) && rendition.hasReached(0, undefined) && !rendition.hasReached(1, undefined));
    assertLowLatencyRules(rendition.lowLatencyPlaylist({ renditionReports: [], skip: false })!);
    rendition.endRun(1);
    feed(2);
    const ll = rendition.lowLatencyPlaylist({ renditionReports: [], skip: false })!;
    assertLowLatencyRules(ll);
    assert.match(ll, /seg_1_00001\.m4s\n#EXT-X-DISCONTINUITY\n#EXT-X-MAP:URI="init_2_720p\.mp4"\n/);
    assert.match(ll, /URI="part_2_3_4\.m4s"/, 'part numbering goes on in the next run, with its generation');
    assert.is(rendition.part('part_2_3_4.m4s')?.length, fragments[9]!.length);
    assert.is(rendition.part('part_1_3_4.m4s'), undefined, 'not under another run’s name');
    rendition.endRun(2);
    const plain = fs.readFileSync(path.join(dir, 'index.m3u8'), 'utf8');
    assert.match(plain, /#EXT-X-MEDIA-SEQUENCE:0\n/);
    assert.is(plain.match(/#EXTINF:/g)?.length, 4);
    for (const uri of plain.split('\n').filter((line) => line.endsWith('.m4s'))) {
      assert.ok(fs.existsSync(path.join(dir, uri)), `${uri} on disk`);
    }
    // A new packager in the same folder (the recorder restarted) continues the numbering.
    const takeover = new LiveRendition(options);
    takeover.startRun(3, init, Date.UTC(2026, 11, 3));
    for (const fragment of fragments.slice(0, 5)) takeover.addFragment(fragment);
    takeover.startRun(3, init, Date.UTC(2026, 11, 3));
    const continued = fs.readFileSync(path.join(dir, 'index.m3u8'), 'utf8');
    assert.match(
      continued,
      /seg_2_00003\.m4s\n#EXT-X-DISCONTINUITY\n#EXT-X-MAP:URI="init_3_720p\.mp4"\n#EXT-X-PROGRAM-DATE-TIME:[^\n]+\n#EXTINF:[\d.]+,\nseg_3_00004\.m4s/,
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a rendition on another node continues where the first left off: numbering goes on after a discontinuity', () => {
  const dirs = [0, 1].map(() => fs.mkdtempSync(path.join(os.tmpdir(), 'stagecast-ll-')));
  const optionsIn = renditionOptions;
  try {
    const { init, fragments } = ffmpegSections();
    const first = new LiveRendition(optionsIn(dirs[0]!));
    for (const generation of [1, 2]) {
      first.startRun(generation, init, Date.UTC(2026, 11, 4));
      for (const fragment of fragments) first.addFragment(fragment);
      first.endRun(generation);
    }
    // Four segments, the third after a seam: a player counts discontinuity 1 for the newest.
    assert.equal(first.continuation, { nextMsn: 4, discontinuitySequence: 1, generation: 2 });

    // Another node's packager, in a folder of its own, told where the first was (and a margin past it).
    // Its runs are numbered after the first's (HlsRecorder): no file name of the first is used again.
    const next = new LiveRendition({
      ...optionsIn(dirs[1]!),
      continueAfter: { nextMsn: 6, discontinuitySequence: 1, generation: 2 },
    });
    next.startRun(3, init, Date.UTC(2026, 11, 4));
    for (const fragment of fragments) next.addFragment(fragment);
    assertLowLatencyRules(next.lowLatencyPlaylist({ renditionReports: [], skip: false })!);
    next.endRun(3);
    const plain = fs.readFileSync(path.join(dirs[1]!, 'index.m3u8'), 'utf8');
    assert.match(plain, /#EXT-X-MEDIA-SEQUENCE:6\n/);
    assert.match(plain, /#EXT-X-DISCONTINUITY-SEQUENCE:1\n/);
    assert.match(
      plain,
      /#EXT-X-DISCONTINUITY\n#EXT-X-MAP:URI="init_3_720p\.mp4"\n#EXT-X-PROGRAM-DATE-TIME:[^\n]+\n#EXTINF:[\d.]+,\nseg_3_00006\.m4s/,
    );
    assert.equal(next.continuation, { nextMsn: 8, discontinuitySequence: 2, generation: 3 });
    // Its own folder wins over what it was told: a restart there continues its own playlist.
    const restarted = new LiveRendition({
      ...optionsIn(dirs[1]!),
      continueAfter: { nextMsn: 100, discontinuitySequence: 9, generation: 9 },
    });
    assert.equal(restarted.continuation, { nextMsn: 8, discontinuitySequence: 2, generation: 3 });
  } finally {
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('fragments of audio alone (the picture paused, or its encoder fell behind) ride with the next part: no sound lost, no run broken', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stagecast-ll-'));
  try {
    // No video frames from 1.0 to 1.8 s while the tone goes on: FFmpeg cuts fragments of audio alone.
    const gap = ['-vf', String.raw`select='not(between(t\,1.0\,1.8))'`, '-fps_mode', 'passthrough'];
    const { init, fragments } = ffmpegSections(3, gap);
    const info = readInit(init);
    const audioOnly = fragments.filter((fragment) => readFragment(fragment, info) === undefined);
    assert.ok(audioOnly.length >= 2, `FFmpeg wrote ${audioOnly.length} fragments of audio alone`);
    const rendition = new LiveRendition({
      dir,
      name: '720p',
      segmentSeconds: 1,
      windowSegments: 6,
      partTargetS: partTargetS(30, PART_S),
      logger: pino({ level: 'silent' }),
    });
    rendition.startRun(1, init, Date.UTC(2026, 11, 3));
    for (const fragment of fragments) rendition.addFragment(fragment);
    // (The part before the gap lasts as long as the gap: the test's picture stops, the compositor's never does.)
    assert.equal(rendition.edge?.msn, 2, 'the run went on after the gap: three 1 s segments');
    rendition.endRun(1);
    const written = fs
      .readFileSync(path.join(dir, 'index.m3u8'), 'utf8')
      .split('\n')
      .filter((line) => line.endsWith('.m4s'))
      .map((uri) => fs.readFileSync(path.join(dir, uri)));
    assert.is(
      Buffer.concat(written).length,
      Buffer.concat(fragments).length,
      'the segments hold every fragment, the audio-only ones included',
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
