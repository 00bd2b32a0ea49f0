// Writes the SDP that tells FFmpeg which RTP streams to expect on which
// local ports: one m-line per mediasoup consumer that the recorder connects
// to FFmpeg through a PlainTransport.
import type { types } from 'mediasoup';

export interface SdpStream {
  kind: types.MediaKind;
  /** The consumer's RTP parameters (what mediasoup will send). */
  rtpParameters: types.RtpParameters;
  /** Local port FFmpeg receives RTP on; RTCP goes to port + 1. */
  port: number;
}

export function rtpInputSdp(streams: readonly SdpStream[], ip = '127.0.0.1'): string {
  const lines = ['v=0', `o=- 0 0 IN IP4 ${ip}`, 's=stagecast-recorder', `c=IN IP4 ${ip}`, 't=0 0'];
  for (const stream of streams) {
    const codec = stream.rtpParameters.codecs[0];
    if (!codec) throw new Error('a consumer without a codec cannot be recorded');
    const [, name] = codec.mimeType.split('/');
    const channels = codec.channels && codec.channels > 1 ? `/${codec.channels}` : '';
    lines.push(
      `m=${stream.kind} ${stream.port} RTP/AVP ${codec.payloadType}`,
      `a=rtpmap:${codec.payloadType} ${name}/${codec.clockRate}${channels}`,
    );
    const fmtp = Object.entries(codec.parameters ?? {})
      .map(([key, value]) => `${key}=${String(value)}`)
      .join(';');
    if (fmtp) lines.push(`a=fmtp:${codec.payloadType} ${fmtp}`);
    lines.push(`a=rtcp:${stream.port + 1}`, 'a=recvonly');
  }
  return `${lines.join('\r\n')}\r\n`;
}
