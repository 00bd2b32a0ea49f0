import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { browserFiguresOf, type PageSample, type RemoteVideoSample } from './browserFigures.ts';

function video(consumerId: string, userId: string, counters: Partial<RemoteVideoSample>): RemoteVideoSample {
  return {
    consumerId,
    userId,
    framesDecoded: 0,
    framesDropped: 0,
    freezeCount: 0,
    totalFreezesDurationS: 0,
    frameHeight: 360,
    ...counters,
  };
}

function page(label: string, atMs: number, videos: RemoteVideoSample[], firstFrames = {}): PageSample {
  return { label, atMs, videos, firstFrameAfterJoinMs: firstFrames };
}

test('window deltas per remote camera: frames, fps, freezes and their duration', () => {
  const figures = browserFiguresOf({
    count: 1,
    joined: 1,
    joinErrors: [],
    capture: '320x180@15',
    remoteVideosPerPage: 2,
    before: [
      page('b1', 1000, [
        video('c1', 'alice', { framesDecoded: 100, freezeCount: 1, totalFreezesDurationS: 0.5 }),
        video('c2', 'bob', { framesDecoded: 50 }),
      ]),
    ],
    after: [
      page(
        'b1',
        11_000,
        [
          video('c1', 'alice', { framesDecoded: 400, freezeCount: 3, totalFreezesDurationS: 1.25, framesDropped: 2 }),
          video('c2', 'bob', { framesDecoded: 50 }),
        ],
        { alice: 300, bob: 900 },
      ),
    ],
    cpuPct: 42.04,
  });
  assert.is(figures.joined, 1);
  assert.is(figures.expectedRemoteVideos, 2);
  assert.is(figures.decodingRemoteVideos, 1, 'bob froze for the whole window');
  assert.is(figures.framesDecoded, 300);
  assert.equal(figures.fps, { p50: 0, p95: 30, max: 30 });
  assert.is(figures.freezes, 2);
  assert.is(figures.freezeMs, 750);
  assert.is(figures.framesDropped, 2);
  assert.equal(figures.firstFrameAfterJoinMs, { p50: 300, p95: 900, max: 900 });
  assert.is(figures.cpuPct, 42);
  assert.equal(
    figures.pages[0]?.remotes.map((remote) => [remote.userId, remote.framesDecoded, remote.framesDecodedTotal]),
    [
      ['alice', 300, 400],
      ['bob', 0, 50],
    ],
  );
});

test('a camera first seen at the window end counts from zero; a joined page that did not answer still counts as expected', () => {
  const figures = browserFiguresOf({
    count: 3,
    joined: 2,
    joinErrors: [{ message: 'b3: timeout', count: 1 }],
    capture: '320x180@15',
    remoteVideosPerPage: 1,
    before: [],
    after: [page('b1', 5000, [video('c9', 'carol', { framesDecoded: 30 })])],
    cpuPct: null,
  });
  assert.is(figures.count, 3);
  assert.is(figures.joined, 2);
  assert.is(figures.expectedRemoteVideos, 2, 'b2 joined but did not answer: its camera is missing, not excused');
  assert.is(figures.decodingRemoteVideos, 1);
  assert.is(figures.framesDecoded, 30);
  assert.is(figures.pages[0]?.remotes[0]?.fps, 0, 'no start sample: no rate');
  assert.is(figures.cpuPct, null);
});

test.run();
