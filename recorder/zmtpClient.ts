// A minimal ZeroMQ (ZMTP 3.0, NULL security) DEALER client: just enough to
// talk to FFmpeg's `zmq` filter, which binds a REP socket and runs each
// message ("TARGET COMMAND ARG") as a filter command at the next frame.
// Written here rather than taken from npm because the zeromq bindings are
// native and download prebuilt binaries, which these machines cannot.
//
// DEALER rather than REQ: a REQ socket may have only one request in flight,
// and FFmpeg answers one per frame it composes, so a layout change of 30
// commands would take a second. A DEALER queues them all; the filter drains
// its queue within one frame. Replies come back in order.
import net from 'node:net';

export interface ZmtpReply {
  /** FFmpeg's return code for the command: 0 = applied. */
  code: number;
  /** The rest of FFmpeg's answer (error text, or the command's response). */
  text: string;
}

const HANDSHAKE_TIMEOUT_MS = 2000;
const FLAG_MORE = 0x01;
const FLAG_LONG = 0x02;
const FLAG_COMMAND = 0x04;

export class ZmtpClient {
  readonly #socket: net.Socket;
  #received: Buffer = Buffer.alloc(0);
  #greeted = false;
  /** Frames of the message being received (a reply is an empty delimiter and a body). */
  #parts: Buffer[] = [];
  readonly #waiting: { resolve: (reply: ZmtpReply) => void; reject: (error: Error) => void }[] = [];
  #closedError: Error | undefined;
  #onClosed: (error: Error) => void = () => undefined;
  /** Settles (never rejects) when the connection ends, with the reason. */
  readonly closed: Promise<Error> = new Promise((resolve) => (this.#onClosed = resolve));

  private constructor(socket: net.Socket) {
    this.#socket = socket;
    socket.on('data', (chunk: Buffer) => this.#receive(chunk));
    socket.on('error', (error) => this.#fail(error));
    socket.on('close', () => this.#fail(new Error('the ZMQ peer closed the connection')));
  }

  /**
   * Connects and completes the handshake. Rejects if nobody listens, if the
   * peer closes first, or if the handshake is not done within `timeoutMs`
   * (a port taken by something that is not a ZMQ peer would otherwise leave
   * the caller waiting for ever).
   */
  static connect(port: number, host = '127.0.0.1', timeoutMs = HANDSHAKE_TIMEOUT_MS): Promise<ZmtpClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ port, host });
      socket.setNoDelay(true);
      const client = new ZmtpClient(socket);
      const timer = setTimeout(() => client.#fail(new Error('the ZMQ handshake timed out')), timeoutMs);
      void client.closed.then((error) => {
        clearTimeout(timer);
        reject(error);
      });
      socket.once('connect', () => {
        // Nothing listening yet on a port of the ephemeral range, the kernel
        // can connect the socket to itself (same address and port at both
        // ends): our own greeting would come back as the peer's, and the port
        // would be taken from the FFmpeg about to listen on it. Refused, so
        // the caller tries again.
        if (socket.localPort === socket.remotePort && socket.localAddress === socket.remoteAddress) {
          client.#fail(new Error(`connected to itself on port ${port}: nothing listens there yet`));
          return;
        }
        socket.write(greeting());
        socket.write(readyCommand('DEALER'));
      });
      client.#onReady = () => {
        clearTimeout(timer);
        resolve(client);
      };
    });
  }

  #onReady: () => void = () => undefined;

  /** Sends one message; resolves with the peer's answer. */
  request(message: string): Promise<ZmtpReply> {
    if (this.#closedError) return Promise.reject(this.#closedError);
    const body = Buffer.from(message, 'utf8');
    this.#socket.write(Buffer.concat([frame(Buffer.alloc(0), FLAG_MORE), frame(body, 0)]));
    return new Promise((resolve, reject) => this.#waiting.push({ resolve, reject }));
  }

  close(): void {
    this.#socket.destroy();
  }

  #receive(chunk: Buffer): void {
    this.#received = this.#received.length ? Buffer.concat([this.#received, chunk]) : chunk;
    if (!this.#greeted) {
      if (this.#received.length < 64) return;
      if (this.#received[0] !== 0xff || this.#received[9] !== 0x7f) {
        return this.#fail(new Error('not a ZMTP peer'));
      }
      this.#received = this.#received.subarray(64);
      this.#greeted = true;
    }
    for (;;) {
      if (this.#received.length < 2) return;
      const flags = this.#received[0]!;
      const long = (flags & FLAG_LONG) !== 0;
      const headerLength = long ? 9 : 2;
      if (this.#received.length < headerLength) return;
      const size = long ? Number(this.#received.readBigUInt64BE(1)) : this.#received[1]!;
      if (this.#received.length < headerLength + size) return;
      const body = this.#received.subarray(headerLength, headerLength + size);
      this.#received = this.#received.subarray(headerLength + size);
      if (flags & FLAG_COMMAND) {
        // The peer's READY (and nothing else in ZMTP 3.0 NULL): the session is open.
        if (body.subarray(1, 1 + body[0]!).toString() === 'READY') this.#onReady();
        continue;
      }
      this.#parts.push(Buffer.from(body));
      if (flags & FLAG_MORE) continue;
      const parts = this.#parts.filter((part) => part.length > 0);
      this.#parts = [];
      this.#waiting.shift()?.resolve(parseReply(Buffer.concat(parts).toString('utf8')));
    }
  }

  #fail(error: Error): void {
    if (this.#closedError) return;
    this.#closedError = error;
    this.#socket.destroy();
    this.#onClosed(error);
    for (const waiter of this.#waiting.splice(0)) waiter.reject(error);
  }
}

/** FFmpeg answers "<code> <error text>[\n<response>]", the code negated (0 = done). */
function parseReply(text: string): ZmtpReply {
  const match = /^(-?\d+) ?([\s\S]*)$/.exec(text);
  return match ? { code: Number(match[1]), text: match[2]! } : { code: -1, text };
}

/** Signature, version 3.0, mechanism NULL, not a server, filler: 64 octets. */
function greeting(): Buffer {
  const bytes = Buffer.alloc(64);
  bytes[0] = 0xff;
  bytes[9] = 0x7f;
  bytes[10] = 3;
  bytes[11] = 0;
  bytes.write('NULL', 12, 'ascii');
  return bytes;
}

function readyCommand(socketType: string): Buffer {
  const name = Buffer.from('READY');
  const property = Buffer.from('Socket-Type');
  const value = Buffer.from(socketType);
  const valueLength = Buffer.alloc(4);
  valueLength.writeUInt32BE(value.length);
  const body = Buffer.concat([
    Buffer.from([name.length]),
    name,
    Buffer.from([property.length]),
    property,
    valueLength,
    value,
  ]);
  return frame(body, FLAG_COMMAND);
}

function frame(body: Buffer, flags: number): Buffer {
  if (body.length <= 255) return Buffer.concat([Buffer.from([flags, body.length]), body]);
  const header = Buffer.alloc(9);
  header[0] = flags | FLAG_LONG;
  header.writeBigUInt64BE(BigInt(body.length), 1);
  return Buffer.concat([header, body]);
}
