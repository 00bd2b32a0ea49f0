// run-tests: alone (it checks timings against the clock)
// The compositor graph and its runtime commands: the scene's options follow
// the shared layout geometry, only what changed is sent, and the real FFmpeg
// both builds the graph and accepts every command of a run of layout changes
// (a typo in a filter or option name would only show in front of an audience).
import { spawn } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  computeLayout,
  MAX_LAYOUT_PEERS,
  screenTileKey,
  stageEntries,
  stageFocus,
} from '../../signaling/protocol/layoutGeometry.ts';
import { freePort } from '../../testkit/freePort.ts';
import { waitFor } from '../../testkit/waitFor.ts';
import { resolveFfmpeg } from '../ffmpegBinary.ts';
import { labelFont } from '../labelFont.ts';
import { ZmtpClient } from '../zmtpClient.ts';
import { overlaySettings } from './battleOverlayGraph.ts';
import { deskSettings } from './deskOverlayGraph.ts';
import {
  BANNER_MAX_LENGTH,
  DEFAULT_THEME,
  NAME_TAG_OPACITY,
  NO_PICTURES,
  onScreenText,
  TICKER_MAX_LENGTH,
  type OnScreenState,
} from '../../signaling/protocol/onScreen.ts';
import { battleOverlayOf, battleSceneOf, battleTileKey, type BattleHud, type BattleOverlay } from './battleScene.ts';
import {
  assignSlots,
  assignStageSlots,
  HOST_SLOTS,
  SCREEN_SLOTS,
  SLOT_COUNT,
  sceneOf,
  type SceneHost,
} from './compositionScene.ts';
import { drawtextSafe } from './drawtextSafe.ts';
import {
  BACKGROUND,
  buildSlotGraph,
  PLACEHOLDER,
  pictureSettings,
  slotCommands,
  slotSettings,
  TAG_BOX,
  type PicturesShown,
  type SlotScene,
} from './slotGraph.ts';

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

test("the show's colours: the canvas, the box under an overlay, the name tags and the banner follow the theme", () => {
  const theme = { background: '#203040', nameTag: '#6a1b9a', banner: '#c62828' };
  const onScreen = { banner: 'Hello', ticker: null, comment: null, theme, pictures: NO_PICTURES };
  const themed = slotSettings(scene(hosts(3), 'pip'), { slotCount: MAX_LAYOUT_PEERS, fontFile: FONT, onScreen });
  assert.equal(themed['color@canvas'], { c: '0x203040' });
  assert.is(themed['drawbox@b1_1']!.color, '0x203040', 'the letterbox is the canvas colour');
  assert.is(themed['drawtext@t0_0']!.boxcolor, `0x6a1b9a@${NAME_TAG_OPACITY}`);
  const desk = deskSettings(onScreen, { fontFile: FONT, canvas });
  assert.is(desk['drawbox@desk_banner']!.color, '0xc62828');
  // Untouched, the default look.
  const plain = slotSettings(scene(hosts(3), 'pip'), { slotCount: MAX_LAYOUT_PEERS, fontFile: FONT });
  assert.equal(plain['color@canvas'], { c: BACKGROUND });
  assert.is(plain['drawtext@t0_0']!.boxcolor, TAG_BOX);
  // A colour change is one command per filter, to the running graph.
  assert.equal(
    slotCommands(plain, themed).filter((command) => command.startsWith('color@')),
    ["color@canvas c '0x203040'"],
  );
});

test('a camera-off host is a placeholder with its name in the middle; without a font, no names', () => {
  const named = slotSettings(scene(hosts(2, [1]), 'grid'), { slotCount: MAX_LAYOUT_PEERS, fontFile: FONT });
  assert.is(named['overlay@o0_1']!.enable, '0');
  assert.equal([named['drawbox@b0_1']!.enable, named['drawbox@b0_1']!.color], ['1', PLACEHOLDER]);
  assert.equal([named['drawtext@t0_1']!.enable, named['drawtext@t0_1']!.text], ['1', 'Host 1']);
  assert.match(named['drawtext@t0_1']!.x!, /\(\d+-text_w\)\/2$/, 'centred');
  assert.is(named['drawtext@t0_1']!.box, '0');
  const unnamed = slotSettings(scene(hosts(2, [1]), 'grid'), { slotCount: MAX_LAYOUT_PEERS });
  assert.not.ok(Object.keys(unnamed).some((target) => target.startsWith('drawtext@')));
});

