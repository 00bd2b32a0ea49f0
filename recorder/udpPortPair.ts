import dgram from 'node:dgram';

export interface PortReservation {
  /** Even ports P with P + 1 also free: FFmpeg receives RTP on P and RTCP on P + 1. */
  ports: number[];
  /** Frees the ports for FFmpeg to bind (call right before starting it). */
  release(): void;
}

/**
 * Reserves `count` distinct port pairs on loopback by holding sockets on
 * them: without holding, the OS may hand out the same ephemeral port again
 * before FFmpeg binds, and two streams would share a port. Released just
 * before FFmpeg starts, so a race is possible but rare; a lost race shows
 * as FFmpeg failing to start, which the recorder retries.
 */
export async function reserveUdpPortPairs(count: number, ip = '127.0.0.1'): Promise<PortReservation> {
  const held: dgram.Socket[] = [];
  const ports: number[] = [];
  const release = () => {
    for (const socket of held) socket.close();
    held.length = 0;
  };
  try {
    for (let attempt = 0; ports.length < count; attempt++) {
      if (attempt > count * 20) throw new Error('no free UDP port pairs for FFmpeg');
      const probe = await bind(ip, 0);
      const port = probe.address().port;
      const base = port % 2 === 0 ? port : port + 1;
      const pair: dgram.Socket[] = [];
      try {
        pair.push(base === port ? probe : await bind(ip, base));
        pair.push(await bind(ip, base + 1));
        held.push(...pair);
        ports.push(base);
      } catch {
        // The neighbouring port is taken: this is why we probe, try another pair.
        for (const socket of pair) socket.close();
      } finally {
        if (base !== port) probe.close();
      }
    }
    return { ports, release };
  } catch (error) {
    release();
    throw error;
  }
}

function bind(ip: string, port: number): Promise<dgram.Socket> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket('udp4');
    socket.once('error', (error) => {
      socket.close();
      reject(error);
    });
    socket.bind(port, ip, () => resolve(socket));
  });
}
