import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { resolveFfmpeg } from './ffmpegBinary.ts';
import { decoderCodecs, ffmpegReadableRtpCodecs, parseFfmpegVersion, readableRtpCodecs } from './ffmpegRtpCodecs.ts';

const decodersOutput = [
  'Decoders:',
  ' V..... = Video',
  ' ------',
  ' VFS..D h264                 H.264 / AVC / MPEG-4 AVC / MPEG-4 part 10',
  ' V..... libdav1d             dav1d AV1 decoder by VideoLAN (codec av1)',
  ' VFS..D vp8                  On2 VP8',
  ' A....D opus                 Opus',
  ' A....D g722                 G.722 ADPCM (codec adpcm_g722)',
].join('\n');

test('decoders are read by the codec they handle', () => {
  assert.equal([...decoderCodecs(decodersOutput)].sort(), ['adpcm_g722', 'av1', 'h264', 'opus', 'vp8']);
});

test('versions: releases are numbered, git snapshots are not', () => {
  assert.equal(parseFfmpegVersion('ffmpeg version 5.1.9-0+deb12u1 Copyright (c) 2000-2026'), [5, 1]);
  assert.equal(parseFfmpegVersion('ffmpeg version n8.0 Copyright'), [8, 0]);
  assert.is(parseFfmpegVersion('ffmpeg version N-113406-g0a5813fc68 Copyright'), undefined);
});

test('a codec needs both a depacketizer in that release and a decoder in that build', () => {
  const decodable = decoderCodecs(decodersOutput);
  const old = readableRtpCodecs([5, 1], decodable);
  assert.ok(old.has('video/vp8') && old.has('video/h264') && old.has('audio/opus') && old.has('audio/g722'));
  assert.not.ok(old.has('video/av1'), 'no AV1 depacketizer before FFmpeg 8.0');
  assert.not.ok(old.has('video/vp9'), 'no VP9 decoder in this build');
  assert.ok(readableRtpCodecs([8, 0], decodable).has('video/av1'));
  assert.not.ok(readableRtpCodecs(undefined, decodable).has('video/av1'), 'unknown release: only the old ones');
  assert.not.ok(old.has('audio/multiopus') || old.has('audio/silk'), 'never depacketized');
});

test('the installed FFmpeg reads what browsers publish to a Stagecast room', async () => {
  const readable = await ffmpegReadableRtpCodecs(resolveFfmpeg());
  for (const mimeType of ['video/vp8', 'video/h264', 'audio/opus']) assert.ok(readable.has(mimeType), mimeType);
  assert.is(await ffmpegReadableRtpCodecs(resolveFfmpeg()), readable, 'asked once per binary');
});

test.run();