test('every tile on camera carries a name tag in its bottom-left corner, on a dark box, on its own layer', () => {
  const grid = slotSettings(scene(hosts(2), 'grid', 0), { slotCount: MAX_LAYOUT_PEERS, fontFile: FONT });
  const [first] = computeLayout('grid', canvas, ['h0', 'h1'], { gap: 0 });
  const { x, y, height } = first!.rect;
  const tag = grid['drawtext@t0_0']!;
  assert.equal([tag.enable, tag.text, tag.box, tag.boxcolor], ['1', 'Host 0', '1', TAG_BOX]);
  const pad = Number(tag.boxborderw);
  assert.ok(pad >= 4);
  assert.is(tag.x, `${x}+${2 * pad}`);
  assert.is(tag.y, `${y}+${height}-text_h-${2 * pad}`);
  assert.is(grid['drawtext@t1_0']!.enable, '0', 'not on the other layer');
  // Picture-in-picture: the overlays' tags are drawn with them, on top.
  const pip = slotSettings(scene(hosts(3), 'pip'), { slotCount: MAX_LAYOUT_PEERS, fontFile: FONT });
  assert.equal(
    [pip['drawtext@t0_0']!.enable, pip['drawtext@t1_1']!.enable, pip['drawtext@t0_1']!.enable],
    ['1', '1', '0'],
  );
  // The name is drawn after the picture, so the picture cannot cover it.
  const { filter } = buildSlotGraph(scene(hosts(2), 'grid'), {
    ...canvas,
    fps: 30,
    slotCount: MAX_LAYOUT_PEERS,
    fontFile: FONT,
  });
  assert.match(filter, /overlay@o0_0=[^;[]*,drawtext@t0_0=/);
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
    change.some((command) =>
      /^drawtext@t0_1 reinit 'text=Host 1:fontsize=\d+:x=[^']+:y=[^']+:box=0:boxcolor=[^']+:boxborderw=0'$/.test(
        command,
      ),
    ),
    JSON.stringify(change),
  );
  assert.not.ok(
    change.some((command) => command.startsWith('drawtext@t0_1 enable')),
    'the name was already shown',
  );
  assert.not.ok(change.some((command) => command.startsWith('overlay@o0_0') || command.startsWith('scale@')));

  // Turning the camera back on turns the name back into a tag.
  const back = slotCommands(cameraOff, grid);
  assert.ok(back.some((command) => /^drawtext@t0_1 reinit 'text=Host 1:.*:box=1:/.test(command)));

  // A host leaving hides their name without rewriting it.
  const left = slotCommands(grid, slotSettings(scene(hosts(1), 'grid'), options));
  assert.ok(left.includes("drawtext@t0_1 enable '0'"));
  assert.not.ok(left.some((command) => command.startsWith('drawtext@t0_1 reinit')));
});

/** A scene with the recorder's slots: hosts' cameras, and screens (named as the recorder names them) for `sharing`. */
function stageScene(list: SceneHost[], layout: 'grid' | 'spotlight' | 'sidebar' | 'pip', sharing: string[] = []) {
  const entries = stageEntries(
    list.map((host) => ({ hostId: host.hostId, sharingScreen: sharing.includes(host.hostId) })),
  );
  const labels = new Map(list.map((host) => [host.hostId, host]));
  const tiles = entries.map((entry) =>
    entry.kind === 'camera'
      ? labels.get(entry.hostId)!
      : { hostId: entry.key, camera: true, label: `${labels.get(entry.hostId)!.label} (screen)` },
  );
  const seats = assignStageSlots(new Map(), entries, HOST_SLOTS, SCREEN_SLOTS);
  const focus = stageFocus(entries, null, 'h0');
  return sceneOf({ hosts: tiles, layout, ...(focus ? { focusHostId: focus } : {}) }, seats, canvas, SLOT_COUNT);
}

