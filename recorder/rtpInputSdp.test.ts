import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { rtpInputSdp } from './rtpInputSdp.ts';

test('one m-line per stream with its codec, fmtp and RTCP port', () => {
  const sdp = rtpInputSdp([
    {
      kind: 'video',
      port: 5004,
      rtpParameters: {
        codecs: [{ mimeType: 'video/VP8', payloadType: 101, clockRate: 90000 }],
        encodings: [{ ssrc: 1 }],
      },
    },
    {
      kind: 'audio',
      port: 5006,
      rtpParameters: {
        codecs: [
          { mimeType: 'audio/opus', payloadType: 100, clockRate: 48000, channels: 2, parameters: { useinbandfec: 1 } },
        ],
        encodings: [{ ssrc: 2 }],
      },
    },
  ]);
  assert.is(
    sdp,
    [
      'v=0',
      'o=- 0 0 IN IP4 127.0.0.1',
      's=stagecast-recorder',
      'c=IN IP4 127.0.0.1',
      't=0 0',
      'm=video 5004 RTP/AVP 101',
      'a=rtpmap:101 VP8/90000',
      'a=rtcp:5005',
      'a=recvonly',
      'm=audio 5006 RTP/AVP 100',
      'a=rtpmap:100 opus/48000/2',
      'a=fmtp:100 useinbandfec=1',
      'a=rtcp:5007',
      'a=recvonly',
      '',
    ].join('\r\n'),
  );
});

test.run();
