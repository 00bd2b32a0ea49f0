// The environment variables Stagecast reads, with their defaults and rules.
// One schema: `loadConfig` validates it at start, README documents it.
import {
  JOIN_REQUEST_TTL_MS,
  MAX_HOSTS,
  MESH_MAX_HOSTS_DEFAULT,
  MESH_RETURN_DELAY_MS_DEFAULT,
} from '../protocol/multihost.ts';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { DEFAULT_MEDIA_SOCKET_BUFFER_BYTES } from '../../sfu/mediaSocketBuffers.ts';

/** An integer from an environment string, within [min, max]. */
function integer(min: number, max: number, range = `between ${min} and ${max}`) {
  return z.coerce
    .number({ error: 'must be a number' })
    .int('must be an integer')
    .min(min, `must be ${range}`)
    .max(max, `must be ${range}`);
}

const port = integer(1, 65535);
/** Port that may be 0, meaning "let the OS pick" (tests use it). */
const portOrZero = integer(0, 65535);

const ipAddress = z.union([z.ipv4(), z.ipv6()], { error: 'must be an IPv4 or IPv6 address' });

/** Comma-separated list; empty string means an empty list. */
const commaList = z.string().transform((value) =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean),
);

const turnUrl = z.string().regex(/^turns?:[^\s]+$/, 'each entry must be a turn: or turns: URI');

