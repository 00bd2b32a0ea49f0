import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { hashPassword, needsRehash, verifyPassword } from './passwordHash.ts';

/** Cheap parameters keep the test fast; the format and checks are the same. */
const cheap = { log2N: 10, r: 8, p: 1 };

test('a hash verifies its password only, and names its parameters', async () => {
  const stored = await hashPassword('correct horse', cheap);
  assert.match(stored, /^scrypt\$10\$8\$1\$[\w-]+\$[\w-]+$/);
  assert.ok(await verifyPassword('correct horse', stored));
  assert.not.ok(await verifyPassword('correct horse ', stored));
  assert.not.ok(await verifyPassword('', stored));
});

test('the same password hashes differently each time (salted)', async () => {
  assert.is.not(await hashPassword('same', cheap), await hashPassword('same', cheap));
});

test('equivalent Unicode forms of a password match', async () => {
  const stored = await hashPassword('caf\u00e9 au lait', cheap);
  assert.ok(await verifyPassword('cafe\u0301 au lait', stored));
});

test('malformed or absurd stored hashes never verify (and never exhaust memory)', async () => {
  const good = await hashPassword('pw', cheap);
  const parts = good.split('$');
  for (const stored of [
    '',
    'plain text',
    `bcrypt$${parts.slice(1).join('$')}`,
    ['scrypt', '40', '8', '1', parts[4], parts[5]].join('$'),
    ['scrypt', '20', '32', '16', parts[4], parts[5]].join('$'),
    ['scrypt', '10', '8', '1', '', parts[5]].join('$'),
  ]) {
    assert.not.ok(await verifyPassword('pw', stored), stored);
  }
});

test('hashes with other parameters than the current ones need a rehash', async () => {
  assert.ok(needsRehash(await hashPassword('pw', cheap)));
  assert.not.ok(needsRehash(await hashPassword('pw')));
  assert.ok(needsRehash('garbage'));
});

test.run();
