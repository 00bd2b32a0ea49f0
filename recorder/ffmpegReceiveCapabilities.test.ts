import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ffmpegReceiveCapabilities } from './ffmpegReceiveCapabilities.ts';

test('FFmpeg is offered no bandwidth estimation, no RTX and no feedback: nothing that makes mediasoup probe it', () => {
  const offered = ffmpegReceiveCapabilities({
    codecs: [
      {
        kind: 'video',
        mimeType: 'video/VP8',
        preferredPayloadType: 101,
        clockRate: 90000,
        rtcpFeedback: [
          { type: 'nack' },
          { type: 'nack', parameter: 'pli' },
          { type: 'goog-remb' },
          { type: 'transport-cc' },
        ],
      },
      { kind: 'video', mimeType: 'video/rtx', preferredPayloadType: 102, clockRate: 90000, parameters: { apt: 101 } },
      { kind: 'audio', mimeType: 'audio/opus', preferredPayloadType: 100, clockRate: 48000, channels: 2 },
    ],
    headerExtensions: [
      { kind: 'video', uri: 'http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time', preferredId: 4 },
      {
        kind: 'video',
        uri: 'http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01',
        preferredId: 5,
      },
      { kind: 'audio', uri: 'urn:ietf:params:rtp-hdrext:ssrc-audio-level', preferredId: 10 },
    ],
  });
  assert.equal(
    offered.codecs?.map((codec) => [codec.mimeType, codec.rtcpFeedback]),
    [
      ['video/VP8', []],
      ['audio/opus', []],
    ],
  );
  assert.equal(
    offered.headerExtensions?.map((extension) => extension.uri),
    ['urn:ietf:params:rtp-hdrext:ssrc-audio-level'],
  );
});

test.run();
