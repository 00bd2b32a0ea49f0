// Splits a composition into what the recorder can take and what it cannot:
// a host whose camera is in a codec FFmpeg has no RTP depacketizer or decoder
// for (or that the compositor's slots do not carry: they are VP8) is drawn as
// camera-off (a screen share as a card with its name; a microphone or a
// screen's sound in such a codec is left out of the mix).
import type { types } from 'mediasoup';
import type { RecordedHost, UnreadableCodecWarning } from './HlsRecorderTypes.ts';

export interface ReadableSplit {
  /** The same hosts, in the same order, without their unreadable tracks. */
  hosts: RecordedHost[];
  unreadable: UnreadableCodecWarning[];
}

export function splitReadableTracks(hosts: readonly RecordedHost[], readable: ReadonlySet<string>): ReadableSplit {
  const unreadable: UnreadableCodecWarning[] = [];
  const kept = hosts.map((host) => {
    const keep = (
      producer: types.Producer | undefined,
      source: UnreadableCodecWarning['source'],
    ): types.Producer | undefined => {
      if (!producer) return undefined;
      const mimeType = mediaCodecOf(producer.rtpParameters);
      if (mimeType && readable.has(mimeType.toLowerCase())) return producer;
      unreadable.push({
        code: 'UNREADABLE_CODEC',
        hostId: host.hostId,
        kind: producer.kind,
        source,
        producerId: producer.id,
        mimeType: mimeType ?? 'none',
        message:
          producer.kind === 'video'
            ? `the recorder cannot take ${mimeType ?? 'this'} video: host ${host.hostId} is shown with the ${source === 'screen' ? 'screen share' : 'camera'} off`
            : `the recorder cannot take ${mimeType ?? 'this'} audio: host ${host.hostId}'s ${source} is not heard in the broadcast`,
      });
      return undefined;
    };
    const video = keep(host.video, 'camera');
    const audio = keep(host.audio, 'microphone');
    const screen = keep(host.screen, 'screen');
    const screenAudio = keep(host.screenAudio, 'screen-audio');
    return {
      hostId: host.hostId,
      ...(host.displayName !== undefined ? { displayName: host.displayName } : {}),
      ...(video ? { video } : {}),
      ...(audio ? { audio } : {}),
      ...(screen ? { screen } : {}),
      ...(screenAudio ? { screenAudio } : {}),
    };
  });
  return { hosts: kept, unreadable };
}

/** The media codec of a producer (the first one that is not RTX). */
function mediaCodecOf(rtpParameters: types.RtpParameters): string | undefined {
  return rtpParameters.codecs.find((codec) => !/\/rtx$/i.test(codec.mimeType))?.mimeType;
}
