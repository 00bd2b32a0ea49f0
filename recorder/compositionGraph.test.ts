// The graph is checked by running the real FFmpeg on it with test-pattern
// inputs: a syntax or label mistake fails here, not in front of an audience.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildCompositionGraph, drawtextSafe, type CompositionInput } from './compositionGraph.ts';
import { resolveFfmpeg } from './ffmpegBinary.ts';
import { labelFont } from './labelFont.ts';

const run = promisify(execFile);

/** Renders `seconds` of the composition of `hosts` test-pattern inputs to an MP4 and returns ffprobe's view. */
async function render(
  inputs: CompositionInput[],
  hostCount: number,
  layout: 'grid' | 'pip' | 'spotlight' | 'sidebar',
  fontFile?: string,
) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stagecast-composition-'));
  try {
    const graph = buildCompositionGraph(inputs, {
      width: 640,
      height: 360,
      fps: 15,
      layout,
      focusHostId: 'h1',
      ...(fontFile ? { fontFile } : {}),
    });
    const sources = Array.from({ length: hostCount }, (_, i) => [
      ...['-f', 'lavfi', '-i', `testsrc=size=320x240:rate=15:duration=1,hue=h=${i * 40}`],
      ...['-f', 'lavfi', '-i', `sine=frequency=${300 + i * 100}:sample_rate=48000:duration=1`],
    ]).flat();
    const out = path.join(dir, 'out.mp4');
    await run(resolveFfmpeg(), [
      ...['-hide_banner', '-loglevel', 'error', ...sources],
      ...['-filter_complex', graph.filter, '-map', graph.videoLabel, '-map', graph.audioLabel, '-t', '1'],
      ...['-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'aac', '-y', out],
    ]);
    const { stdout } = await run('ffprobe', [
      ...['-v', 'error', '-show_entries', 'stream=codec_type,width,height', '-of', 'json', out],
    ]);
    return JSON.parse(stdout) as { streams: { codec_type: string; width?: number; height?: number }[] };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Inputs as FFmpeg numbers them above: host i's video is input 2i, its audio input 2i+1. */
function hosts(count: number, cameraOff: number[] = [], muted: number[] = []): CompositionInput[] {
  return Array.from({ length: count }, (_, i) => ({
    hostId: `h${i + 1}`,
    ...(cameraOff.includes(i) ? {} : { video: `${2 * i}:v` }),
    ...(muted.includes(i) ? {} : { audio: `${2 * i + 1}:a` }),
  }));
}

test('the graph places each host by the shared layout geometry', () => {
  const { filter } = buildCompositionGraph(hosts(4), { width: 1280, height: 720, fps: 30, layout: 'grid', gap: 0 });
  // 2×2 grid of 640×360 cells.
  for (const [x, y] of [
    [0, 0],
    [640, 0],
    [0, 360],
    [640, 360],
  ]) {
    assert.ok(filter.includes(`overlay=x=${x}:y=${y}:`), `tile at ${x},${y}`);
  }
  assert.match(filter, /amix=inputs=4:normalize=0/);
  // Each voice is made continuous before the mix (a silent host sends DTX: a packet per 400 ms).
  for (const input of [1, 3, 5, 7]) assert.match(filter, new RegExp(`\\[${input}:a\\]aresample=48000:async=1`));
});

test('camera off draws a placeholder, muted hosts are left out of the mix', () => {
  const { filter } = buildCompositionGraph(hosts(2, [1], [0]), { width: 1280, height: 720, fps: 30, layout: 'grid' });
  assert.is((filter.match(/overlay=/g) ?? []).length, 1);
  assert.is((filter.match(/drawbox=/g) ?? []).length, 1);
  assert.not.match(filter, /amix/);
  assert.match(filter, /\[3:a\]aresample=48000:async=1/);
});

test('real-time pacing only without cameras: live camera input paces itself, and pacing would stall FFmpeg reading it', () => {
  const options = { width: 640, height: 360, fps: 15, layout: 'grid' as const };
  assert.match(buildCompositionGraph(hosts(2, [0, 1]), options).filter, /realtime\[vout\]/);
  assert.not.match(buildCompositionGraph(hosts(2, [1]), options).filter, /realtime/);
  assert.not.match(buildCompositionGraph(hosts(2, [0, 1]), { ...options, realtime: false }).filter, /realtime/);
});

test('FFmpeg accepts the graph for 1, 4 and 9 hosts in every layout, with camera-off and muted hosts', async () => {
  for (const [count, layout] of [
    [1, 'grid'],
    [4, 'spotlight'],
    [4, 'sidebar'],
    [9, 'grid'],
    [3, 'pip'],
  ] as const) {
    const probe = await render(hosts(count, count > 1 ? [1] : [], count > 2 ? [2] : []), count, layout);
    const video = probe.streams.find((stream) => stream.codec_type === 'video');
    assert.equal([video?.width, video?.height], [640, 360], `${count} hosts, ${layout}`);
    assert.ok(
      probe.streams.some((stream) => stream.codec_type === 'audio'),
      'audio stream',
    );
  }
});

test("a camera-off tile carries its host's name, made safe for the filter graph", async () => {
  assert.is(drawtextSafe(`  Zoë O'Brien: [x];%{pts} \\ 'q'  `), 'Zoë OBrien xpts q');
  assert.is(drawtextSafe('a'.repeat(60)).length, 40);
  const named = hosts(2, [1]).map((host, i) => ({ ...host, label: i === 1 ? `Ada's, [cam]: off` : 'Linus' }));
  const fontFile = labelFont();
  const { filter } = buildCompositionGraph(named, {
    width: 1280,
    height: 720,
    fps: 30,
    layout: 'grid',
    ...(fontFile ? { fontFile } : {}),
  });
  if (!fontFile) {
    assert.not.match(filter, /drawtext/, 'no font: no names');
    return;
  }
  assert.is((filter.match(/drawtext=/g) ?? []).length, 1, 'only the camera-off tile is labelled');
  assert.match(filter, /text='Adas cam off'/);
  // FFmpeg accepts it: a hostile name cannot break the graph.
  const probe = await render(named, 2, 'grid', fontFile);
  assert.ok(probe.streams.some((stream) => stream.codec_type === 'video'));
});

test('no audio at all still yields an audio track (players expect one)', async () => {
  const probe = await render(hosts(2, [], [0, 1]), 2, 'grid');
  assert.ok(probe.streams.some((stream) => stream.codec_type === 'audio'));
});

test.run();
