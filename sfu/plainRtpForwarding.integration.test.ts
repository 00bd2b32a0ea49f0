// The real mediasoup worker forwards RTP: FFmpeg (VP8 + Opus test sources) →
// PlainTransport producers → router → PlainTransport consumers → a UDP sink.
import { setTimeout as sleep } from 'node:timers/promises';
import type { types } from 'mediasoup';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startFfmpegRtpSource, type FfmpegRtpSource } from '../testkit/ffmpegRtpSource.ts';
import { openRtpSink } from '../testkit/rtpSink.ts';
import { routerMediaCodecs } from './mediaCodecs.ts';
import { startLoopbackWorkerPool } from '../testkit/workerPool.ts';

async function outboundStats(consumer: types.Consumer) {
  const stats = await consumer.getStats();
  return stats.find((entry) => entry.type === 'outbound-rtp')!;
}

test('RTP from FFmpeg is forwarded producer → consumer with counted packets and bytes', async () => {
  const pool = await startLoopbackWorkerPool(41000);
  let source: FfmpegRtpSource | undefined;
  const sink = await openRtpSink();
  try {
    const { worker, webRtcServer } = pool.leastLoaded();
    const router = await worker.createRouter({ mediaCodecs: routerMediaCodecs });

    // A browser-facing transport through the worker's WebRtcServer.
    const webRtc = await router.createWebRtcTransport({ webRtcServer, enableUdp: true, enableTcp: true });
    const udpCandidate = webRtc.iceCandidates.find((candidate) => candidate.protocol === 'udp');
    assert.is(udpCandidate?.address, '127.0.0.1');
    assert.ok(webRtc.dtlsParameters.fingerprints.length > 0, 'DTLS fingerprints');

    source = await startFfmpegRtpSource(router);
    const { videoProducer, audioProducer } = source;

    const out = await router.createPlainTransport({ listenInfo: { protocol: 'udp', ip: '127.0.0.1' }, comedia: false });
    await out.connect({ ip: '127.0.0.1', port: sink.port });
    const videoConsumer = await out.consume({ producerId: videoProducer.id, rtpCapabilities: router.rtpCapabilities });
    const audioConsumer = await out.consume({ producerId: audioProducer.id, rtpCapabilities: router.rtpCapabilities });

    await sleep(3000);

    const [videoIn$] = await videoProducer.getStats();
    const [audioIn$] = await audioProducer.getStats();
    const videoOut$ = await outboundStats(videoConsumer);
    const audioOut$ = await outboundStats(audioConsumer);
    const videoSsrc = videoConsumer.rtpParameters.encodings![0]!.ssrc!;
    const audioSsrc = audioConsumer.rtpParameters.encodings![0]!.ssrc!;

    assert.is(source.errors(), '', 'FFmpeg reported no error');
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
    source?.stop();
    sink.close();
    pool.close();
  }
});

test.run();
