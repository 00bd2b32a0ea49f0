// A UDP relay between one synthetic peer's transport and the server: the
// peer is given the relay's port as the server's candidate, the relay
// forwards each datagram (STUN, DTLS, SRTP alike) through a LinkShaper per
// direction, from its own socket towards the server, so the server sees one
// ordinary client address and is unchanged. Loopback only.
//
// Media (SRTP and SRTCP) suffer everything; the STUN and DTLS handshake is
// delayed but never lost or reordered: werift, the peers' WebRTC stack,
// neither retransmits a lost DTLS flight reliably nor reassembles a
// reordered one (with `delay=40ms±10ms` every handshake failed), which a
// browser and the server both do. That is the bench peer's weakness, not
// what the impairment is meant to test.
import dgram from 'node:dgram';
import type { Impairment } from './impairment.ts';
import { LinkShaper, type ShaperCounters } from './linkShaper.ts';

/** Like the media sockets (RTC_SOCKET_BUFFER_BYTES): a busy generator must not drop at the relay. */
const SOCKET_BUFFER_BYTES = 4 * 1024 * 1024;

export interface RelayCounters {
  /** Peer → server. */
  up: ShaperCounters;
  /** Server → peer. */
  down: ShaperCounters;
}

export class ImpairmentRelay {
  readonly #peerSide: dgram.Socket;
  readonly #serverSide: dgram.Socket;
  readonly #up: LinkShaper;
  readonly #down: LinkShaper;
  #peer: { address: string; port: number } | undefined;
  #closed = false;

  private constructor(
    server: { address: string; port: number },
    up: Impairment,
    down: Impairment,
    peerSide: dgram.Socket,
    serverSide: dgram.Socket,
  ) {
    this.#peerSide = peerSide;
    this.#serverSide = serverSide;
    this.#up = new LinkShaper(
      up,
      (packet) => {
        if (!this.#closed) serverSide.send(packet, server.port, server.address);
      },
      { spared: isHandshake },
    );
    this.#down = new LinkShaper(
      down,
      (packet) => {
        const peer = this.#peer;
        if (peer && !this.#closed) peerSide.send(packet, peer.port, peer.address);
      },
      { spared: isHandshake },
    );
    peerSide.on('message', (packet, from) => {
      this.#peer = { address: from.address, port: from.port };
      this.#up.push(packet);
    });
    serverSide.on('message', (packet) => this.#down.push(packet));
    // A send to a closed port answers ICMP; the shaper's counters keep the truth.
    peerSide.on('error', () => undefined);
    serverSide.on('error', () => undefined);
  }

  /** Binds both sockets on 127.0.0.1 and starts relaying towards `server`. */
  static async open(server: { address: string; port: number }, up: Impairment, down: Impairment) {
    const bound = await Promise.allSettled([bind(), bind()]);
    const sockets = bound.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
    if (sockets.length < 2) {
      for (const socket of sockets) socket.close();
      throw (bound.find((result) => result.status === 'rejected') as PromiseRejectedResult).reason;
    }
    return new ImpairmentRelay(server, up, down, sockets[0]!, sockets[1]!);
  }

  /** The port the peer sends to instead of the server's. */
  get port(): number {
    return this.#peerSide.address().port;
  }

  /** The port the relay talks to the server from (the downlink's media arrive there). */
  get serverSidePort(): number {
    return this.#serverSide.address().port;
  }

  get counters(): RelayCounters {
    return { up: { ...this.#up.counters }, down: { ...this.#down.counters } };
  }

  /** Changes what each direction suffers from the next packet on (a schedule's step). */
  setImpairment(up: Impairment, down: Impairment): void {
    this.#up.setImpairment(up);
    this.#down.setImpairment(down);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#peerSide.close();
    this.#serverSide.close();
  }
}

/** STUN (first byte 0–3) or DTLS (20–63), as RFC 7983 demultiplexes them; RTP and RTCP are 128–191. */
export function isHandshake(packet: Buffer): boolean {
  const first = packet[0] ?? 0;
  return first < 128 || first > 191;
}

/** Both directions summed over several relays. */
export function sumRelayCounters(sources: readonly { relayCounters: RelayCounters | undefined }[]): RelayCounters {
  const zero = (): ShaperCounters => ({ packets: 0, bytes: 0, lost: 0, queueDrops: 0, delivered: 0 });
  const total: RelayCounters = { up: zero(), down: zero() };
  for (const source of sources) {
    const counters = source.relayCounters;
    if (!counters) continue;
    for (const direction of ['up', 'down'] as const) {
      for (const key of ['packets', 'bytes', 'lost', 'queueDrops', 'delivered'] as const) {
        total[direction][key] += counters[direction][key];
      }
    }
  }
  return total;
}

async function bind(): Promise<dgram.Socket> {
  const socket = dgram.createSocket({
    type: 'udp4',
    recvBufferSize: SOCKET_BUFFER_BYTES,
    sendBufferSize: SOCKET_BUFFER_BYTES,
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => {
      socket.off('error', reject);
      resolve();
    });
  });
  return socket;
}
