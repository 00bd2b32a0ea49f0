import net from 'node:net';

/** A loopback TCP port that was free a moment ago (the OS picks it). */
export async function freeTcpPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  // A TCP server listening on an IP address has an AddressInfo (a string is a pipe's path).
  if (address === null || typeof address === 'string') throw new Error('a loopback TCP server has no port');
  return address.port;
}
