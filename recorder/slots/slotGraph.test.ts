// The compositor graph and its runtime commands: the scene's options follow
// the shared layout geometry, only what changed is sent, and the real FFmpeg
// both builds the graph and accepts every command of a run of layout changes
// (a typo in a filter or option name would only show in front of an audience).
import { spawn } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { computeLayout, MAX_LAYOUT_PEERS } from '../../signaling/protocol/layoutGeometry.ts';
import { freePort } from '../../testkit/freePort.ts';
import { waitFor } from '../../testkit/waitFor.ts';
import { resolveFfmpeg } from '../ffmpegBinary.ts';
import { labelFont } from '../labelFont.ts';
import { ZmtpClient } from '../zmtpClient.ts';
import { assignSlots, sceneOf, type SceneHost } from './compositionScene.ts';
import { drawtextSafe } from './drawtextSafe.ts';
import { BACKGROUND, buildSlotGraph, PLACEHOLDER, slotCommands, slotSettings, type SlotScene } from './slotGraph.ts';

const canvas = { width: 1280, height: 720 };
const FONT = '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf';

function hosts(count: number, cameraOff: number[] = []): SceneHost[] {
  return Array.from({ length: count }, (_, i) => ({
    hostId: `h${i}`,
    camera: !cameraOff.includes(i),
    label: `Host ${i}`,
  }));
}

function scene(list: SceneHost[], layout: 'grid' | 'spotlight' | 'sidebar' | 'pip', gap = 8): SlotScene {
  const seats = assignSlots(
    new Map(),
    list.map((host) => host.hostId),
    MAX_LAYOUT_PEERS,
  );
  return sceneOf({ hosts: list, layout, focusHostId: 'h0' }, seats, canvas, MAX_LAYOUT_PEERS, gap);
}

test('each host is drawn where the shared layout geometry puts it', () => {
  const settings = slotSettings(scene(hosts(4), 'grid', 0), { slotCount: MAX_LAYOUT_PEERS });
  const tiles = computeLayout('grid', canvas, ['h0', 'h1', 'h2', 'h3'], { gap: 0 });
  tiles.forEach((tile, k) => {
    const { x, y, width, height } = tile.rect;
    assert.equal(settings[`scale@s${k}`], { w: String(width), h: String(height) });
    assert.equal(settings[`overlay@o0_${k}`], { x: `${x}+(${width}-w)/2`, y: `${y}+(${height}-h)/2`, enable: '1' });
    assert.is(settings[`overlay@o1_${k}`]!.enable, '0', 'grid tiles are all on the bottom layer');
    assert.is(settings[`drawbox@b0_${k}`]!.enable, '0', 'no box under a camera on the bottom layer');
  });
  for (let k = 4; k < MAX_LAYOUT_PEERS; k++) {
    assert.is(settings[`overlay@o0_${k}`]!.enable, '0', `empty slot ${k} shows nothing`);
    assert.is(settings[`drawbox@b0_${k}`]!.enable, '0');
  }
});

test('picture-in-picture overlays sit on the top layer with an opaque box behind them', () => {
  const settings = slotSettings(scene(hosts(3), 'pip'), { slotCount: MAX_LAYOUT_PEERS });
  assert.is(settings['overlay@o0_0']!.enable, '1', 'the focused host fills the bottom layer');
  for (const k of [1, 2]) {
    assert.is(settings[`overlay@o1_${k}`]!.enable, '1');
    assert.is(settings[`overlay@o0_${k}`]!.enable, '0');
    assert.equal(
      [settings[`drawbox@b1_${k}`]!.enable, settings[`drawbox@b1_${k}`]!.color],
      ['1', BACKGROUND],
      'a letterboxed overlay must hide the main picture under it',
    );
  }
});

