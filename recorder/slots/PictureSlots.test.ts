// The picture slots' bookkeeping with the real FFmpeg making the frames and
// a relay that records what it was given: a picture's overlay goes on only
// after its frame went to the slot, a replaced logo is moved to its new
// width, a removed picture's overlay goes off before its slot goes back to
// the placeholder, and a file that cannot be shown leaves nothing on.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { colourPng } from '../../testkit/pictureFiles.ts';
import { waitFor } from '../../testkit/waitFor.ts';
import { PICTURE_SETTLE_MS, PictureSlots } from './PictureSlots.ts';
import type { PicturesShown } from './slotGraph.ts';
import type { SlotRelay } from './SlotRelay.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stagecast-picture-slots-'));
test.after(() => fs.rmSync(dir, { recursive: true, force: true }));
const PLACEHOLDER = [Buffer.from([0x10, 1, 2, 3])];
const files: Record<string, Buffer | string> = {
  '/wide.png': colourPng('ffeb3b', 200, 50),
  '/square.png': colourPng('ffeb3b', 100, 100),
  '/broken.png': 'not a picture',
};
for (const [name, bytes] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), bytes);

/** Slots with a recording relay: each filler change as [slot, packets, at], each overlay change as `shown`. */
function slots() {
  const fillers: { slot: number; payloads: readonly Buffer[]; atMs: number }[] = [];
  const changes: { shown: PicturesShown; atMs: number }[] = [];
  const relay = {
    setFiller: (slot: number, payloads: readonly Buffer[]) => fillers.push({ slot, payloads, atMs: performance.now() }),
  } as unknown as SlotRelay;
  const pictures: PictureSlots = new PictureSlots({
    relay,
    slots: { logo: 10, backdrop: 11 },
    canvas: { width: 1280, height: 720 },
    placeholder: PLACEHOLDER,
    fileOf: (url) => (url in files ? path.join(dir, url) : undefined),
    onShownChange: () => changes.push({ shown: pictures.shown, atMs: performance.now() }),
    logger: pino({ level: 'silent' }),
  });
  return { pictures, fillers, changes };
}

test('a logo goes on after its frame went out, moves to a new width, and goes off before its slot empties', async () => {
  const { pictures, fillers, changes } = slots();
  pictures.want({ logo: '/wide.png', backdrop: null });
  await waitFor('the logo on', () => changes.at(-1)?.shown.logo || undefined, 10_000, 20);
  assert.is(fillers.length, 1);
  assert.is(fillers[0]!.slot, 10);
  assert.ok(changes[0]!.atMs - fillers[0]!.atMs >= PICTURE_SETTLE_MS - 5, 'on once the frame has had time to arrive');
  assert.is(changes[0]!.shown.logoWidth, 204, 'as wide as its box');

  pictures.want({ logo: '/square.png', backdrop: null });
  await waitFor('the new logo placed', () => (changes.at(-1)?.shown.logoWidth === 116 ? true : undefined), 10_000, 20);
  assert.ok(
    changes.every((change) => change.shown.logo),
    'the overlay stayed on through the swap',
  );

  pictures.want({ logo: null, backdrop: null });
  assert.is(changes.at(-1)!.shown.logo, false, 'off at once');
  await waitFor('the placeholder back', () => (fillers.at(-1)?.payloads === PLACEHOLDER ? true : undefined), 2000, 20);
  pictures.close();
});

test('a picture that cannot be shown (not a picture, not a stored file) leaves its overlay off; the other shows', async () => {
  const { pictures, changes } = slots();
  pictures.want({ logo: '/broken.png', backdrop: '/wide.png' });
  await waitFor('the backdrop on', () => changes.at(-1)?.shown.backdrop || undefined, 10_000, 20);
  pictures.want({ logo: '/elsewhere.png', backdrop: '/wide.png' });
  await new Promise((resolve) => setTimeout(resolve, PICTURE_SETTLE_MS * 2));
  assert.ok(
    changes.every((change) => !change.shown.logo),
    'the logo never went on',
  );
  pictures.close();
});

test.run();
