// A UDP socket that counts the RTP packets and bytes it receives, per SSRC:
// stands in for "the far end" of a PlainTransport consumer.
import dgram from 'node:dgram';

export interface RtpSink {
  readonly port: number;
  packets(ssrc: number): number;
  bytes(ssrc: number): number;
  close(): void;
}

export async function openRtpSink(): Promise<RtpSink> {
  const socket = dgram.createSocket('udp4');
  const packetsBySsrc = new Map<number, number>();
  const bytesBySsrc = new Map<number, number>();
  socket.on('message', (packet) => {
    // RTP version 2 and not RTCP (payload types 200–204 in the second byte).
    if (packet.length < 12 || packet[0]! >> 6 !== 2 || (packet[1]! >= 200 && packet[1]! <= 204)) return;
    const ssrc = packet.readUInt32BE(8);
    packetsBySsrc.set(ssrc, (packetsBySsrc.get(ssrc) ?? 0) + 1);
    bytesBySsrc.set(ssrc, (bytesBySsrc.get(ssrc) ?? 0) + packet.length);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return {
    port: socket.address().port,
    packets: (ssrc) => packetsBySsrc.get(ssrc) ?? 0,
    bytes: (ssrc) => bytesBySsrc.get(ssrc) ?? 0,
    close: () => socket.close(),
  };
}
