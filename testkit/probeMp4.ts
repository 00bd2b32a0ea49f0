// ffprobe on MP4 bytes (an init section followed by media), as a player would
// read them: the streams it finds and the frames it can decode.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface ProbedStream {
  codec_type: string;
  codec_name: string;
  width?: number;
  height?: number;
  nb_read_frames: string;
}

export async function probeMp4(bytes: Buffer): Promise<ProbedStream[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stagecast-probe-'));
  const file = path.join(dir, 'media.mp4');
  try {
    fs.writeFileSync(file, bytes);
    const { stdout } = await run('ffprobe', [
      ...['-v', 'error', '-count_frames', '-show_entries', 'stream=codec_type,codec_name,width,height,nb_read_frames'],
      ...['-of', 'json', file],
    ]);
    return (JSON.parse(stdout) as { streams: ProbedStream[] }).streams;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Decoded video frames in `bytes` (0 when there is no video). */
export async function videoFramesIn(bytes: Buffer): Promise<number> {
  const video = (await probeMp4(bytes)).find((stream) => stream.codec_type === 'video');
  return Number(video?.nb_read_frames ?? 0);
}
