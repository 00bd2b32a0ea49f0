// Minted TURN credentials against a REAL coturn: a TURN Allocate request
// (RFC 5766) over UDP, written here so the outcome is exact — a success
// response with a relayed address, or an error response with its code.
import { createHash, createHmac, randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startCoturn, type Coturn } from '../../testkit/coturn.ts';
import type { Config } from '../config/config.ts';
import type { IceServer } from '../protocol/index.ts';
import { mintIceServers } from './turnCredentials.ts';

const MAGIC_COOKIE = 0x2112a442;
const ALLOCATE_REQUEST = 0x0003;
const ALLOCATE_SUCCESS = 0x0103;
const ALLOCATE_ERROR = 0x0113;
const ATTR = {
  USERNAME: 0x0006,
  MESSAGE_INTEGRITY: 0x0008,
  ERROR_CODE: 0x0009,
  REALM: 0x0014,
  NONCE: 0x0015,
  XOR_RELAYED_ADDRESS: 0x0016,
  REQUESTED_TRANSPORT: 0x0019,
} as const;
const UDP_TRANSPORT = Buffer.from([17, 0, 0, 0]);

interface StunMessage {
  type: number;
  transactionId: Buffer;
  attributes: Map<number, Buffer>;
  raw: Buffer;
}

type AllocateOutcome =
  { ok: true; relayedAddress: string; relayedPort: number } | { ok: false; errorCode: number; reason: string };

function attribute(type: number, value: Buffer): Buffer {
  const header = Buffer.alloc(4);
  header.writeUInt16BE(type, 0);
  header.writeUInt16BE(value.length, 2);
  const padding = Buffer.alloc((4 - (value.length % 4)) % 4);
  return Buffer.concat([header, value, padding]);
}

/** A STUN message; with `integrityKey`, MESSAGE-INTEGRITY is appended (RFC 5389 §15.4). */
function encode(type: number, transactionId: Buffer, attributes: Buffer[], integrityKey?: Buffer): Buffer {
  const body = Buffer.concat(attributes);
  const header = Buffer.alloc(20);
  header.writeUInt16BE(type, 0);
  // The HMAC covers a header whose length already counts the 24-byte MESSAGE-INTEGRITY attribute.
  header.writeUInt16BE(body.length + (integrityKey ? 24 : 0), 2);
  header.writeUInt32BE(MAGIC_COOKIE, 4);
  transactionId.copy(header, 8);
  const message = Buffer.concat([header, body]);
  if (!integrityKey) return message;
  const hmac = createHmac('sha1', integrityKey).update(message).digest();
  return Buffer.concat([message, attribute(ATTR.MESSAGE_INTEGRITY, hmac)]);
}

function decode(raw: Buffer): StunMessage {
  const attributes = new Map<number, Buffer>();
  for (let offset = 20; offset + 4 <= raw.length;) {
    const type = raw.readUInt16BE(offset);
    const length = raw.readUInt16BE(offset + 2);
    // Attributes after MESSAGE-INTEGRITY (only FINGERPRINT) are not covered by it: keep the first of each.
    if (!attributes.has(type)) attributes.set(type, raw.subarray(offset + 4, offset + 4 + length));
    offset += 4 + length + ((4 - (length % 4)) % 4);
  }
  return { type: raw.readUInt16BE(0), transactionId: raw.subarray(8, 20), attributes, raw };
}

/** Checks a response's MESSAGE-INTEGRITY: proves coturn derived the same long-term key as we did. */
function integrityMatches(message: StunMessage, key: Buffer): boolean {
  const received = message.attributes.get(ATTR.MESSAGE_INTEGRITY);
  if (!received) return false;
  const integrityStart = received.byteOffset - message.raw.byteOffset - 4;
  const covered = Buffer.from(message.raw.subarray(0, integrityStart));
  covered.writeUInt16BE(integrityStart + 24 - 20, 2);
  return createHmac('sha1', key).update(covered).digest().equals(received);
}

/** Sends a request and waits for its response, retransmitting a bounded number of times. */
async function transact(socket: dgram.Socket, port: number, request: Buffer): Promise<StunMessage> {
  const transactionId = request.subarray(8, 20);
  for (let attempt = 0; attempt < 4; attempt++) {
    const response = await new Promise<StunMessage | undefined>((resolve) => {
      const onMessage = (raw: Buffer) => {
        if (raw.length < 20 || !raw.subarray(8, 20).equals(transactionId)) return;
        done(decode(raw));
      };
      const timer = setTimeout(() => done(undefined), 500);
      const done = (message: StunMessage | undefined) => {
        clearTimeout(timer);
        socket.off('message', onMessage);
        resolve(message);
      };
      socket.on('message', onMessage);
      socket.send(request, port, '127.0.0.1');
    });
    if (response) return response;
  }
  throw new Error(`no answer from 127.0.0.1:${port}`);
}

