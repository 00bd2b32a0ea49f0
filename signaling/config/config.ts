// Typed configuration, read once from the environment at start.
import crypto from 'node:crypto';
import os from 'node:os';
import type { z } from 'zod';
import { loadChatConfig, type ChatConfig } from '../chat/chatConfig.ts';
import { ConfigError } from './ConfigError.ts';
import { envSchema, resolveDataPaths } from './configSchema.ts';

export interface Config {
  nodeEnv: 'development' | 'production' | 'test';
  http: {
    host: string;
    port: number;
    corsOrigins: string[];
    /** Express `trust proxy`: a hop count or addresses/subnets/keywords; undefined trusts none. */
    trustProxy: number | string | undefined;
  };
  logLevel: string;
  mediasoup: {
    workerCount: number;
    workerBin: string | undefined;
    logLevel: 'debug' | 'warn' | 'error' | 'none';
    listenIp: string;
    announcedAddress: string | undefined;
    /** WebRtcServer port of worker 0; worker i uses this + i. 0 lets the OS pick. */
    webRtcServerPort: number;
    /** Media socket buffers in bytes; 0 = OS default. */
    socketBufferBytes: number;
    rtcMinPort: number;
    rtcMaxPort: number;
  };
  dataDir: string;
  databaseUrl: string;
  redisUrl: string | undefined;
  /**
   * Cluster mode (REDIS_URL): this node's id, and the URL other nodes reach it
   * at (NODE_URL; undefined: the address it listens on, known once listening).
   */
  node: { id: string; url: string | undefined };
  mediaDir: string;
  /** Free space MEDIA_DIR must have for a session to go live, in bytes. */
  minFreeDiskBytes: number;
  /** Going live starts a VOD recording. */
  recordOnLive: boolean;
  /** Low-latency HLS offered (LL_HLS). */
  lowLatencyHls: boolean;
  /** Length of a low-latency part (s). */
  hlsPartSeconds: number;
  /** Frame rate of the broadcast (HLS_FPS). */
  hlsFps: number;
  turn: { urls: string[]; secret: string | undefined; credentialTtlS: number };
  /** TOKEN_SECRET and, during a rotation, TOKEN_SECRET_PREVIOUS (signaling/auth/tokenSecret.ts). */
  tokenSecret: { current: string | undefined; previous: string | undefined };
  /** ACCESS_TOKEN_TTL_S: an account's access token lives this long. */
  accessTokenTtlS: number;
  primaryHostGraceMs: number;
  /** JOIN_REQUEST_TTL_S; the default is the protocol's JOIN_REQUEST_TTL_MS (10 minutes). */
  joinRequestTtlMs: number;
  /** BATTLE_TIME_SCALE: battles' clocks run this many times faster (tests, bench). */
  battleTimeScale: number;
  /** SHOP_TIME_SCALE: flash sales' countdowns and durations run this many times faster (tests, bench). */
  shopTimeScale: number;
  /** MESH_MAX_HOSTS (0: no mesh) and MESH_RETURN_DELAY_MS. */
  mesh: { maxHosts: number; returnDelayMs: number };
  /** Adaptive quality: pause videos that do not fit a congested link. */
  pauseVideoOnCongestion: boolean;
  chat: ChatConfig;
}

/** Validates the environment; throws a ConfigError naming the first bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv, cwd = process.cwd()): Config {
  const parsed = envSchema.safeParse(withoutEmptyValues(env));
  if (!parsed.success) throw toConfigError(parsed.error, env);
  const e = parsed.data;
  const paths = resolveDataPaths(e, cwd);
  const chat = loadChatConfig(env);
  return {
    nodeEnv: e.NODE_ENV,
    http: {
      host: e.HOST,
      port: e.PORT,
      corsOrigins: e.CORS_ORIGINS.map((origin) => new URL(origin).origin),
      trustProxy:
        e.TRUST_PROXY === undefined ? undefined : /^\d+$/.test(e.TRUST_PROXY) ? Number(e.TRUST_PROXY) : e.TRUST_PROXY,
    },
    logLevel: e.LOG_LEVEL,
    mediasoup: {
      workerCount: e.MEDIASOUP_WORKERS,
      workerBin: e.MEDIASOUP_WORKER_BIN,
      logLevel: e.MEDIASOUP_LOG_LEVEL,
      listenIp: e.RTC_LISTEN_IP,
      announcedAddress: e.ANNOUNCED_IP,
      webRtcServerPort: e.RTC_SERVER_PORT,
      socketBufferBytes: e.RTC_SOCKET_BUFFER_BYTES,
      rtcMinPort: e.RTC_MIN_PORT,
      rtcMaxPort: e.RTC_MAX_PORT,
    },
    dataDir: paths.dataDir,
    databaseUrl: paths.databaseUrl,
    redisUrl: e.REDIS_URL,
    node: {
      id: e.NODE_ID ?? `${os.hostname()}-${crypto.randomBytes(3).toString('hex')}`,
      url: e.NODE_URL?.replace(/\/+$/, ''),
    },
    mediaDir: paths.mediaDir,
    minFreeDiskBytes: e.MIN_FREE_DISK_MB * 1024 * 1024,
    recordOnLive: e.RECORD_ON_LIVE === 'true',
    lowLatencyHls: e.LL_HLS === 'true',
    hlsPartSeconds: e.LL_HLS_PART_MS / 1000,
    hlsFps: e.HLS_FPS,
    turn: { urls: e.TURN_URLS, secret: e.TURN_SECRET, credentialTtlS: e.TURN_CREDENTIAL_TTL_S },
    tokenSecret: { current: e.TOKEN_SECRET, previous: e.TOKEN_SECRET_PREVIOUS },
    accessTokenTtlS: e.ACCESS_TOKEN_TTL_S,
    primaryHostGraceMs: e.PRIMARY_HOST_GRACE_S * 1000,
    joinRequestTtlMs: e.JOIN_REQUEST_TTL_S * 1000,
    battleTimeScale: e.BATTLE_TIME_SCALE,
    shopTimeScale: e.SHOP_TIME_SCALE,
    mesh: { maxHosts: e.MESH_MAX_HOSTS, returnDelayMs: e.MESH_RETURN_DELAY_MS },
    pauseVideoOnCongestion: e.VIDEO_PAUSE_ON_CONGESTION === 'true',
    chat,
  };
}

/** `PORT=` (set but empty) means "use the default", as most tools treat it. */
function withoutEmptyValues(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== ''),
  );
}

function toConfigError(error: z.ZodError, env: NodeJS.ProcessEnv): ConfigError {
  const issue = error.issues[0];
  const variable = String(issue?.path[0] ?? 'environment');
  const given = env[variable];
  // Secrets are never echoed back, even in an error.
  const shown =
    given === undefined || /SECRET|DATABASE_URL|REDIS_URL/.test(variable) ? '' : ` (got ${JSON.stringify(given)})`;
  return new ConfigError(variable, `${issue?.message ?? 'is invalid'}${shown}`);
}

/** For entry points: the config, or one line naming the bad variable and exit 1. */
export function loadConfigOrExit(env: NodeJS.ProcessEnv = process.env): Config {
  try {
    return loadConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`stagecast: invalid configuration: ${error.message}\n`);
    process.exit(1);
  }
}
