// A host publishes video in a codec FFmpeg cannot read (AV1: FFmpeg has no
// AV1 RTP depacketizer before 8.0, and Debian 12 ships 5.1; the router is
// configured to allow it, as a room could be). The recorder must not hand
// that stream to FFmpeg: the other host is broadcast as usual, the AV1 host's
// tile shows as camera-off, and a typed warning says why.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { types } from 'mediasoup';
import { pino } from 'pino';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { computeLayout } from '../signaling/protocol/layoutGeometry.ts';
import { routerMediaCodecs } from '../sfu/mediaCodecs.ts';
import { startLoopbackWorkerPool } from '../testkit/workerPool.ts';
import { startFfmpegRtpSource, type FfmpegRtpSource } from '../testkit/ffmpegRtpSource.ts';
import { listedSegments } from '../testkit/hlsFiles.ts';
import { resolveFfmpeg } from './ffmpegBinary.ts';
import { ffmpegReadableRtpCodecs } from './ffmpegRtpCodecs.ts';
import { HlsRecorder, type RecorderWarning } from './HlsRecorder.ts';
import { PLACEHOLDER } from './slots/slotGraph.ts';
import { colourDistance, frameColours, rgbOf } from '../testkit/frameColours.ts';

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
test('a camera in a codec FFmpeg cannot read is shown as camera-off, with a warning, and the broadcast goes on', async () => {
  const pool = await startLoopbackWorkerPool(45000, logger);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stagecast-unreadable-'));
  let source: FfmpegRtpSource | undefined;
  let av1Transport: types.PlainTransport | undefined;
  let recorder: HlsRecorder | undefined;
  try {
    const router = await pool.leastLoaded().worker.createRouter({
      mediaCodecs: [...routerMediaCodecs, { kind: 'video', mimeType: 'video/AV1', clockRate: 90000 }],
    });
    // What the installed FFmpeg reads. With FFmpeg 8 or later AV1 is readable,
    // and the test then says so and leaves AV1 out of the set itself.
    let readableCodecs = await ffmpegReadableRtpCodecs(resolveFfmpeg());
    if (readableCodecs.has('video/av1')) {
      process.stderr.write('[unreadable] this FFmpeg reads AV1 over RTP: the test removes it from the readable set\n');
      readableCodecs = new Set([...readableCodecs].filter((mimeType) => mimeType !== 'video/av1'));
    }

    source = await startFfmpegRtpSource(router, { hue: 0 });
    av1Transport = await router.createPlainTransport({
      listenInfo: { protocol: 'udp', ip: '127.0.0.1' },
      rtcpMux: false,
      comedia: true,
    });
    const av1Producer = await av1Transport.produce({
      kind: 'video',
      rtpParameters: {
        codecs: [{ mimeType: 'video/AV1', payloadType: 45, clockRate: 90000 }],
        encodings: [{ ssrc: 4545 }],
      },
    });
    const hosts = [
      { hostId: 'vp8-host', video: source.videoProducer, audio: source.audioProducer },
      { hostId: 'av1-host', video: av1Producer },
    ];
    const renditions = [{ name: 'high', width: 640, height: 360, videoBitrateKbps: 600 }];
    const warnings: RecorderWarning[] = [];
    recorder = await HlsRecorder.start(
      { router, dir, logger, renditions, fps: 15, readableCodecs },
      { hosts, layout: 'grid' },
    );
    recorder.on('warning', (warning) => warnings.push(warning));

    const playlist = path.join(dir, 'high', 'index.m3u8');
    const deadline = Date.now() + 40_000;
    while (listedSegments(playlist).length < 3 && Date.now() < deadline) await sleep(200);
    assert.ok(listedSegments(playlist).length >= 3, 'the broadcast produces segments');

    // Reported once, typed, naming the host and the codec.
    assert.equal(
      warnings.map(({ code, hostId, kind, producerId, mimeType }) => ({ code, hostId, kind, producerId, mimeType })),
      [
        {
          code: 'UNREADABLE_CODEC',
          hostId: 'av1-host',
          kind: 'video',
          producerId: av1Producer.id,
          mimeType: 'video/AV1',
        },
      ],
    );
    assert.match(warnings[0]!.message, /camera off/);
    assert.equal(recorder.warnings, warnings);

    // Nothing was started for the AV1 camera: no consumer, no SDP line.
    const dump = await router.dump();
    const av1Consumers = dump.mapProducerIdConsumerIds.find((entry) => entry.key === av1Producer.id)?.values ?? [];
    assert.equal(av1Consumers, [], 'no consumer feeds FFmpeg the AV1 stream');
    const sdp = fs.readFileSync(path.join(dir, 'input_1.sdp'), 'utf8');
    assert.not.match(sdp, /AV1/);

    // The same FFmpeg keeps going (no restart loop), and a recompose does not warn again.
    const pid = recorder.ffmpegPid;
    await recorder.update({ hosts, layout: 'grid' });
    assert.is(warnings.length, 1, 'warned once per producer');
    const before = listedSegments(playlist).at(-1);
    while (listedSegments(playlist).at(-1) === before && Date.now() < deadline + 20_000) await sleep(200);
    assert.is.not(listedSegments(playlist).at(-1), before, 'segments keep coming after the recompose');
    assert.is(recorder.ffmpegPid, pid, 'FFmpeg did not die and restart');

    // The picture: the AV1 host's tile is the camera-off fill; the VP8 host's is not.
    const [vp8Tile, av1Tile] = computeLayout('grid', { width: 640, height: 360 }, ['vp8-host', 'av1-host'], { gap: 8 });
    const lastText = fs.readFileSync(playlist, 'utf8');
    const init = path.join(dir, 'high', [...lastText.matchAll(/#EXT-X-MAP:URI="([^"]+)"/g)].at(-1)![1]!);
    const segment = path.join(dir, 'high', listedSegments(playlist).at(-1)!);
    const inner = (rect: { x: number; y: number; width: number; height: number }) => ({
      x: rect.x + Math.floor(rect.width / 4),
      y: rect.y + Math.floor(rect.height / 4),
      width: 2 * Math.floor(rect.width / 4),
      height: 2 * Math.floor(rect.height / 4),
    });
    const off = (await frameColours(init, segment, inner(av1Tile!.rect)))[0]!;
    const on = (await frameColours(init, segment, inner(vp8Tile!.rect)))[0]!;
    const distance = (rgb: number[]) => colourDistance(rgb, rgbOf(PLACEHOLDER));
    assert.ok(distance(off) <= 12, `AV1 host's tile is the camera-off fill: rgb ${off.join(',')}`);
    assert.ok(distance(on) > 30, `VP8 host's tile shows its camera: rgb ${on.join(',')}`);
    assert.is(source.errors(), '');
  } finally {
    await recorder?.stop();
    source?.stop();
    av1Transport?.close();
    pool.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