/**
 * The long-term credential flow a browser runs with an iceServers entry: an
 * unauthenticated Allocate, coturn's 401 challenge (REALM + NONCE), then the
 * Allocate signed with MD5(username:realm:password).
 */
async function allocate(port: number, iceServer: IceServer): Promise<AllocateOutcome> {
  // A fresh socket per attempt: one 5-tuple holds at most one allocation.
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  try {
    const challenge = await transact(
      socket,
      port,
      encode(ALLOCATE_REQUEST, randomBytes(12), [attribute(ATTR.REQUESTED_TRANSPORT, UDP_TRANSPORT)]),
    );
    const realm = challenge.attributes.get(ATTR.REALM);
    const nonce = challenge.attributes.get(ATTR.NONCE);
    assert.is(errorCode(challenge), 401, 'an unauthenticated Allocate is challenged');
    assert.ok(realm && nonce, 'the challenge carries REALM and NONCE');

    const key = createHash('md5').update(`${iceServer.username}:${realm.toString()}:${iceServer.credential}`).digest();
    const attributes = [
      attribute(ATTR.USERNAME, Buffer.from(iceServer.username)),
      attribute(ATTR.REALM, realm),
      attribute(ATTR.NONCE, nonce),
      attribute(ATTR.REQUESTED_TRANSPORT, UDP_TRANSPORT),
    ];
    const response = await transact(socket, port, encode(ALLOCATE_REQUEST, randomBytes(12), attributes, key));
    if (response.type === ALLOCATE_ERROR) {
      const value = response.attributes.get(ATTR.ERROR_CODE);
      return { ok: false, errorCode: errorCode(response), reason: value?.subarray(4).toString() ?? '' };
    }
    assert.is(response.type, ALLOCATE_SUCCESS, `unexpected response type 0x${response.type.toString(16)}`);
    assert.ok(integrityMatches(response, key), 'the success response is signed with our key');
    const relayed = response.attributes.get(ATTR.XOR_RELAYED_ADDRESS);
    assert.ok(relayed && relayed[1] === 0x01, 'an IPv4 XOR-RELAYED-ADDRESS');
    const relayedPort = relayed.readUInt16BE(2) ^ (MAGIC_COOKIE >>> 16);
    const address = (relayed.readUInt32BE(4) ^ MAGIC_COOKIE) >>> 0;
    const relayedAddress = [24, 16, 8, 0].map((shift) => (address >>> shift) & 0xff).join('.');
    return { ok: true, relayedAddress, relayedPort };
  } finally {
    socket.close();
  }
}

function errorCode(message: StunMessage): number {
  const value = message.attributes.get(ATTR.ERROR_CODE);
  return value ? (value[2]! & 0x07) * 100 + value[3]! : 0;
}

let coturn: Coturn;
let turn: Config['turn'];

test.before(async () => {
  coturn = await startCoturn();
  turn = { urls: coturn.urls, secret: coturn.secret, credentialTtlS: 600 };
});
test.after(async () => {
  await coturn?.stop();
});

function mintOne(config: Config['turn'], userId: string, nowMs: number): IceServer {
  const [server] = mintIceServers(config, userId, nowMs);
  assert.ok(server, 'one ICE server is minted');
  return server;
}

test('fresh credentials: coturn allocates a relay on loopback', async () => {
  const outcome = await allocate(coturn.port, mintOne(turn, 'alice', Date.now()));
  assert.ok(outcome.ok, `refused: ${JSON.stringify(outcome)}`);
  assert.is(outcome.relayedAddress, '127.0.0.1');
  assert.ok(outcome.relayedPort >= coturn.relayPorts.min && outcome.relayedPort <= coturn.relayPorts.max);
});

test('expired credentials (expiry a minute ago) are refused with 401', async () => {
  const mintedLongAgo = Date.now() - (turn.credentialTtlS + 60) * 1000;
  const outcome = await allocate(coturn.port, mintOne(turn, 'alice', mintedLongAgo));
  assert.equal(outcome.ok ? outcome : outcome.errorCode, 401);
});

test('credentials signed with another secret are refused with 401', async () => {
  const otherSecret = { ...turn, secret: 'not-the-coturn-secret-0123456789' };
  const outcome = await allocate(coturn.port, mintOne(otherSecret, 'alice', Date.now()));
  assert.equal(outcome.ok ? outcome : outcome.errorCode, 401);
});

test("a credential is bound to its username: alice's password does not work for mallory", async () => {
  const alice = mintOne(turn, 'alice', Date.now());
  const forged = { ...alice, username: alice.username.replace('alice', 'mallory') };
  const outcome = await allocate(coturn.port, forged);
  assert.equal(outcome.ok ? outcome : outcome.errorCode, 401);
});

test.run();
