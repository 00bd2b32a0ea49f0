// Command line of `npm run bench -- <scenario> [--flags]`: parsed into one
// typed options object per scenario, every number bounded so no run can
// ask for an unbounded loop.
import { parseArgs } from 'node:util';
import type { FanoutRamp } from './scenarios/fanout.ts';
import {
  ImpairmentSyntaxError,
  NO_IMPAIRMENT,
  parseImpairment,
  parseImpairmentSchedule,
  type Impairment,
  type ImpairmentStep,
} from './impair/impairment.ts';

export const scenarioNames = [
  'rooms',
  'join-storm',
  'fanout',
  'baseline',
  'chat',
  'hls',
  'battle',
  'mesh',
  'cluster',
  'shop',
  'effects',
  'report',
] as const;
export type ScenarioName = (typeof scenarioNames)[number];

export interface CommonOptions {
  /** Target a running Stagecast instead of starting one (loopback only). */
  url: string | undefined;
  out: string | undefined;
  /** mediasoup workers of the server the bench starts. */
  workers: number;
  pin: boolean;
  /** Progress on stderr. */
  progress: boolean;
  clipSeconds: number;
  /** Where results are written and read (`report`). */
  resultsDir: string | undefined;
  /** Subscribers negotiate transport-cc (the server estimates their bandwidth, as with browsers). */
  bandwidthEstimation: boolean;
  /** Start the sessions (Stagecast then also runs its HLS broadcast per session). */
  live: boolean;
  /** rooms and fanout: every peer reaches the server through an impairment relay (bench/impair). */
  impairment: Impairment | undefined;
}

export interface RoomsOptions extends CommonOptions {
  scenario: 'rooms';
  rooms: number;
  hosts: number;
  durationS: number;
  tileHeight: number;
  /** Pause between starting one room's joins and the next's. */
  roomIntervalMs: number;
  /** Hosts of the first room that are real Chromium studio pages (0: all synthetic). */
  browsers: number;
  /** Those pages' fake camera, `WxH@fps` (the studio's `?capture=`). */
  browserCapture: string;
  /** Also run the workload on bare mediasoup and on this peer SFU. */
  vs: PeerSfu | undefined;
  /** One subscriber's downlink follows this schedule (bench/impair): adaptDownMs, adaptUpMs. */
  cappedSubscriber: ImpairmentStep[] | undefined;
  /** The primary host's uplink suffers this (over `--impair`): how its viewers fare. */
  lossyPublisher: Impairment | undefined;
}

/** The SFUs other than Stagecast the bench can start and drive with the same peers. */
export type PeerSfu = 'janus';

export interface JoinStormOptions extends CommonOptions {
  scenario: 'join-storm';
  peers: number;
  rate: number;
  /** Hosts per session (Stagecast allows 9). */
  roomSize: number;
  /** Seconds every peer stays joined after the last one joined. */
  holdS: number;
}

export interface FanoutOptions extends CommonOptions, FanoutRamp {
  scenario: 'fanout';
  baseline: boolean;
  /** Also ramp this peer SFU with the same peers. */
  vs: PeerSfu | undefined;
}

export interface BaselineOptions extends CommonOptions {
  scenario: 'baseline';
  rooms: number;
  hosts: number;
  durationS: number;
  tileHeight: number;
  roomIntervalMs: number;
  /** Also ramp fanout on both servers (capacityRatio). */
  fanout: boolean;
  maxSubscribers: number;
  step: number;
  stepSeconds: number;
  subscribersPerRoom: number;
  lossLimitPct: number;
  cpuLimitPct: number;
  fanoutTileHeight: number;
  maxSeconds: number;
}

export interface ChatOptions extends CommonOptions {
  scenario: 'chat';
  /** Anonymous sockets reading the chat. */
  viewers: number;
  /** Messages per second, all senders together. */
  rate: number;
  durationS: number;
  /** Signed-in sockets sharing the rate; undefined: enough to stay under the per-user chat rate. */
  senders: number | undefined;
}