test('a camera-off host is a placeholder with its name; without a font, no names', () => {
  const named = slotSettings(scene(hosts(2, [1]), 'grid'), { slotCount: MAX_LAYOUT_PEERS, fontFile: FONT });
  assert.is(named['overlay@o0_1']!.enable, '0');
  assert.equal([named['drawbox@b0_1']!.enable, named['drawbox@b0_1']!.color], ['1', PLACEHOLDER]);
  assert.equal([named['drawtext@t0_1']!.enable, named['drawtext@t0_1']!.text], ['1', 'Host 1']);
  assert.is(named['drawtext@t0_0']!.enable, '0', 'a host on camera carries no name');
  const unnamed = slotSettings(scene(hosts(2, [1]), 'grid'), { slotCount: MAX_LAYOUT_PEERS });
  assert.not.ok(Object.keys(unnamed).some((target) => target.startsWith('drawtext@')));
});

test('commands: everything for a new FFmpeg, nothing for the same scene, only the difference for a change', () => {
  const options = { slotCount: MAX_LAYOUT_PEERS, fontFile: FONT };
  const grid = slotSettings(scene(hosts(2), 'grid'), options);
  const all = slotCommands(undefined, grid);
  assert.ok(all.length > 9 * 8, `every option of every slot (${all.length})`);
  assert.equal(slotCommands(grid, grid), []);

  const cameraOff = slotSettings(scene(hosts(2, [1]), 'grid'), options);
  const change = slotCommands(grid, cameraOff);
  assert.ok(change.includes("overlay@o0_1 enable '0'"), JSON.stringify(change));
  assert.ok(change.includes(`drawbox@b0_1 color '${PLACEHOLDER}'`));
  assert.ok(
    change.some((command) => /^drawtext@t0_1 reinit 'text=Host 1:fontsize=\d+:x=[^']+:y=[^']+'$/.test(command)),
  );
  assert.ok(change.includes("drawtext@t0_1 enable '1'"));
  assert.not.ok(change.some((command) => command.startsWith('overlay@o0_0') || command.startsWith('scale@')));

  // Turning the camera back on hides the name without rewriting it.
  const back = slotCommands(cameraOff, grid);
  assert.ok(back.includes("drawtext@t0_1 enable '0'"));
  assert.not.ok(back.some((command) => command.includes('reinit')));
});

test('the real FFmpeg builds the graph and takes every command of a run of layout changes', async () => {
  const fontFile = labelFont();
  const commandPort = await freePort();
  const hostile = drawtextSafe(`Zoë O'Brien: [x];%{pts} \\ 'q'`);
  const scenes = [
    scene(hosts(4), 'grid'),
    scene([...hosts(3, [1]), { hostId: 'h9', camera: false, label: hostile }], 'pip'),
    scene(hosts(9, [2, 5]), 'spotlight'),
    scene(hosts(5), 'sidebar'),
    scene([], 'grid'),
  ];
  const options = { slotCount: MAX_LAYOUT_PEERS, ...(fontFile ? { fontFile } : {}) };
  const graph = buildSlotGraph(scenes[0]!, {
    width: 640,
    height: 360,
    fps: 15,
    commandPort,
    ...options,
    inputOf: (kind) => (kind === 'video' ? '0:v' : '1:a'),
  });
  const ffmpeg = spawn(
    resolveFfmpeg(),
    [
      ...['-hide_banner', '-loglevel', 'error', '-nostdin'],
      ...['-re', '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=15'],
      ...['-re', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000'],
      ...['-filter_complex', graph.filter, '-map', graph.videoLabel, '-map', graph.audioLabel],
      ...['-t', '6', '-f', 'null', '-'],
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  ffmpeg.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => ffmpeg.once('exit', resolve));
  let client: ZmtpClient | undefined;
  try {
    client = await waitFor(
      'the compositor to take commands',
      () => ZmtpClient.connect(commandPort).catch(() => undefined),
      10_000,
    );
    let previous = slotSettings(scenes[0]!, options);
    for (const next of scenes.slice(1)) {
      const settings = slotSettings(next, options);
      const commands = slotCommands(previous, settings);
      const replies = await Promise.all(commands.map((command) => client!.request(command)));
      const refused = commands.filter((_, i) => replies[i]!.code !== 0);
      assert.equal(refused, [], `refused: ${refused.join(' | ')} ${JSON.stringify(replies.find((r) => r.code !== 0))}`);
      previous = settings;
    }
    assert.is(await exited, 0, stderr);
  } finally {
    client?.close();
    ffmpeg.kill('SIGKILL');
  }
});

test.run();