test('a shared screen is drawn from a screen slot in the main area, named, with its sharer small', () => {
  const shown = stageScene(hosts(2), 'spotlight', ['h1']);
  assert.is(shown.length, SLOT_COUNT);
  const screen = shown[HOST_SLOTS]!;
  const tiles = computeLayout('spotlight', canvas, ['h0', 'h1', screenTileKey('h1')], {
    gap: 8,
    focusPeerId: screenTileKey('h1'),
  });
  assert.equal(screen.tile, tiles[2]!.rect);
  assert.is(screen.label, 'Host 1 (screen)');
  assert.ok(shown[1]!.tile.height < screen.tile.height / 3, 'the sharer is a thumbnail');
  const settings = slotSettings(shown, { slotCount: SLOT_COUNT, fontFile: FONT });
  assert.is(settings[`overlay@o0_${HOST_SLOTS}`]!.enable, '1');
  assert.equal(
    [settings[`drawtext@t0_${HOST_SLOTS}`]!.enable, settings[`drawtext@t0_${HOST_SLOTS}`]!.text],
    ['1', 'Host 1 (screen)'],
  );
  assert.is(settings[`overlay@o0_${HOST_SLOTS + 1}`]!.enable, '0', 'the second screen slot is free');
});

/** A battle between the first `own` of hosts(…) and `opponent` hosts, its overlay at `now`. */
function battleFrame(own: number, opponent: number, hud: BattleHud, scores: [number, number], now: number) {
  const ownHosts = hosts(own);
  const opponentHosts = hosts(opponent, [1]).map((host) => ({
    ...host,
    hostId: battleTileKey('opponent', host.hostId),
  }));
  const seats = assignSlots(
    new Map(),
    [...ownHosts, ...opponentHosts].map((host) => host.hostId),
    HOST_SLOTS,
  );
  const shown = battleSceneOf(
    { own: ownHosts, opponent: opponentHosts },
    seats,
    { width: 640, height: 360 },
    SLOT_COUNT,
  );
  return { scene: shown, overlay: battleOverlayOf(hud, scores, now, { width: 640, height: 360 }) };
}

