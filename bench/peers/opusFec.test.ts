// Against real libopus (FFmpeg's): a voice-like tone encoded with in-band FEC
// carries it in most packets, a steady tone without FEC (CELT) in none.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { VOICE_LIKE_TONE } from '../media/clip.ts';
import { readOpusPackets } from '../media/containers.ts';
import { resolveFfmpeg } from '../../recorder/ffmpegBinary.ts';
import { carriesOpusFec, OpusFecRecovery } from './opusFec.ts';

async function encode(source: string, args: string[]): Promise<Buffer[]> {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'stagecast-opus-')), 'audio.ogg');
  await promisify(execFile)(resolveFfmpeg(), [
    ...['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', `${source}:sample_rate=48000:duration=4`],
    ...['-c:a', 'libopus', '-b:a', '32k', '-frame_duration', '20', ...args, '-f', 'ogg', file],
  ]);
  const packets = readOpusPackets(fs.readFileSync(file));
  fs.rmSync(path.dirname(file), { recursive: true });
  return packets;
}

/** The bench clip's voice-like tone with in-band FEC, as `channels` channels. */
const voiceWithFec = (channels: number) =>
  encode(`aevalsrc='${VOICE_LIKE_TONE}'`, [
    '-application',
    'voip',
    '-fec',
    '1',
    '-packet_loss',
    '10',
    '-ac',
    `${channels}`,
  ]);

test('in-band FEC is found where libopus put it, and nowhere else', async () => {
  const withFec = await voiceWithFec(1);
  const stereoWithFec = await voiceWithFec(2);
  const withoutFec = await encode('sine=frequency=440', ['-application', 'voip', '-ac', '2']);
  const share = (packets: Buffer[]) => packets.filter((packet) => carriesOpusFec(packet)).length / packets.length;
  assert.ok(share(withFec) > 0.5, `mono with FEC: ${share(withFec)}`);
  assert.ok(share(stereoWithFec) > 0, `stereo with FEC: ${share(stereoWithFec)}`);
  assert.is(share(withoutFec), 0);
});

test('a lost packet is filled when the next carries FEC; the first of a burst, or a late arrival, is not', async () => {
  const packets = await voiceWithFec(1);
  const fecPacket = packets.find((packet) => carriesOpusFec(packet))!;
  const plainPacket = Buffer.from([31 << 3, 0xff]); // CELT
  const recovery = new OpusFecRecovery();
  recovery.onPacket(10, fecPacket, [9]);
  assert.is(recovery.recovered, 1, '9 is in 10');
  recovery.onPacket(13, fecPacket, [11, 12]);
  assert.is(recovery.recovered, 2, 'only 12 of the burst 11–12');
  recovery.onPacket(12, plainPacket, []);
  assert.is(recovery.recovered, 1, '12 arrived after all');
  recovery.onPacket(15, plainPacket, [14]);
  assert.is(recovery.recovered, 1, 'no FEC in 15');
  assert.is(recovery.packetsWithFec, 2);
});

test.run();
