// Valid-looking DTLS and RTP parameters for signalling tests that exercise
// the server's negotiation without a real WebRTC stack (media itself is
// proven by the browser tests and the bench).
import type { types as client } from 'mediasoup-client';

export const fakeDtlsParameters: client.DtlsParameters = {
  role: 'client',
  fingerprints: [
    {
      algorithm: 'sha-256',
      value: '82:5A:68:3D:36:C3:0A:DE:AF:E7:32:43:D2:88:83:57:AC:2D:65:E5:80:C4:B6:FB:AF:1A:A0:21:9F:6D:0C:AD',
    },
  ],
};

let nextSsrc = 100_000;

export function fakeAudioRtpParameters(): client.RtpParameters {
  return {
    codecs: [
      {
        mimeType: 'audio/opus',
        payloadType: 111,
        clockRate: 48000,
        channels: 2,
        parameters: { useinbandfec: 1, usedtx: 1 },
        rtcpFeedback: [{ type: 'transport-cc' }],
      },
    ],
    headerExtensions: [{ uri: 'urn:ietf:params:rtp-hdrext:sdes:mid', id: 1 }],
    encodings: [{ ssrc: nextSsrc++, dtx: true }],
    rtcp: { cname: 'fake-cname' },
  };
}

/** VP8 with three simulcast layers, as a browser publishes a camera. */
export function fakeSimulcastVideoRtpParameters(): client.RtpParameters {
  return {
    codecs: [
      {
        mimeType: 'video/VP8',
        payloadType: 96,
        clockRate: 90000,
        rtcpFeedback: [
          { type: 'nack' },
          { type: 'nack', parameter: 'pli' },
          { type: 'ccm', parameter: 'fir' },
          { type: 'goog-remb' },
          { type: 'transport-cc' },
        ],
      },
      { mimeType: 'video/rtx', payloadType: 97, clockRate: 90000, parameters: { apt: 96 } },
    ],
    headerExtensions: [{ uri: 'urn:ietf:params:rtp-hdrext:sdes:mid', id: 1 }],
    encodings: [0, 1, 2].map(() => ({ ssrc: nextSsrc++, rtx: { ssrc: nextSsrc++ }, scalabilityMode: 'L1T3' })),
    rtcp: { cname: 'fake-cname' },
  };
}
