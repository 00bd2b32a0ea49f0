import { createHmac } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AppError } from '../errors.ts';
import { mintIceServers } from './turnCredentials.ts';

const turn = {
  urls: ['turn:turn.example.com:3478?transport=udp', 'turn:turn.example.com:3478?transport=tcp'],
  secret: 'stagecast-test-secret',
  credentialTtlS: 3600,
};
// 2023-11-14T22:13:20.500Z: the fraction of a second must not leak into the expiry.
const nowMs = 1_700_000_000_500;

function mintOne(userId = 'alice', config = turn) {
  const servers = mintIceServers(config, userId, nowMs);
  assert.is(servers.length, 1);
  return servers[0]!;
}

test('username is `expiry:userId` with expiry = now (whole seconds) + ttl', () => {
  const server = mintOne();
  assert.is(server.username, '1700003600:alice');
  assert.is(mintOne('bob', { ...turn, credentialTtlS: 60 }).username, '1700000060:bob');
});

test('credential is base64(HMAC-SHA1(secret, username))', () => {
  const server = mintOne();
  const expected = createHmac('sha1', turn.secret).update(server.username).digest('base64');
  assert.is(server.credential, expected);
  // Fixed vector from `openssl dgst -sha1 -hmac stagecast-test-secret -binary | base64`.
  assert.is(server.credential, '2PnfJ/rHSymDGEmAOkoTAYBNDq8=');
});

test('every configured URL is handed out with the one credential, in a copy', () => {
  const server = mintOne();
  assert.equal(server.urls, turn.urls);
  assert.is.not(server.urls, turn.urls);
});

test('no TURN URLs configured: no ICE servers (secret or not)', () => {
  assert.equal(mintIceServers({ urls: [], secret: undefined, credentialTtlS: 3600 }, 'alice', nowMs), []);
  assert.equal(mintIceServers({ ...turn, urls: [] }, 'alice', nowMs), []);
});

test('a user id with ":" or an empty one is rejected, not rewritten', () => {
  for (const userId of ['a:b', ':', '']) {
    try {
      mintIceServers(turn, userId, nowMs);
      assert.unreachable(`accepted ${JSON.stringify(userId)}`);
    } catch (error) {
      assert.instance(error, AppError);
      assert.is((error as AppError).code, 'INVALID_INPUT');
    }
  }
});

test('URLs without a secret is a configuration bug and throws', () => {
  assert.throws(() => mintIceServers({ ...turn, secret: undefined }, 'alice', nowMs), /TURN_SECRET is required/);
});

test.run();
