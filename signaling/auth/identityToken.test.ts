// Identity tokens: guests' tokens keep their shape (no role); accounts' carry
// a role; every token names its key. Anything unsigned, signed with another
// algorithm or key, expired, issued in the future or odd is refused; during a
// rotation the previous secret's tokens are accepted until it is removed.
import { decodeProtectedHeader, SignJWT } from 'jose';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { signIdentityToken, verifyIdentityToken } from './identityToken.ts';
import { keyIdOf, tokenKeys } from './tokenKeys.ts';

const secret = 's'.repeat(43);
const keys = tokenKeys(secret);
const now = Date.UTC(2026, 10, 21);
const nowS = now / 1000;

function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString('utf8')) as Record<
    string,
    unknown
  >;
}

/** A token made by hand: any header, any claims, signed with the current secret. */
function handMade(header: { alg: string; kid?: string }, claims: Record<string, unknown>): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ typ: 'JWT', ...header }).sign(keys.signing.key);
}

const validClaims = { sub: 'u1', name: 'Ann', role: 'user', iat: nowS, exp: nowS + 60 };

test('a guest token has no role claim, names its key, and verifies to an identity without a role', async () => {
  const token = await signIdentityToken({ userId: 'g_abc', displayName: 'Gus' }, keys, 60, now);
  assert.equal(decodeProtectedHeader(token), { alg: 'HS256', typ: 'JWT', kid: keyIdOf(secret) });
  assert.match(keyIdOf(secret), /^[0-9a-f]{8}$/);
  assert.equal(Object.keys(claimsOf(token)).sort(), ['exp', 'iat', 'name', 'sub']);
  assert.equal(await verifyIdentityToken(token, keys, now), { userId: 'g_abc', displayName: 'Gus' });
});

test('an account token carries its role', async () => {
  const token = await signIdentityToken({ userId: 'u1', displayName: 'Ann', role: 'admin' }, keys, 60, now);
  assert.is(claimsOf(token).role, 'admin');
  assert.equal(await verifyIdentityToken(token, keys, now), { userId: 'u1', displayName: 'Ann', role: 'admin' });
});

test('expired tokens are refused, from their exp on', async () => {
  const token = await signIdentityToken({ userId: 'u1', displayName: 'Ann', role: 'user' }, keys, 60, now);
  assert.ok(await verifyIdentityToken(token, keys, now + 59_999));
  assert.is(await verifyIdentityToken(token, keys, now + 60_000), undefined);
});

test('only HS256: unsigned (alg none) and HS512 tokens are refused', async () => {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${encode({ alg: 'none', typ: 'JWT', kid: keys.signing.kid })}.${encode(validClaims)}.`;
  assert.is(await verifyIdentityToken(unsigned, keys, now), undefined, 'alg none');
  const hs512 = await handMade({ alg: 'HS512', kid: keys.signing.kid }, validClaims);
  assert.is(await verifyIdentityToken(hs512, keys, now), undefined, 'HS512');
  const hs256 = await handMade({ alg: 'HS256', kid: keys.signing.kid }, validClaims);
  assert.ok(await verifyIdentityToken(hs256, keys, now), 'the same token as HS256 is fine');
});

test('iat is required and may not lie in the future beyond a few seconds of clock skew', async () => {
  const kid = keys.signing.kid;
  const issuedLater = await signIdentityToken({ userId: 'u1', displayName: 'Ann' }, keys, 3600, now + 60_000);
  assert.is(await verifyIdentityToken(issuedLater, keys, now), undefined, 'issued in a minute');
  const skewed = await signIdentityToken({ userId: 'u1', displayName: 'Ann' }, keys, 3600, now + 3_000);
  assert.ok(await verifyIdentityToken(skewed, keys, now), 'issued 3 s ahead (clock skew)');
  const { iat: _iat, ...withoutIat } = validClaims;
  assert.is(await verifyIdentityToken(await handMade({ alg: 'HS256', kid }, withoutIat), keys, now), undefined);
  const { sub: _sub, ...withoutSub } = validClaims;
  assert.is(await verifyIdentityToken(await handMade({ alg: 'HS256', kid }, withoutSub), keys, now), undefined);
});

test('wrongly signed, tampered, unknown-role and garbage tokens are refused', async () => {
  const token = await signIdentityToken({ userId: 'u1', displayName: 'Ann', role: 'user' }, keys, 60, now);
  const other = tokenKeys('x'.repeat(43));
  assert.is(await verifyIdentityToken(token, other, now), undefined, 'other secret');
  const [header, , signature] = token.split('.');
  const escalated = Buffer.from(JSON.stringify({ ...claimsOf(token), role: 'admin' })).toString('base64url');
  assert.is(await verifyIdentityToken(`${header}.${escalated}.${signature}`, keys, now), undefined, 'tampered');
  // Signed with another secret but naming ours: the signature does not match.
  const [, otherClaims, otherSignature] = (
    await signIdentityToken({ userId: 'u1', displayName: 'A' }, other, 60, now)
  ).split('.');
  assert.is(await verifyIdentityToken(`${header}.${otherClaims}.${otherSignature}`, keys, now), undefined, 'kid swap');
  const odd = await signIdentityToken({ userId: 'u1', displayName: 'Ann', role: 'root' as never }, keys, 60, now);
  assert.is(await verifyIdentityToken(odd, keys, now), undefined, 'unknown role');
  for (const garbage of [undefined, 42, '', 'a.b.c', 'x'.repeat(5000)]) {
    assert.is(await verifyIdentityToken(garbage, keys, now), undefined);
  }
});

test('a token naming an unknown key, or none, is refused', async () => {
  const unknownKid = await handMade({ alg: 'HS256', kid: 'deadbeef' }, validClaims);
  assert.is(await verifyIdentityToken(unknownKid, keys, now), undefined, 'unknown kid');
  const noKid = await handMade({ alg: 'HS256' }, validClaims);
  assert.is(await verifyIdentityToken(noKid, keys, now), undefined, 'no kid');
});

test('rotation: the previous secret verifies its tokens while configured; new tokens use the current one', async () => {
  const oldSecret = 'o'.repeat(43);
  const newSecret = 'n'.repeat(43);
  const before = tokenKeys(oldSecret);
  const during = tokenKeys(newSecret, oldSecret);
  const after = tokenKeys(newSecret);
  const oldToken = await signIdentityToken({ userId: 'u1', displayName: 'Ann' }, before, 600, now);
  assert.equal(await verifyIdentityToken(oldToken, during, now), { userId: 'u1', displayName: 'Ann' });
  assert.is(await verifyIdentityToken(oldToken, after, now), undefined, 'refused once the previous secret is removed');

  const newToken = await signIdentityToken({ userId: 'u1', displayName: 'Ann' }, during, 600, now);
  assert.is(decodeProtectedHeader(newToken).kid, keyIdOf(newSecret));
  assert.ok(await verifyIdentityToken(newToken, after, now));
  assert.is(await verifyIdentityToken(newToken, before, now), undefined, 'a node still on the old secret refuses it');
});

test.run();
