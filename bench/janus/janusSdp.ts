// The SDP a synthetic peer exchanges with Janus, written and read with
// sdp-transform. The peer's media are the same as towards mediasoup
// (testkit/rtpParameters.ts): Opus with the audio-level extension, VP8
// simulcast signalled by SSRC (`a=ssrc-group:SIM`, lowest layer first, as
// Chrome does without RIDs), NACK/PLI/FIR, no RTX. Our side is always the
// DTLS client (`setup:active`) and Janus runs ICE-lite, so one link
// (testkit/mediasoupLink.ts) serves both servers.
import sdpTransform, { type MediaDescription, type SessionDescription } from 'sdp-transform';
import type { LocalLink, RemoteTransportParameters } from '../../testkit/mediasoupLink.ts';
import {
  AUDIO_LEVEL_EXTENSION_ID,
  AUDIO_LEVEL_URI,
  AUDIO_PAYLOAD_TYPE,
  TRANSPORT_CC_URI,
  VIDEO_PAYLOAD_TYPE,
} from '../../testkit/rtpParameters.ts';

const MID_URI = 'urn:ietf:params:rtp-hdrext:sdes:mid';
const PROTOCOL = 'UDP/TLS/RTP/SAVPF';
const videoFeedback = [{ type: 'nack' }, { type: 'nack', subtype: 'pli' }, { type: 'ccm', subtype: 'fir' }];

export interface PublishedMedia {
  audioSsrc: number;
  /** Lowest layer first. */
  videoSsrcs: readonly number[];
  cname: string;
}

/** One stream of a subscription offer, as the peer will receive it. */
export interface OfferedStream {
  mid: string;
  kind: 'audio' | 'video';
  ssrc: number;
  payloadType: number;
  clockRate: number;
  transportCcExtensionId: number | undefined;
}

function session(local: LocalLink, media: MediaDescription[]): SessionDescription {
  return {
    version: 0,
    origin: {
      username: '-',
      sessionId: String(Math.floor(Math.random() * 1e15)),
      sessionVersion: 2,
      netType: 'IN',
      ipVer: 4,
      address: '127.0.0.1',
    },
    name: '-',
    timing: { start: 0, stop: 0 },
    groups: [
      {
        type: 'BUNDLE',
        mids: media
          .filter((section) => section.port !== 0)
          .map((section) => section.mid)
          .join(' '),
      },
    ],
    msidSemantic: { semantic: 'WMS', token: '*' },
    iceUfrag: local.iceParameters.usernameFragment,
    icePwd: local.iceParameters.password,
    fingerprint: { type: 'sha-256', hash: local.dtlsParameters.fingerprints[0]!.value },
    setup: 'active',
    media,
  };
}

function transportAttributes(local: LocalLink) {
  return {
    connection: { version: 4, ip: '0.0.0.0' },
    rtcpMux: 'rtcp-mux' as const,
    candidates: local.iceCandidates.map((candidate) => ({
      foundation: candidate.foundation,
      component: 1,
      transport: 'udp',
      priority: candidate.priority,
      ip: candidate.address,
      port: candidate.port,
      type: 'host',
    })),
    endOfCandidates: 'end-of-candidates' as const,
  };
}

/** The publisher's offer: audio (mid 0) and, with video, simulcast VP8 (mid 1). */
export function publisherOffer(local: LocalLink, media: PublishedMedia): string {
  const sections: MediaDescription[] = [
    {
      type: 'audio',
      port: 9,
      protocol: PROTOCOL,
      payloads: String(AUDIO_PAYLOAD_TYPE),
      mid: '0',
      direction: 'sendonly',
      rtp: [{ payload: AUDIO_PAYLOAD_TYPE, codec: 'opus', rate: 48000, encoding: 2 }],
      fmtp: [{ payload: AUDIO_PAYLOAD_TYPE, config: 'minptime=10;useinbandfec=1;usedtx=1' }],
      ext: [{ value: AUDIO_LEVEL_EXTENSION_ID, uri: AUDIO_LEVEL_URI }],
      ssrcs: [{ id: media.audioSsrc, attribute: 'cname', value: media.cname }],
      ...transportAttributes(local),
    },
  ];
  if (media.videoSsrcs.length > 0) {
    sections.push({
      type: 'video',
      port: 9,
      protocol: PROTOCOL,
      payloads: String(VIDEO_PAYLOAD_TYPE),
      mid: '1',
      direction: 'sendonly',
      rtp: [{ payload: VIDEO_PAYLOAD_TYPE, codec: 'VP8', rate: 90000 }],
      fmtp: [],
      rtcpFb: videoFeedback.map((feedback) => ({ payload: String(VIDEO_PAYLOAD_TYPE), ...feedback })),
      ssrcGroups: media.videoSsrcs.length > 1 ? [{ semantics: 'SIM', ssrcs: media.videoSsrcs.join(' ') }] : [],
      ssrcs: media.videoSsrcs.map((id) => ({ id, attribute: 'cname', value: media.cname })),
      ...transportAttributes(local),
    });
  }
  return sdpTransform.write(session(local, sections));
}