/** viewers × rate × duration: every receipt is kept (bit map and latency sample) until the end. */
export const MAX_CHAT_RECEIPTS = 10_000_000;

export interface ReportOptions extends CommonOptions {
  scenario: 'report';
}

export interface HlsOptions extends CommonOptions {
  scenario: 'hls';
  /** Synthetic hosts publishing (the first publishes the flash/beep clip for A/V sync). */
  hosts: number;
  /** Synthetic HLS viewers (0: none). */
  viewers: number;
  /** Seconds the viewers play. */
  durationS: number;
  /** Rounds of a co-host taken off air and put back, each timed to the picture (0: none; needs 2 hosts). */
  deskRounds: number;
  /** Media seconds per offline encode-speed run (1, 4 and 9 hosts). */
  encodeSeconds: number;
  /** Measure glass-to-glass with a Chromium studio page and audience page. */
  glass: boolean;
  /** Rendition the viewers play; undefined: the best (first in the master playlist). */
  rendition: string | undefined;
  /** The viewer crowd plays low-latency HLS (`--ll`, the default) or plain (`--no-ll`). */
  lowLatency: boolean;
}

export interface BattleOptions extends CommonOptions {
  scenario: 'battle';
  /** Signed-in viewer sockets, half watching each side; they send the gifts. */
  viewers: number;
  /** New gifts in the gift phase (the resends come on top). */
  gifts: number;
  /** New gifts per second, all viewers together. */
  rate: number;
  /** Battles started one after another (opponent media and HLS samples); gifts go to the last. */
  battles: number;
  /** Share of gifts followed by a resend of an earlier clientGiftId, in % (extra requests). */
  resendPct: number;
}

export interface MeshOptions extends CommonOptions {
  scenario: 'mesh';
  /** Rooms per host count and mode (join times), and switches measured (freeze). */
  rounds: number;
  /** The pages' fake camera, `WxH@fps` (the studio's `?capture=`). */
  browserCapture: string;
  /** Seconds the 4-host room's worker CPU is measured, in each mode. */
  holdS: number;
}

export interface ClusterOptions extends CommonOptions {
  scenario: 'cluster';
  /** Stagecast node processes behind nginx. */
  nodes: number;
  /** Sessions created (and joined by their host) at once through the load balancer: placement and join times. */
  sessions: number;
  /** Anonymous chat readers, connected through the load balancer (spread over the nodes). */
  viewers: number;
  /** Chat messages per second, all senders together. */
  rate: number;
  durationS: number;
  /** Owner kills measured (two Chromium hosts each; the killed node is started again between runs). */
  failovers: number;
  /** Battles between sessions of two nodes (synthetic hosts): first media across the nodes. */
  battles: number;
  /** The pages' fake camera, `WxH@fps`. */
  browserCapture: string;
}

export interface EffectsOptions extends CommonOptions {
  scenario: 'effects';
  /** Seconds each effect runs before its figures are read. */
  holdS: number;
  /** Camera sizes measured, `WxH@fps` each. */
  captures: string[];
}

export interface ShopOptions extends CommonOptions {
  scenario: 'shop';
  /** Anonymous viewer sockets watching the session (pinVisibleMs). */
  viewers: number;
  /** Signed-in buyer sockets; the orders go round them. */
  buyers: number;
  /** Orders sent (the resends come on top); the sale holds 90 % of them. */
  orders: number;
  /** Orders per second, all buyers together. */
  rate: number;
  /** Pins measured before the sale (more come during it). */
  pins: number;
  /** Share of orders resent at once with the same clientOrderId, in %. */
  resendPct: number;
  /** The started server on a PostgreSQL the bench starts (Debian's), instead of SQLite. */
  postgres: boolean;
}

