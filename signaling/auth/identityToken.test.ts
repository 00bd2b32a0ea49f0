// Identity tokens: guests' tokens keep their shape (no role); accounts' carry
// a role; anything unsigned, expired or odd is refused.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { signIdentityToken, verifyIdentityToken } from './identityToken.ts';

const secret = 's'.repeat(43);
const now = Date.UTC(2026, 10, 21);

function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString('utf8')) as Record<
    string,
    unknown
  >;
}

test('a guest token has no role claim and verifies to an identity without a role', () => {
  const token = signIdentityToken({ userId: 'g_abc', displayName: 'Gus' }, secret, 60, now);
  assert.equal(Object.keys(claimsOf(token)).sort(), ['exp', 'iat', 'name', 'sub']);
  assert.equal(verifyIdentityToken(token, secret, now), { userId: 'g_abc', displayName: 'Gus' });
});

test('an account token carries its role', () => {
  const token = signIdentityToken({ userId: 'u1', displayName: 'Ann', role: 'admin' }, secret, 60, now);
  assert.is(claimsOf(token).role, 'admin');
  assert.equal(verifyIdentityToken(token, secret, now), { userId: 'u1', displayName: 'Ann', role: 'admin' });
});

test('expired, wrongly signed, tampered and unknown-role tokens are refused', () => {
  const token = signIdentityToken({ userId: 'u1', displayName: 'Ann', role: 'user' }, secret, 60, now);
  assert.is(verifyIdentityToken(token, secret, now + 60_000), undefined, 'expired');
  assert.is(verifyIdentityToken(token, 'x'.repeat(43), now), undefined, 'other secret');
  const [header, , signature] = token.split('.');
  const escalated = Buffer.from(JSON.stringify({ ...claimsOf(token), role: 'admin' })).toString('base64url');
  assert.is(verifyIdentityToken(`${header}.${escalated}.${signature}`, secret, now), undefined, 'tampered');
  const odd = signIdentityToken({ userId: 'u1', displayName: 'Ann', role: 'root' as never }, secret, 60, now);
  assert.is(verifyIdentityToken(odd, secret, now), undefined, 'unknown role');
  for (const garbage of [undefined, 42, '', 'a.b.c', 'x'.repeat(5000)]) {
    assert.is(verifyIdentityToken(garbage, secret, now), undefined);
  }
});

test.run();
