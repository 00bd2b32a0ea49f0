import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ConfigError } from './ConfigError.ts';
import { loadConfig } from './config.ts';

const repoRoot = path.resolve(import.meta.dirname, '../..');

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`expected a ConfigError for ${JSON.stringify(env)}`);
}

test('defaults give a runnable single-node config', () => {
  const config = loadConfig({}, '/srv/stagecast');
  assert.is(config.http.port, 3000);
  assert.ok(config.mediasoup.workerCount >= 1);
  assert.is(config.databaseUrl, 'file:/srv/stagecast/data/stagecast.db');
  assert.is(config.mediaDir, '/srv/stagecast/data/media');
  assert.is(config.redisUrl, undefined);
  assert.is(config.hlsFps, 30);
});

test('values are parsed and typed', () => {
  const config = loadConfig({
    PORT: '8080',
    MEDIASOUP_WORKERS: '3',
    TURN_URLS: 'turn:a:3478, turns:b:5349',
    TURN_SECRET: 'x'.repeat(32),
    HLS_FPS: '15',
  });
  assert.is(config.http.port, 8080);
  assert.is(config.hlsFps, 15);
  assert.is(config.mediasoup.workerCount, 3);
  assert.equal(config.turn.urls, ['turn:a:3478', 'turns:b:5349']);
});

test('a bad PORT names the variable and the value', () => {
  const error = configError({ PORT: 'eighty' });
  assert.is(error.variable, 'PORT');
  assert.match(error.message, /^PORT must be a number \(got "eighty"\)$/);
  assert.is(configError({ PORT: '70000' }).message, 'PORT must be between 0 and 65535 (got "70000")');
});

test('a bad worker count names MEDIASOUP_WORKERS', () => {
  assert.is(configError({ MEDIASOUP_WORKERS: '0' }).message, 'MEDIASOUP_WORKERS must be between 1 and 64 (got "0")');
  assert.is(configError({ MEDIASOUP_WORKERS: '1.5' }).variable, 'MEDIASOUP_WORKERS');
  assert.is(configError({ HLS_FPS: '120' }).message, 'HLS_FPS must be between 10 and 60 (got "120")');
});

test('cross-field rules and secrets', () => {
  assert.is(configError({ RTC_MIN_PORT: '5000', RTC_MAX_PORT: '4000' }).variable, 'RTC_MIN_PORT');
  assert.is(configError({ TURN_URLS: 'turn:a:3478' }).message, 'TURN_SECRET is required when TURN_URLS is set');
  // A secret is never echoed back.
  assert.is(configError({ TURN_SECRET: 'short' }).message, 'TURN_SECRET must be at least 16 characters');
  assert.is(configError({ DATABASE_URL: 'mysql://u:pw@h/db' }).message.includes('pw'), false);
});

test('cluster mode (REDIS_URL) needs PostgreSQL; a node has an id and, optionally, a URL', () => {
  const onSqlite = configError({ REDIS_URL: 'redis://127.0.0.1:6379' });
  assert.is(onSqlite.variable, 'DATABASE_URL');
  assert.match(onSqlite.message, /must be a postgresql:\/\/ URL in cluster mode/);
  const clustered = loadConfig({
    REDIS_URL: 'redis://127.0.0.1:6379',
    DATABASE_URL: 'postgresql://stagecast@db/stagecast',
    NODE_ID: 'eu-1',
    NODE_URL: 'http://10.0.0.7:3000/',
  });
  assert.equal(clustered.node, { id: 'eu-1', url: 'http://10.0.0.7:3000' });
  assert.match(loadConfig({}).node.id, /-[0-9a-f]{6}$/);
  assert.is(configError({ NODE_ID: 'no spaces' }).variable, 'NODE_ID');
  assert.is(configError({ NODE_URL: 'ftp://x' }).variable, 'NODE_URL');
});

test('TOKEN_SECRET_PREVIOUS is optional, as long as TOKEN_SECRET, and never echoed back', () => {
  assert.equal(loadConfig({}).tokenSecret, { current: undefined, previous: undefined });
  const rotating = loadConfig({ TOKEN_SECRET: 'n'.repeat(32), TOKEN_SECRET_PREVIOUS: 'o'.repeat(32) });
  assert.equal(rotating.tokenSecret, { current: 'n'.repeat(32), previous: 'o'.repeat(32) });
  assert.is(
    configError({ TOKEN_SECRET_PREVIOUS: 'short-old-secret' }).message,
    'TOKEN_SECRET_PREVIOUS must be at least 32 characters',
  );
});

const badValues: [variable: string, value: string][] = [
  ['PORT', 'abc'],
  ['MEDIASOUP_WORKERS', '-2'],
  ['CHAT_BURST', 'lots'],
];
for (const [variable, value] of badValues) {
  test(`npm start with a bad ${variable} exits non-zero with one line`, () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'signaling/main.ts'], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH, [variable]: value },
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.is(result.status, 1);
    const lines = result.stderr.trim().split('\n');
    assert.is(lines.length, 1, `stderr: ${result.stderr}`);
    assert.match(lines[0] ?? '', new RegExp(`^stagecast: invalid configuration: ${variable} `));
    assert.match(lines[0] ?? '', new RegExp(`\\(got "${value}"\\)$`));
  });
}

test.run();
