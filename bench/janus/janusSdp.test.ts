// The SDP the bench's peers exchange with Janus, against a subscription
// offer captured from Janus 1.1.2 (fixtures/subscriber-offer.sdp: one
// publisher's Opus and VP8, RTX offered on the video).
import fs from 'node:fs';
import path from 'node:path';
import sdpTransform from 'sdp-transform';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { LocalLink } from '../../testkit/mediasoupLink.ts';
import { offeredStreams, publisherOffer, remoteTransportOf, subscriberAnswer } from './janusSdp.ts';

const janusOffer = fs.readFileSync(path.join(import.meta.dirname, 'fixtures', 'subscriber-offer.sdp'), 'utf8');

const local: LocalLink = {
  iceParameters: { usernameFragment: 'ourUfrag', password: 'ourPasswordOurPassword' },
  iceCandidates: [{ foundation: '1', address: '10.213.0.1', port: 40000, priority: 2130706431 }],
  dtlsParameters: { role: 'client', fingerprints: [{ algorithm: 'sha-256', value: 'AA:BB' }] },
  connectTo: () => Promise.reject(new Error('not in this test')),
};

test("Janus's side of the transport comes from its offer (media-level ICE, session-level fingerprint)", () => {
  const remote = remoteTransportOf(janusOffer);
  assert.equal(remote.iceParameters, { usernameFragment: 'fe5E', password: 'vQ8/ZccIjHFuWzilIA1vTP' });
  assert.is(remote.dtlsParameters.fingerprints[0]?.algorithm, 'sha-256');
  assert.match(remote.dtlsParameters.fingerprints[0]!.value, /^53:D3:6D/);
  // The same candidate in both bundled sections counts once.
  assert.equal(remote.iceCandidates, [
    { foundation: '1', address: '10.213.250.90', port: 45223, priority: 2015363327, protocol: 'udp' },
  ]);
});

test('the offered streams: media SSRCs (not RTX), payload types, the transport-cc extension', () => {
  assert.equal(offeredStreams(janusOffer), [
    {
      mid: '0',
      kind: 'audio',
      ssrc: 2173481316,
      payloadType: 111,
      clockRate: 48000,
      transportCcExtensionId: undefined,
    },
    { mid: '1', kind: 'video', ssrc: 3189166529, payloadType: 96, clockRate: 90000, transportCcExtensionId: 3 },
  ]);
});

test('our answer receives each stream with one codec, no RTX, as the DTLS client', () => {
  const answer = sdpTransform.parse(subscriberAnswer(local, janusOffer, { transportCc: true }));
  assert.is(answer.setup, 'active');
  assert.equal(answer.groups, [{ type: 'BUNDLE', mids: '0 1' }]);
  const [audio, video] = answer.media;
  assert.is(audio?.direction, 'recvonly');
  assert.is(String(audio?.payloads), '111');
  assert.is(String(video?.payloads), '96', 'RTX (97) is not accepted: retransmissions come on the media SSRC');
  assert.equal(
    video?.ext?.map((extension) => extension.uri),
    [
      'http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01',
      'urn:ietf:params:rtp-hdrext:sdes:mid',
    ],
  );
  assert.equal(video?.rtcpFb?.map((feedback) => `${feedback.type} ${feedback.subtype ?? ''}`.trim()).sort(), [
    'ccm fir',
    'nack',
    'nack pli',
    'transport-cc',
  ]);
  assert.equal(
    video?.candidates?.map((candidate) => `${candidate.ip}:${candidate.port}`),
    ['10.213.0.1:40000'],
  );

  const withoutBwe = sdpTransform.parse(subscriberAnswer(local, janusOffer, { transportCc: false }));
  assert.not.ok(withoutBwe.media[1]?.rtcpFb?.some((feedback) => feedback.type === 'transport-cc'));
  assert.equal(
    withoutBwe.media[1]?.ext?.map((extension) => extension.uri),
    ['urn:ietf:params:rtp-hdrext:sdes:mid'],
  );
});

test('the publisher offer signals simulcast by SSRC, lowest layer first, and Opus with the audio level', () => {
  const offer = sdpTransform.parse(publisherOffer(local, { audioSsrc: 11, videoSsrcs: [21, 22, 23], cname: 'host' }));
  assert.is(offer.setup, 'active');
  const [audio, video] = offer.media;
  assert.is(audio?.direction, 'sendonly');
  assert.equal(audio?.ext, [{ value: 1, uri: 'urn:ietf:params:rtp-hdrext:ssrc-audio-level' }]);
  assert.equal(audio?.ssrcs, [{ id: 11, attribute: 'cname', value: 'host' }]);
  assert.equal(video?.ssrcGroups, [{ semantics: 'SIM', ssrcs: '21 22 23' }]);
  assert.equal(
    video?.rtp.map((codec) => codec.codec),
    ['VP8'],
  );
  const audioOnly = sdpTransform.parse(publisherOffer(local, { audioSsrc: 11, videoSsrcs: [], cname: 'host' }));
  assert.is(audioOnly.media.length, 1);
});

test.run();