test('the real FFmpeg builds the graph and takes every command of a run of layout changes', async () => {
  const fontFile = labelFont();
  const commandPort = await freePort();
  const hostile = drawtextSafe(`Zoë O'Brien: [x];%{pts} \\ 'q'`);
  const hud: BattleHud = {
    ownName: 'Alice',
    opponentName: hostile,
    phase: 'countdown',
    startsAt: 10_000,
    endsAt: 70_000,
    winner: null,
  };
  const battles = [
    battleFrame(1, 1, hud, [0, 0], 7_500),
    battleFrame(4, 4, { ...hud, phase: 'live' }, [120, 40], 20_000),
    battleFrame(2, 3, { ...hud, phase: 'live' }, [120, 400], 21_000),
    battleFrame(2, 3, { ...hud, phase: 'result', winner: 'opponent' }, [120, 400], 71_000),
    battleFrame(1, 1, { ...hud, phase: 'result', winner: 'draw' }, [5, 5], 71_000),
  ];
  const scenes = [
    stageScene(hosts(4), 'grid'),
    stageScene([...hosts(3, [1]), { hostId: 'h9', camera: false, label: hostile }], 'pip'),
    stageScene(hosts(2), 'spotlight', ['h0', 'h1']),
    stageScene(hosts(9, [2, 5]), 'spotlight'),
    stageScene(hosts(5), 'sidebar', ['h3']),
    stageScene(hosts(2), 'grid', ['h1']),
    stageScene([], 'grid'),
  ];
  const options = { slotCount: SLOT_COUNT, ...(fontFile ? { fontFile } : {}) };
  // The producer's banner and ticker, shown, changed (words FFmpeg's parsers must not trip on), hidden.
  const desk: (OnScreenState | undefined)[] = [
    {
      banner: onScreenText('Ada Lovelace, first programmer!', BANNER_MAX_LENGTH),
      ticker: null,
      comment: null,
      theme: DEFAULT_THEME,
      pictures: NO_PICTURES,
    },
    {
      banner: onScreenText(`Q&A: "why?" [x];%{pts} \\ 'q' 100%`, BANNER_MAX_LENGTH),
      ticker: onScreenText('Next: the battle at 8 - ask in the chat #live @ada', TICKER_MAX_LENGTH),
      comment: { author: drawtextSafe("Zoë O'Brien"), text: onScreenText('Loved it: 100% [yes]; \\ %{pts}', 120) },
      theme: { background: '#203040', nameTag: '#6a1b9a', banner: '#c62828' },
      pictures: NO_PICTURES,
    },
    { banner: null, ticker: 'Still scrolling', comment: null, theme: DEFAULT_THEME, pictures: NO_PICTURES },
    undefined,
  ];
  // The logo and the backdrop on and off (their slots are the test picture here).
  const pictures: PicturesShown[] = [
    { logo: true, backdrop: false, logoWidth: 100 },
    { logo: true, backdrop: true, logoWidth: 60 },
    { logo: false, backdrop: true, logoWidth: 60 },
    { logo: false, backdrop: false, logoWidth: 60 },
  ];
  // Layouts, then a battle from its countdown to its result, then the layouts again, then the desk's words.
  const frames: {
    scene: SlotScene;
    overlay: BattleOverlay | undefined;
    onScreen?: OnScreenState | undefined;
    pictures?: PicturesShown;
  }[] = [
    ...scenes.map((shown) => ({ scene: shown, overlay: undefined })),
    ...battles,
    ...scenes.slice(0, 2).map((shown) => ({ scene: shown, overlay: undefined })),
    ...desk.map((onScreen) => ({ scene: scenes[0]!, overlay: undefined, onScreen })),
    ...pictures.map((shown) => ({ scene: scenes[1]!, overlay: undefined, pictures: shown })),
  ];
  const settingsOf = (frame: (typeof frames)[number]) => ({
    ...slotSettings(frame.scene, { ...options, ...(frame.onScreen ? { onScreen: frame.onScreen } : {}) }),
    ...overlaySettings(frame.overlay, options),
    ...deskSettings(frame.onScreen, { ...options, canvas: { width: 640, height: 360 } }),
    ...pictureSettings(frame.pictures, { width: 640, height: 360 }),
  });
  const graph = buildSlotGraph(scenes[0]!, {
    width: 640,
    height: 360,
    fps: 15,
    commandPort,
    ...options,
    inputOf: (kind) => (kind === 'video' ? '0:v' : '1:a'),
    pictureInputs: { logo: '0:v', backdrop: '0:v' },
  });
  const ffmpeg = spawn(
    resolveFfmpeg(),
    [
      ...['-hide_banner', '-loglevel', 'error', '-nostdin'],
      ...['-re', '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=15'],
      ...['-re', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000'],
      ...['-filter_complex', graph.filter, '-map', graph.videoLabel, '-map', graph.audioLabel],
      ...['-t', '7', '-f', 'null', '-'],
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  ffmpeg.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => ffmpeg.once('exit', resolve));
  let client: ZmtpClient | undefined;
  const connect = () =>
    waitFor('the compositor to take commands', () => ZmtpClient.connect(commandPort).catch(() => undefined), 10_000);
  /**
   * A change's commands (settings: sending them twice is harmless). CI saw the connection dropped once
   * right after the handshake (EPIPE) with FFmpeg running: then one new connection, said out loud; an
   * FFmpeg that exited fails the test with its own words.
   */
  const send = async (commands: string[]) => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await Promise.all(commands.map((command) => client!.request(command)));
      } catch (error) {
        const state = ffmpeg.exitCode === null ? 'still running' : `exited with ${ffmpeg.exitCode}`;
        if (attempt >= 2 || ffmpeg.exitCode !== null) {
          throw new Error(`${(error as Error).message}; FFmpeg ${state}: ${stderr.trim() || '(nothing on stderr)'}`, {
            cause: error,
          });
        }
        process.stderr.write(
          `[slotGraph] the command connection dropped (${(error as Error).message}), FFmpeg ${state}: reconnecting\n`,
        );
        client?.close();
        client = await connect();
      }
    }
  };
  try {
    client = await connect();
    let previous = settingsOf(frames[0]!);
    for (const next of frames.slice(1)) {
      const settings = settingsOf(next);
      const commands = slotCommands(previous, settings);
      const replies = await send(commands);
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