export const envSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    /** HTTP + Socket.io port. */
    PORT: portOrZero.default(3000),
    /** Address the HTTP server binds to. */
    HOST: ipAddress.default('0.0.0.0'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

    /** Number of mediasoup workers (one per core by default). */
    MEDIASOUP_WORKERS: integer(1, 64).default(Math.max(1, os.availableParallelism())),
    /** Path of a mediasoup-worker binary; default: the one inside node_modules/mediasoup. */
    MEDIASOUP_WORKER_BIN: z.string().min(1).optional(),
    MEDIASOUP_LOG_LEVEL: z.enum(['debug', 'warn', 'error', 'none']).default('warn'),
    /** IP the media sockets listen on. */
    RTC_LISTEN_IP: ipAddress.default('127.0.0.1'),
    /** Address given to clients in ICE candidates (public IP or hostname behind NAT). */
    ANNOUNCED_IP: z.string().min(1).optional(),
    /** WebRtcServer of worker i listens on UDP and TCP port RTC_SERVER_PORT + i (0: OS-assigned). */
    RTC_SERVER_PORT: portOrZero.default(44444),
    /** Receive/send buffer of each worker's media sockets (capped by net.core.rmem_max); 0 = OS default. */
    RTC_SOCKET_BUFFER_BYTES: integer(0, 64 * 1024 * 1024).default(DEFAULT_MEDIA_SOCKET_BUFFER_BYTES),
    /** Port range for PlainTransports (recorder) and PipeTransports (battles). */
    RTC_MIN_PORT: port.default(40000),
    RTC_MAX_PORT: port.default(40999),

    /** Folder for the embedded database and media (HLS, recordings). */
    DATA_DIR: z.string().min(1).default('data'),
    /** Default: SQLite file in DATA_DIR. postgresql://… switches to PostgreSQL. */
    DATABASE_URL: z
      .string()
      .regex(/^(file:|postgres(ql)?:\/\/)/, 'must start with file: or postgresql://')
      .optional(),
    /**
     * Unset: a single node, its state in memory. Set: cluster mode
     * (docs/scale-out.md): this node joins the nodes registered in that Redis,
     * which also needs DATABASE_URL on PostgreSQL.
     */
    REDIS_URL: z
      .string()
      .regex(/^rediss?:\/\//, 'must start with redis:// or rediss://')
      .optional(),
    /** Cluster mode: this node's name among the others. Default: the host name and a random suffix. */
    NODE_ID: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be 1–64 letters, digits, dots, dashes or underscores')
      .optional(),
    /**
     * Cluster mode: where the other nodes reach this one over HTTP (requests
     * for sessions this node owns, HLS). Default: http://HOST:PORT, with the
     * host name when HOST is a wildcard.
     */
    NODE_URL: z
      .url({ error: 'must be an http:// URL' })
      .regex(/^https?:\/\//, 'must be an http:// URL')
      .optional(),
    /** Where live HLS segments and VOD recordings are written. Default: DATA_DIR/media. */
    MEDIA_DIR: z.string().min(1).optional(),
    /** Going live is refused when MEDIA_DIR has less free space than this (MiB). */
    MIN_FREE_DISK_MB: integer(0, 100_000_000).default(1024),
    /** Going live also starts a VOD recording (the primary host can stop and restart it). */
    RECORD_ON_LIVE: z.enum(['true', 'false'], { error: 'must be true or false' }).default('true'),
    /** Offer audiences low-latency HLS (parts, blocking reload); plain HLS is served either way. */
    LL_HLS: z.enum(['true', 'false'], { error: 'must be true or false' }).default('true'),
    /** Length of a low-latency part (ms), rounded to whole frames. */
    LL_HLS_PART_MS: integer(100, 1000).default(200),
    /**
     * Frame rate of the broadcast (HLS and VOD). The compositor's cost is about
     * proportional to it: a small machine running several live sessions at
     * once can broadcast at 15 or 24.
     */
    HLS_FPS: integer(10, 60).default(30),

    /** Signs identity tokens. Default: a random secret kept in DATA_DIR/token-secret. */
    TOKEN_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
    /** During a secret rotation: the secret being replaced; tokens it signed stay valid while it is set. */
    TOKEN_SECRET_PREVIOUS: z.string().min(32, 'must be at least 32 characters').optional(),
    /** Pause a viewer's least important videos when not even their lowest layer fits the link (audio stays). */
    VIDEO_PAUSE_ON_CONGESTION: z.enum(['true', 'false'], { error: 'must be true or false' }).default('true'),
    /**
     * Which proxies in front of the node to believe about the client's address
     * (X-Forwarded-For), as Express's `trust proxy`: a hop count (`1`),
     * `loopback`, or comma-separated addresses/subnets. Unset: none, the
     * socket's address is the client's (behind a proxy, every client would
     * share the proxy's address and its rate limits).
     */
    TRUST_PROXY: z
      .string()
      .trim()
      .regex(/^[0-9a-fA-F.:/, ]+$|^(loopback|linklocal|uniquelocal)$/, 'must be a hop count, loopback, or addresses')
      .optional(),
    /** Origins (scheme://host[:port]) allowed to call the API and Socket.io from other sites. Default: none. */
    CORS_ORIGINS: commaList.pipe(z.array(z.url({ error: 'each entry must be an origin URL' }))).default([]),
    /** Session grace period: how long the session waits for a primary host who dropped (reload). */
    PRIMARY_HOST_GRACE_S: integer(0, 600).default(20),

    /** How long a request to join as host waits for the primary host's answer before it expires. */
    JOIN_REQUEST_TTL_S: integer(1, 86400).default(JOIN_REQUEST_TTL_MS / 1000),

    /**
     * Battles' clocks (invitation, countdown, duration, result) run this many
     * times faster: for tests and the bench only (a 1-minute battle in 3 s at
     * 20). Pushes still carry the real instants. Default 1.
     */
    BATTLE_TIME_SCALE: integer(1, 100).default(1),
    SHOP_TIME_SCALE: integer(1, 100).default(1),

    /**
     * Rooms with at most this many hosts that are not live run peer to peer
     * (no media on the server); 0 turns the mesh off (docs/mesh.md).
     */
    MESH_MAX_HOSTS: integer(0, MAX_HOSTS).default(MESH_MAX_HOSTS_DEFAULT),
    /** A room that fits a mesh again returns to it after this long (a reload does not flap). */
    MESH_RETURN_DELAY_MS: integer(0, 600_000).default(MESH_RETURN_DELAY_MS_DEFAULT),

    /** TURN servers handed to clients, e.g. turn:turn.example.com:3478?transport=udp */
    TURN_URLS: commaList.pipe(z.array(turnUrl)).default([]),
    /** Shared secret with coturn (use-auth-secret) for short-lived REST credentials. */
    TURN_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
    /** Lifetime of minted TURN credentials. */
    TURN_CREDENTIAL_TTL_S: integer(60, 86400).default(3600),
    /** Lifetime of an account's access token; the web app renews it from the refresh cookie before it runs out. */
    ACCESS_TOKEN_TTL_S: integer(5, 86400).default(900),
  })
  .superRefine((env, ctx) => {
    if (env.RTC_MIN_PORT > env.RTC_MAX_PORT) {
      ctx.addIssue({ code: 'custom', path: ['RTC_MIN_PORT'], message: 'must not exceed RTC_MAX_PORT' });
    }
    if (env.REDIS_URL && !/^postgres(ql)?:\/\//.test(env.DATABASE_URL ?? '')) {
      ctx.addIssue({
        code: 'custom',
        path: ['DATABASE_URL'],
        message: 'must be a postgresql:// URL in cluster mode (REDIS_URL is set): every node shares one database',
      });
    }
    if (env.TURN_URLS.length > 0 && !env.TURN_SECRET) {
      ctx.addIssue({ code: 'custom', path: ['TURN_SECRET'], message: 'is required when TURN_URLS is set' });
    }
  });

export type Env = z.infer<typeof envSchema>;

/** Derives the absolute paths that depend on DATA_DIR. */
export function resolveDataPaths(env: Env, cwd: string) {
  const dataDir = path.resolve(cwd, env.DATA_DIR);
  return {
    dataDir,
    databaseUrl: env.DATABASE_URL ?? `file:${path.join(dataDir, 'stagecast.db')}`,
    mediaDir: path.resolve(cwd, env.MEDIA_DIR ?? path.join(dataDir, 'media')),
  };
}