/** ICE and DTLS of Janus's side, from its answer or offer (session or first media level). */
export function remoteTransportOf(sdp: string): RemoteTransportParameters {
  const parsed = sdpTransform.parse(sdp);
  const first = parsed.media.find((section) => section.port !== 0) ?? parsed.media[0];
  const usernameFragment = first?.iceUfrag ?? parsed.iceUfrag;
  const password = first?.icePwd ?? parsed.icePwd;
  const fingerprint = first?.fingerprint ?? parsed.fingerprint;
  if (!usernameFragment || !password || !fingerprint)
    throw new Error('Janus SDP without ICE credentials or fingerprint');
  const candidates = parsed.media.flatMap((section) => section.candidates ?? []);
  const unique = new Map(candidates.map((candidate) => [`${candidate.ip}:${candidate.port}`, candidate]));
  return {
    iceParameters: { usernameFragment, password },
    iceCandidates: [...unique.values()].map((candidate) => ({
      foundation: String(candidate.foundation),
      address: candidate.ip,
      port: candidate.port,
      priority: Number(candidate.priority),
      protocol: candidate.transport.toLowerCase(),
    })),
    dtlsParameters: { fingerprints: [{ algorithm: fingerprint.type, value: fingerprint.hash }] },
  };
}

/** The streams of Janus's subscription offer that carry media, with what the peer needs to receive them. */
export function offeredStreams(sdp: string): OfferedStream[] {
  const parsed = sdpTransform.parse(sdp);
  return parsed.media.flatMap((section): OfferedStream[] => {
    const kind = section.type;
    if (section.port === 0 || (kind !== 'audio' && kind !== 'video') || section.mid === undefined) return [];
    const codec = chosenCodec(section);
    // The media SSRC is the first of a FID (RTX) pair, or the only one.
    const fid = section.ssrcGroups?.find((group) => group.semantics === 'FID');
    const ssrc = Number(fid ? fid.ssrcs.split(' ')[0] : section.ssrcs?.[0]?.id);
    if (!codec || !ssrc) return [];
    return [
      {
        mid: String(section.mid),
        kind,
        ssrc,
        payloadType: codec.payload,
        clockRate: codec.rate ?? (kind === 'audio' ? 48000 : 90000),
        transportCcExtensionId: section.ext?.find((extension) => extension.uri === TRANSPORT_CC_URI)?.value,
      },
    ];
  });
}

/** Our answer to a subscription offer: every media section received (one codec each), the rest rejected. */
export function subscriberAnswer(local: LocalLink, offer: string, { transportCc }: { transportCc: boolean }): string {
  const parsed = sdpTransform.parse(offer);
  const sections = parsed.media.map((section): MediaDescription => {
    const codec = chosenCodec(section);
    const base = { type: section.type, protocol: section.protocol, mid: section.mid, ...transportAttributes(local) };
    if (section.port === 0 || !codec || (section.type !== 'audio' && section.type !== 'video')) {
      return { ...base, port: 0, payloads: section.payloads ?? '0', rtp: [], fmtp: [], direction: 'inactive' };
    }
    const wantedExtensions = new Set(transportCc ? [MID_URI, TRANSPORT_CC_URI] : [MID_URI]);
    return {
      ...base,
      port: 9,
      payloads: String(codec.payload),
      direction: 'recvonly',
      rtp: [codec],
      fmtp: (section.fmtp ?? []).filter((fmtp) => fmtp.payload === codec.payload),
      rtcpFb: (section.rtcpFb ?? []).filter(
        (feedback) =>
          Number(feedback.payload) === codec.payload &&
          (feedback.type !== 'transport-cc' || transportCc) &&
          feedback.type !== 'goog-remb',
      ),
      ext: (section.ext ?? []).filter((extension) => wantedExtensions.has(extension.uri)),
    };
  });
  return sdpTransform.write(session(local, sections));
}

/** Opus for audio, VP8 for video: what the bench's clip is encoded in. */
function chosenCodec(section: MediaDescription): MediaDescription['rtp'][number] | undefined {
  const wanted = section.type === 'audio' ? 'opus' : 'vp8';
  return section.rtp.find((codec) => codec.codec.toLowerCase() === wanted);
}
