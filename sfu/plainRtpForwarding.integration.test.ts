// The real mediasoup worker forwards RTP: FFmpeg (VP8 + Opus test sources) →
// PlainTransport producers → router → PlainTransport consumers → a UDP sink.
import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import type { types } from 'mediasoup';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { resolveFfmpeg } from '../recorder/ffmpegBinary.ts';
import { openRtpSink } from '../testkit/rtpSink.ts';
import { routerMediaCodecs } from './mediaCodecs.ts';
import { WorkerPool } from './WorkerPool.ts';

const VIDEO_SSRC = 22222222;
const AUDIO_SSRC = 11111111;

function plainInput(router: types.Router) {
  // FFmpeg sends RTCP from its RTP port + 1, so RTCP is not muxed; comedia
  // learns FFmpeg's address from the first packet.
  return router.createPlainTransport({
    listenInfo: { protocol: 'udp', ip: '127.0.0.1' },
    rtcpMux: false,
    comedia: true,
  });
}

function rtpUrl(transport: types.PlainTransport): string {
  return `rtp://127.0.0.1:${transport.tuple.localPort}?rtcpport=${transport.rtcpTuple!.localPort}&pkt_size=1200`;
}

async function outboundStats(consumer: types.Consumer) {
  const stats = await consumer.getStats();
  return stats.find((entry) => entry.type === 'outbound-rtp')!;
}

test('RTP from FFmpeg is forwarded producer → consumer with counted packets and bytes', async () => {
  const pool = await WorkerPool.create({
    workerCount: 1,
    listenIp: '127.0.0.1',
    webRtcServerPort: 0,
    rtcMinPort: 41000,
    rtcMaxPort: 41999,
    logger: pino({ level: 'silent' }),
  });
  let ffmpeg: ChildProcess | undefined;
  const sink = await openRtpSink();
  try {
    const { worker, webRtcServer } = pool.leastLoaded();
    const router = await worker.createRouter({ mediaCodecs: routerMediaCodecs });

    // A browser-facing transport through the worker's WebRtcServer.
    const webRtc = await router.createWebRtcTransport({ webRtcServer, enableUdp: true, enableTcp: true });
    const udpCandidate = webRtc.iceCandidates.find((candidate) => candidate.protocol === 'udp');
    assert.is(udpCandidate?.address, '127.0.0.1');
    assert.ok(webRtc.dtlsParameters.fingerprints.length > 0, 'DTLS fingerprints');

    const videoIn = await plainInput(router);
    const audioIn = await plainInput(router);
    const videoProducer = await videoIn.produce({
      kind: 'video',
      rtpParameters: {
        codecs: [{ mimeType: 'video/VP8', payloadType: 101, clockRate: 90000 }],
        encodings: [{ ssrc: VIDEO_SSRC }],
      },
    });
    const audioProducer = await audioIn.produce({
      kind: 'audio',
      rtpParameters: {
        codecs: [{ mimeType: 'audio/opus', payloadType: 100, clockRate: 48000, channels: 2 }],
        encodings: [{ ssrc: AUDIO_SSRC }],
      },
    });

    const out = await router.createPlainTransport({ listenInfo: { protocol: 'udp', ip: '127.0.0.1' }, comedia: false });
    await out.connect({ ip: '127.0.0.1', port: sink.port });
    const videoConsumer = await out.consume({ producerId: videoProducer.id, rtpCapabilities: router.rtpCapabilities });
    const audioConsumer = await out.consume({ producerId: audioProducer.id, rtpCapabilities: router.rtpCapabilities });

    ffmpeg = spawn(
      resolveFfmpeg(),
      [
        ...['-hide_banner', '-loglevel', 'error', '-re'],
        ...['-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=30:duration=20'],
        ...['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000:duration=20'],
        ...['-map', '0:v', '-c:v', 'libvpx', '-b:v', '400k', '-deadline', 'realtime', '-cpu-used', '8', '-g', '15'],
        ...['-ssrc', String(VIDEO_SSRC), '-payload_type', '101', '-f', 'rtp', rtpUrl(videoIn)],
        ...['-map', '1:a', '-c:a', 'libopus', '-ac', '2', '-b:a', '64k'],
        ...['-ssrc', String(AUDIO_SSRC), '-payload_type', '100', '-f', 'rtp', rtpUrl(audioIn)],
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let ffmpegErrors = '';
    ffmpeg.stderr!.on('data', (chunk: Buffer) => (ffmpegErrors += chunk.toString()));

    await sleep(3000);

    const [videoIn$] = await videoProducer.getStats();
    const [audioIn$] = await audioProducer.getStats();
    const videoOut$ = await outboundStats(videoConsumer);
    const audioOut$ = await outboundStats(audioConsumer);
    const videoSsrc = videoConsumer.rtpParameters.encodings![0]!.ssrc!;
    const audioSsrc = audioConsumer.rtpParameters.encodings![0]!.ssrc!;

    assert.is(ffmpegErrors, '', 'FFmpeg reported no error');
    // Producers received: ~3 s of 20 ms Opus frames and 400 kbit/s VP8.
    assert.ok(audioIn$!.packetCount >= 100, `audio producer packets ${audioIn$!.packetCount}`);
    assert.ok(videoIn$!.packetCount >= 60, `video producer packets ${videoIn$!.packetCount}`);
    assert.ok(videoIn$!.byteCount > 50_000, `video producer bytes ${videoIn$!.byteCount}`);
    // Consumers sent, and the packets arrived at the sink under the consumers' SSRCs.
    assert.ok(audioOut$.packetCount >= 100, `audio consumer packets ${audioOut$.packetCount}`);
    assert.ok(videoOut$.packetCount >= 40, `video consumer packets ${videoOut$.packetCount}`);
    assert.ok(sink.packets(audioSsrc) >= 100, `audio packets at sink ${sink.packets(audioSsrc)}`);
    assert.ok(sink.packets(videoSsrc) >= 40, `video packets at sink ${sink.packets(videoSsrc)}`);
    assert.ok(sink.bytes(videoSsrc) > 40_000, `video bytes at sink ${sink.bytes(videoSsrc)}`);

    // Closing the router closes everything under it.
    router.close();
    const dump = await worker.dump();
    assert.equal(dump.routerIds, []);
    assert.is(pool.counts.transports, 0);
    assert.is(pool.counts.producers, 0);
    assert.is(pool.counts.consumers, 0);
  } finally {
    ffmpeg?.kill('SIGKILL');
    sink.close();
    pool.close();
  }
});

test.run();
