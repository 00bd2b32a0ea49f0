import dgram from 'node:dgram';

/**
 * Finds an even port P with P and P + 1 free on loopback: FFmpeg receives
 * RTP on P and RTCP on P + 1. The sockets are closed before FFmpeg binds, so
 * a race is possible but rare; a lost race shows as FFmpeg failing to start,
 * which the recorder retries.
 */
export async function freeUdpPortPair(ip = '127.0.0.1', attempts = 20): Promise<number> {
  for (let attempt = 0; attempt < attempts; attempt++) {
    const first = await bind(ip, 0);
    const port = first.address().port;
    const base = port % 2 === 0 ? port : port + 1;
    const sockets = [first];
    try {
      if (base !== port) sockets.push(await bind(ip, base));
      sockets.push(await bind(ip, base + 1));
      return base;
    } catch {
      // taken: try another
    } finally {
      for (const socket of sockets) socket.close();
    }
  }
  throw new Error('no free UDP port pair for FFmpeg');
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
