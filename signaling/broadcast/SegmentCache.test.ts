import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SegmentCache } from './SegmentCache.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'segment-cache-'));
async function readError(cache: SegmentCache, file: string): Promise<string | undefined> {
  try {
    await cache.read(file);
    return undefined;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code;
  }
}

const write = (name: string, size: number) => {
  const file = path.join(dir, name);
  fs.writeFileSync(file, Buffer.alloc(size, name.charCodeAt(0)));
  return file;
};

test('serves a file from memory after the first read, even once the disk copy is gone', async () => {
  const cache = new SegmentCache(1000);
  const file = write('a', 100);
  const [first, concurrent] = await Promise.all([cache.read(file), cache.read(file)]);
  assert.is(first, concurrent, 'one read for concurrent requests');
  fs.rmSync(file);
  assert.is((await cache.read(file)).length, 100);
  assert.is(cache.bytes, 100);
});

test('keeps within its capacity, dropping the least recently used', async () => {
  const cache = new SegmentCache(250);
  const [a, b, c] = [write('b1', 100), write('b2', 100), write('b3', 100)];
  await cache.read(a);
  await cache.read(b);
  await cache.read(a); // a is now the most recent
  await cache.read(c);
  assert.is(cache.bytes, 200);
  fs.rmSync(b);
  assert.is(await readError(cache, b), 'ENOENT', 'b was dropped');
  assert.is((await cache.read(a)).length, 100, 'a stayed');
});

test('a missing file is not remembered as missing', async () => {
  const cache = new SegmentCache();
  const file = path.join(dir, 'later');
  assert.is(await readError(cache, file), 'ENOENT');
  write('later', 10);
  assert.is((await cache.read(file)).length, 10);
});

test.after(() => fs.rmSync(dir, { recursive: true, force: true }));
test.run();