/** Each viewer stays under this many gifts a second: the server allows a socket 20 requests/s (after a burst of 100). */
export const MAX_GIFTS_PER_VIEWER_PER_S = 16;
/** The gift phase must fit in one battle (BATTLE_MAX_DURATION_S at the started server's BATTLE_TIME_SCALE). */
export const MAX_GIFT_PHASE_S = 60;

export type BenchOptions =
  | RoomsOptions
  | JoinStormOptions
  | FanoutOptions
  | BaselineOptions
  | ChatOptions
  | HlsOptions
  | BattleOptions
  | MeshOptions
  | ClusterOptions
  | ShopOptions
  | EffectsOptions
  | ReportOptions;

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const usage = `usage: npm run bench -- <scenario> [--flags]

scenarios
  rooms       --rooms R (1) --hosts H (9) --duration S (20) [--tile-height 360] [--room-interval-ms 500]
              [--browsers N (0): N of the first room's hosts are Chromium studio pages, N < H]
              [--browser-capture 320x180@15] [--vs janus: the same rooms on bare mediasoup and Janus too]
  join-storm  --peers N (200) --rate J (20) [--room-size 9] [--hold S (3)]
  fanout      [--max-subscribers 400] [--step 16] [--step-seconds 6] [--subscribers-per-room 8]
              [--loss-limit 1] [--cpu-limit 90] [--tile-height 180] [--max-seconds 300] [--no-baseline]
              [--vs janus: then the same ramp on Janus VideoRoom]
  baseline    rooms flags and fanout flags; [--no-fanout] skips the fanout ramps
  chat        --viewers V (1000) --rate M (100) --duration S (20) [--senders K (from CHAT_PER_S)]
  hls         --hosts H (4) --viewers V (100) --duration S (30) [--encode-seconds 10] [--rendition NAME]
              [--no-glass: skip the Chromium glass-to-glass pages] [--ll (default) | --no-ll: the
              viewers play low-latency or plain HLS; glass to glass is read for both either way]
  battle      --viewers V (1000) --gifts N (5000) --rate R (1000) [--battles K (3)] [--resend-pct P (5)]
  mesh        [--rounds R (3)] [--browser-capture 320x180@15] [--hold S (8)]: Chromium studio pages,
              2–4 hosts peer to peer vs through the SFU, and a fifth host's switch to the SFU
  cluster     --nodes N (3) --sessions K (30) --viewers V (1000) --rate M (20) --duration S (10)
              [--failovers F (3)] [--battles B (3)] [--browser-capture 320x180@15]: N node processes behind
              nginx on Redis and PostgreSQL; placement, joins, chat across nodes, battles across nodes, owner kills
  shop        --viewers V (1000) --buyers B (100) --orders N (5000) --rate R (1000) [--pins P (20)]
              [--resend-pct Q (5)] [--postgres: the server on a PostgreSQL]: a live session's flash sale of one product; orders/s, oversold,
              double-charged, pin → card at the viewers
  effects     [--hold S (6)] [--captures 640x360@30,1280x720@30]: one Chromium studio host publishing
              through the SFU turns on each camera effect; processing time per frame and frame rates
  report      writes bench/results/report.html from the JSON files there

common
  --url URL        drive a running Stagecast on this machine instead of starting one
  --out FILE       also write the JSON result to FILE
  --workers N      mediasoup workers of the started server (1)
  --pin/--no-pin   pin generator and media worker to different CPUs (default: on for fanout/baseline)
  --quiet          no progress on stderr
  --clip-seconds S length of the looped clip (10)
  --results DIR    results folder (bench/results)
  --no-bwe         subscribers do not negotiate transport-cc (no bandwidth estimation)
  --live           start the sessions: Stagecast also runs its HLS broadcast (FFmpeg) per session
  --impair SPEC    rooms and fanout: every peer's links through a relay that drops, delays and caps,
                   e.g. 'loss=2%,delay=40ms±10ms' or 'loss=5%,burst=4,rate=2.5mbit,queue=200ms'
  --lossy-publisher SPEC  rooms: the primary host's uplink only (over --impair), e.g. 'loss=5%,burst=4'
  --cap-subscriber SCHEDULE  rooms: the second host's downlink follows steps from the window's
                   start, e.g. 'rate=2.5mbit;10s:rate=400kbit;30s:rate=2.5mbit' (adaptDownMs, adaptUpMs)`;

