import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RtcpPacketConverter, RtcpTransportLayerFeedback, TransportWideCC } from 'werift';
import { TransportCcRecorder } from './transportCc.ts';

function parse(packet: Buffer): TransportWideCC {
  const [rtcp] = RtcpPacketConverter.deSerialize(packet);
  assert.instance(rtcp, RtcpTransportLayerFeedback);
  const feedback = (rtcp as RtcpTransportLayerFeedback).feedback;
  assert.instance(feedback, TransportWideCC);
  return feedback as TransportWideCC;
}

test('feedback lists each sequence number as received or lost, with arrival deltas', () => {
  const recorder = new TransportCcRecorder(0x1111);
  const base = 64_000_000; // µs, a multiple of the 64 ms reference unit
  recorder.onPacket(100, base + 1000);
  recorder.onPacket(101, base + 2000);
  // 102 lost
  recorder.onPacket(103, base + 200_000); // a large delta (> 63.75 ms)
  const packet = recorder.takeFeedback(0x2222)!;
  assert.is(packet.length % 4, 0);
  const feedback = parse(packet);
  assert.is(feedback.senderSsrc, 0x1111);
  assert.is(feedback.mediaSourceSsrc, 0x2222);
  assert.is(feedback.baseSequenceNumber, 100);
  assert.is(feedback.packetStatusCount, 4);
  assert.is(feedback.referenceTime, 1000);
  // (werift's own packetResults getter mis-expands run-length chunks; read the chunks.)
  assert.equal(
    feedback.packetChunks.map((chunk) => ('runLength' in chunk ? [chunk.packetStatus, chunk.runLength] : [])),
    [
      [1, 2],
      [0, 1],
      [2, 1],
    ],
  );
  assert.equal(
    feedback.recvDeltas.map((delta) => delta.delta),
    [1000, 1000, 198_000],
  );
});

test('the next feedback starts after the last one and counts feedback packets; wrap is handled', () => {
  const recorder = new TransportCcRecorder(1);
  recorder.onPacket(65534, 1_000_000);
  recorder.onPacket(65535, 1_001_000);
  parse(recorder.takeFeedback(2)!);
  recorder.onPacket(1, 1_010_000); // 0 lost across the wrap
  const second = parse(recorder.takeFeedback(2)!);
  assert.is(second.baseSequenceNumber, 0);
  assert.is(second.packetStatusCount, 2);
  assert.is(second.fbPktCount, 1);
  assert.is(recorder.takeFeedback(2), undefined);
});

test.run();