const optionSpec = {
  rooms: { type: 'string' },
  rounds: { type: 'string' },
  hosts: { type: 'string' },
  duration: { type: 'string' },
  'tile-height': { type: 'string' },
  'room-interval-ms': { type: 'string' },
  browsers: { type: 'string' },
  'browser-capture': { type: 'string' },
  captures: { type: 'string' },
  peers: { type: 'string' },
  rate: { type: 'string' },
  'room-size': { type: 'string' },
  hold: { type: 'string' },
  'max-subscribers': { type: 'string' },
  step: { type: 'string' },
  'step-seconds': { type: 'string' },
  'subscribers-per-room': { type: 'string' },
  'loss-limit': { type: 'string' },
  'cpu-limit': { type: 'string' },
  'max-seconds': { type: 'string' },
  'no-baseline': { type: 'boolean' },
  'no-fanout': { type: 'boolean' },
  vs: { type: 'string' },
  impair: { type: 'string' },
  'cap-subscriber': { type: 'string' },
  'lossy-publisher': { type: 'string' },
  viewers: { type: 'string' },
  senders: { type: 'string' },
  'encode-seconds': { type: 'string' },
  'desk-rounds': { type: 'string' },
  'no-glass': { type: 'boolean' },
  ll: { type: 'boolean' },
  'no-ll': { type: 'boolean' },
  rendition: { type: 'string' },
  gifts: { type: 'string' },
  buyers: { type: 'string' },
  postgres: { type: 'boolean' },
  orders: { type: 'string' },
  pins: { type: 'string' },
  battles: { type: 'string' },
  'resend-pct': { type: 'string' },
  nodes: { type: 'string' },
  sessions: { type: 'string' },
  failovers: { type: 'string' },
  url: { type: 'string' },
  out: { type: 'string' },
  workers: { type: 'string' },
  pin: { type: 'boolean' },
  'no-pin': { type: 'boolean' },
  quiet: { type: 'boolean' },
  'clip-seconds': { type: 'string' },
  results: { type: 'string' },
  'no-bwe': { type: 'boolean' },
  live: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof optionSpec; allowPositionals: true }>>['values'];

export function parseCli(argv: readonly string[]): BenchOptions {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: optionSpec, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) throw new UsageError('');
  const [scenario, ...extra] = positionals;
  if (!scenario) throw new UsageError('name a scenario');
  if (!(scenarioNames as readonly string[]).includes(scenario)) throw new UsageError(`unknown scenario "${scenario}"`);
  if (extra.length > 0) throw new UsageError(`unexpected arguments: ${extra.join(' ')}`);
  const name = scenario as ScenarioName;
  const number = numberReader(values);
  const pinByDefault = name === 'fanout' || name === 'baseline';
  if (values.url !== undefined && !/^http:\/\/(127\.0\.0\.1|localhost)(:\d+)?\/?$/.test(values.url)) {
    throw new UsageError('--url must be a loopback http://127.0.0.1:PORT address: the bench reads CPU from /proc');
  }
  if (values.vs !== undefined && name !== 'rooms' && name !== 'fanout') {
    throw new UsageError('--vs applies to rooms and fanout');
  }
  if (values.impair !== undefined && name !== 'rooms' && name !== 'fanout') {
    throw new UsageError('--impair applies to rooms and fanout');
  }
  if ((values['cap-subscriber'] !== undefined || values['lossy-publisher'] !== undefined) && name !== 'rooms') {
    throw new UsageError('--cap-subscriber and --lossy-publisher apply to rooms');
  }
  if (values.impair !== undefined && values.vs !== undefined) {
    throw new UsageError('--impair drives Stagecast peers only: not with --vs');
  }
  const common: CommonOptions = {
    url: values.url?.replace(/\/$/, ''),
    out: values.out,
    workers: number('workers', 1, 1, 16),
    pin: values['no-pin'] ? false : (values.pin ?? pinByDefault),
    progress: !values.quiet,
    clipSeconds: number('clip-seconds', 10, 2, 60),
    resultsDir: values.results,
    bandwidthEstimation: !values['no-bwe'],
    live: values.live ?? false,
    impairment: impairmentOption(values.impair),
  };
  const rooms = {
    rooms: number('rooms', 1, 1, 50),
    // `hls` takes a single host too (its own bound is checked in its case).
    hosts: number('hosts', 9, name === 'hls' ? 1 : 2, 9),
    durationS: number('duration', 20, 1, 600),
    tileHeight: number('tile-height', 360, 0, 2160),
    roomIntervalMs: number('room-interval-ms', 500, 0, 60_000),
  };
  const fanout = {
    maxSubscribers: number('max-subscribers', 400, 1, 2000),
    step: number('step', 16, 1, 500),
    stepSeconds: number('step-seconds', 6, 2, 120),
    subscribersPerRoom: number('subscribers-per-room', 8, 1, 8),
    lossLimitPct: number('loss-limit', 1, 0, 100, true),
    cpuLimitPct: number('cpu-limit', 90, 1, 100, true),
    maxSeconds: number('max-seconds', 300, 10, 3600),
  };
  switch (name) {
    case 'rooms': {
      const browsers = number('browsers', 0, 0, 8);
      if (browsers > rooms.hosts - 1) {
        throw new UsageError('--browsers must be below --hosts (the primary host is synthetic)');
      }
      // Small captures keep the pages' encoders cheap on a 2-core machine (320×180: one simulcast layer).
      const browserCapture = values['browser-capture'] ?? '320x180@15';
      if (!/^\d{2,4}x\d{2,4}(@\d{1,2})?$/.test(browserCapture)) {
        throw new UsageError('--browser-capture must be WxH or WxH@fps');
      }
      const vs = peerSfuOption(values.vs);
      if (vs && browsers > 0) throw new UsageError('--browsers drive the Stagecast studio: not with --vs');
      const cappedSubscriber = capScheduleOption(values['cap-subscriber'], common.impairment);
      if (cappedSubscriber && (vs || browsers > 0)) {
        throw new UsageError('--cap-subscriber caps a synthetic Stagecast host: not with --vs or --browsers');
      }
      if (cappedSubscriber && cappedSubscriber.at(-1)!.atS >= rooms.durationS) {
        throw new UsageError('--duration must outlast the --cap-subscriber schedule (its last step and some)');
      }
      const lossyPublisher =
        values['lossy-publisher'] === undefined
          ? undefined
          : impairmentOption(values['lossy-publisher'], common.impairment, '--lossy-publisher');
      if (lossyPublisher && vs) throw new UsageError('--lossy-publisher impairs a Stagecast host: not with --vs');
      return {
        scenario: name,
        ...common,
        ...rooms,
        browsers,
        browserCapture,
        vs,
        cappedSubscriber,
        lossyPublisher,
      };
    }
    case 'join-storm':
      return {
        scenario: name,
        ...common,
        peers: number('peers', 200, 1, 2000),
        rate: number('rate', 20, 0.1, 500, true),
        roomSize: number('room-size', 9, 1, 9),
        holdS: number('hold', 3, 0, 600),
      };
    case 'fanout':
      return {
        scenario: name,
        ...common,
        ...fanout,
        tileHeight: number('tile-height', 180, 0, 2160),
        baseline: !values['no-baseline'],
        vs: peerSfuOption(values.vs),
      };
    case 'baseline':
      return {
        scenario: name,
        ...common,
        ...rooms,
        ...fanout,
        fanoutTileHeight: 180,
        fanout: !values['no-fanout'],
      };
    case 'chat': {
      const chat = {
        viewers: number('viewers', 1000, 1, 5000),
        rate: number('rate', 100, 0.1, 1000, true),
        durationS: number('duration', 20, 1, 300),
        senders: values.senders === undefined ? undefined : number('senders', 1, 1, 2000),
      };
      if (chat.viewers * chat.rate * chat.durationS > MAX_CHAT_RECEIPTS) {
        throw new UsageError(`--viewers × --rate × --duration must be at most ${MAX_CHAT_RECEIPTS}`);
      }
      return { scenario: name, ...common, ...chat };
    }
    case 'hls': {
      const rendition = values.rendition;
      if (rendition !== undefined && !/^[a-z0-9]{1,16}$/.test(rendition)) {
        throw new UsageError('--rendition must name a rendition folder, e.g. 720p');
      }
      return {
        scenario: name,
        ...common,
        hosts: number('hosts', 4, 1, 9),
        viewers: number('viewers', 100, 0, 5000),
        durationS: number('duration', 30, 1, 600),
        encodeSeconds: number('encode-seconds', 10, 1, 60),
        deskRounds: number('desk-rounds', 5, 0, 50),
        glass: !values['no-glass'],
        rendition,
        lowLatency: lowLatencyOption(values.ll, values['no-ll']),
      };
    }
    case 'mesh': {
      const browserCapture = values['browser-capture'] ?? '320x180@15';
      if (!/^\d{2,4}x\d{2,4}(@\d{1,2})?$/.test(browserCapture)) {
        throw new UsageError('--browser-capture must be WxH or WxH@fps');
      }
      return {
        scenario: name,
        ...common,
        rounds: number('rounds', 3, 1, 20),
        browserCapture,
        holdS: number('hold', 8, 2, 120),
      };
    }
    case 'effects': {
      const captures = (values.captures ?? '640x360@30,1280x720@30').split(',');
      if (captures.length > 4 || !captures.every((capture) => /^\d{2,4}x\d{2,4}@\d{1,2}$/.test(capture))) {
        throw new UsageError('--captures must be up to four WxH@fps, comma-separated');
      }
      return { scenario: name, ...common, holdS: number('hold', 6, 2, 60), captures };
    }
    case 'cluster': {
      const browserCapture = values['browser-capture'] ?? '320x180@15';
      if (!/^\d{2,4}x\d{2,4}(@\d{1,2})?$/.test(browserCapture)) {
        throw new UsageError('--browser-capture must be WxH or WxH@fps');
      }
      const cluster = {
        nodes: number('nodes', 3, 2, 6),
        sessions: number('sessions', 30, 1, 300),
        viewers: number('viewers', 1000, 1, 5000),
        rate: number('rate', 20, 0.1, 500, true),
        durationS: number('duration', 10, 1, 120),
        failovers: number('failovers', 3, 0, 10),
        battles: number('battles', 3, 0, 10),
        browserCapture,
      };
      if (cluster.viewers * cluster.rate * cluster.durationS > MAX_CHAT_RECEIPTS) {
        throw new UsageError(`--viewers × --rate × --duration must be at most ${MAX_CHAT_RECEIPTS}`);
      }
      return { scenario: name, ...common, ...cluster };
    }
    case 'battle': {
      const battle = {
        viewers: number('viewers', 1000, 2, 5000),
        gifts: number('gifts', 5000, 1, 100_000),
        rate: number('rate', 1000, 1, 5000, true),
        battles: number('battles', 3, 1, 10),
        resendPct: number('resend-pct', 5, 0, 50, true),
      };
      if ((battle.rate / battle.viewers) * (1 + battle.resendPct / 100) > MAX_GIFTS_PER_VIEWER_PER_S) {
        throw new UsageError(
          `--rate / --viewers (with the resends) must be at most ${MAX_GIFTS_PER_VIEWER_PER_S} requests/s per viewer (a socket may make 20)`,
        );
      }
      if (battle.gifts / battle.rate > MAX_GIFT_PHASE_S) {
        throw new UsageError(`--gifts / --rate must be at most ${MAX_GIFT_PHASE_S} s (the gift phase is one battle)`);
      }
      return { scenario: name, ...common, ...battle };
    }
    case 'shop': {
      const shop = {
        viewers: number('viewers', 1000, 0, 5000),
        buyers: number('buyers', 100, 1, 2000),
        orders: number('orders', 5000, 1, 100_000),
        rate: number('rate', 1000, 1, 5000, true),
        pins: number('pins', 20, 1, 200),
        resendPct: number('resend-pct', 5, 0, 50, true),
        postgres: values.postgres === true,
      };
      if (shop.postgres && common.url) throw new UsageError('--postgres starts its own server: not with --url');
      if ((shop.rate / shop.buyers) * (1 + shop.resendPct / 100) > MAX_GIFTS_PER_VIEWER_PER_S) {
        throw new UsageError(
          `--rate / --buyers (with the resends) must be at most ${MAX_GIFTS_PER_VIEWER_PER_S} requests/s per buyer (a socket may make 20)`,
        );
      }
      if (shop.orders / shop.rate > MAX_GIFT_PHASE_S) {
        throw new UsageError(`--orders / --rate must be at most ${MAX_GIFT_PHASE_S} s (the sale runs 60 s)`);
      }
      return { scenario: name, ...common, ...shop };
    }
    case 'report':
      return { scenario: name, ...common };
    default:
      return assertUnreachable(name);
  }
}

function numberReader(values: Values) {
  return (flag: keyof Values, fallback: number, min: number, max: number, fractional = false): number => {
    const raw = values[flag];
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (typeof raw !== 'string' || raw.trim() === '' || !Number.isFinite(value)) {
      throw new UsageError(`--${flag} must be a number`);
    }
    if (!fractional && !Number.isInteger(value)) throw new UsageError(`--${flag} must be a whole number`);
    if (value < min || value > max) throw new UsageError(`--${flag} must be between ${min} and ${max}`);
    return value;
  };
}

function assertUnreachable(value: never): never {
  throw new Error(`unhandled scenario ${String(value)}`);
}

/** `--ll` / `--no-ll` (default: low-latency); both at once is a mistake. */
function impairmentOption(
  value: string | undefined,
  base: Impairment = NO_IMPAIRMENT,
  flag = '--impair',
): Impairment | undefined {
  if (value === undefined) return undefined;
  try {
    return parseImpairment(value, base);
  } catch (error) {
    if (error instanceof ImpairmentSyntaxError) throw new UsageError(`${flag}: ${error.message}`);
    throw error;
  }
}

function capScheduleOption(value: string | undefined, base: Impairment | undefined): ImpairmentStep[] | undefined {
  if (value === undefined) return undefined;
  try {
    return parseImpairmentSchedule(value, base ?? NO_IMPAIRMENT);
  } catch (error) {
    if (error instanceof ImpairmentSyntaxError) throw new UsageError(`--cap-subscriber: ${error.message}`);
    throw error;
  }
}

function peerSfuOption(value: string | undefined): PeerSfu | undefined {
  if (value === undefined) return undefined;
  if (value !== 'janus') throw new UsageError(`--vs: "${value}" is not a peer SFU the bench can start (janus)`);
  return value;
}

function lowLatencyOption(on: boolean | undefined, off: boolean | undefined): boolean {
  if (on && off) throw new UsageError('--ll and --no-ll exclude each other');
  return !off;
}
