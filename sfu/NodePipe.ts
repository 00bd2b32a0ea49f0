// One end of a PipeTransport pair between two nodes: a PK battle whose
// sessions are owned by different cluster nodes. Each node holds one end in
// its session's room; the ends are told each other's address, and each
// carries both directions: it sends its room's tracks out (a pipe consumer
// per track) and receives the other room's tracks in (a guest producer per
// track, which the room's hosts and compositor consume like a co-host's).
//
// What crosses between the nodes (the addresses, a track's RTP parameters,
// a source's pause, resume and close) is the caller's to carry: this class
// has no network of its own beyond the RTP, so it is the same on one
// machine and on two. RTX is on (NACKed packets are resent across the link,
// which, unlike the loopback pair of RouterPipe, may lose some).
//
// Per track, everything is serialized: a send in flight is shared by whoever
// asks again, and a guest's pause, resume and close wait for its creation.
// Anything created before a failure or a close is closed again.
import { EventEmitter } from 'node:events';
import type { types } from 'mediasoup';
import type { Logger } from 'pino';
import { MediaError } from './MediaError.ts';
import type { MediaRoom } from './MediaRoom.ts';
import type { ConsumerAppData, PeerProducer, ProducerAppData } from './MediaRoomTypes.ts';
import type { PipeConsumer, PipeTransport, PipeTransportAppData } from './RouterPipeTypes.ts';

/** Where the other node reaches this end's PipeTransport (UDP). */
export interface PipeAddress {
  ip: string;
  port: number;
}

/** What the receiving end needs to produce a guest of one track. */
export interface PipedTrack {
  /** The source producer's id in the sending room (the hosts' state names it). */
  sourceId: string;
  kind: types.MediaKind;
  rtpParameters: types.RtpParameters;
  paused: boolean;
  appData: ProducerAppData;
}

export interface NodePipeListen {
  ip: string;
  /** The address the other node dials (default: ip). */
  announcedAddress?: string;
}

export type NodePipeEvents = {
  /** A track from the other room now has a guest here. */
  guest: [guest: PeerProducer, sourceId: string];
  /** A guest here closed (its source closed or was stopped, or the pipe closed). */
  guestclose: [guest: PeerProducer, sourceId: string];
  /** A source sent from this room paused or resumed: the other end's guest should follow. */
  sourcepaused: [sourceId: string, paused: boolean];
  /** A source sent from this room closed: the other end's guest should close. */
  sourceclose: [sourceId: string];
  /** The PipeTransport closed (close(), or the room's router closed). Emitted once. */
  close: [reason: 'closed' | 'room-closed'];
};

interface Outgoing {
  consumer: PipeConsumer | undefined;
  settled: Promise<void>;
  stopped: boolean;
}

interface Incoming {
  guest: PeerProducer | undefined;
  /** Its creation, then each pause/resume, one at a time. */
  queue: Promise<void>;
  closed: boolean;
}

export class NodePipeEnd extends EventEmitter<NodePipeEvents> {
  readonly room: MediaRoom;
  readonly #transport: PipeTransport;
  readonly #logger: Logger;
  readonly #outgoing = new Map<string, Outgoing>();
  readonly #incoming = new Map<string, Incoming>();
  readonly #guests = new Map<string, PeerProducer>();
  #closed = false;

  static async open(
    room: MediaRoom,
    remoteRoomId: string,
    listen: NodePipeListen,
    logger: Logger,
  ): Promise<NodePipeEnd> {
    if (room.closed) throw new MediaError('UNAVAILABLE', `room ${room.id} is closed`);
    const appData: PipeTransportAppData = { end: 'both', remoteRoomId };
    const transport = await room.router.createPipeTransport({
      listenInfo: {
        protocol: 'udp',
        ip: listen.ip,
        ...(listen.announcedAddress ? { announcedAddress: listen.announcedAddress } : {}),
      },
      enableRtx: true,
      appData,
    });
    return new NodePipeEnd(room, transport, logger.child({ pipeRoom: room.id, remoteRoomId }));
  }

  private constructor(room: MediaRoom, transport: PipeTransport, logger: Logger) {
    super();
    this.room = room;
    this.#transport = transport;
    this.#logger = logger;
    transport.observer.once('close', () => this.#close('room-closed'));
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** This end's address, for the other node's connect(). */
  get address(): PipeAddress {
    const { localAddress, localPort } = this.#transport.tuple;
    return { ip: localAddress, port: localPort };
  }

  /** Guests here by their source's id in the other room. */
  get guests(): ReadonlyMap<string, PeerProducer> {
    return this.#guests;
  }

  async connect(remote: PipeAddress): Promise<void> {
    this.#assertOpen();
    await this.#transport.connect({ ip: remote.ip, port: remote.port });
  }

  /**
   * Sends one of this room's producers to the other end: a pipe consumer,
   * paused until `deliver` (the other end's receive()) has made the guest,
   * then resumed so that the stream starts at a key frame. Asking again for a
   * track on its way or sent gives the same promise.
   */
  send(producer: PeerProducer, deliver: (track: PipedTrack) => Promise<void>): Promise<void> {
    const existing = producer.closed ? undefined : this.#outgoing.get(producer.id);
    if (existing) return existing.settled;
    if (this.#closed) return Promise.reject(new MediaError('UNAVAILABLE', 'the pipe is closed'));
    if (this.room.guestProducers.has(producer.id)) {
      return Promise.reject(new MediaError('INVALID_INPUT', 'a guest producer is not piped on'));
    }
    const outgoing: Outgoing = { consumer: undefined, settled: Promise.resolve(), stopped: false };
    outgoing.settled = this.#sendNow(producer, outgoing, deliver).catch((error: unknown) => {
      if (this.#outgoing.get(producer.id) === outgoing) this.#outgoing.delete(producer.id);
      throw error;
    });
    this.#outgoing.set(producer.id, outgoing);
    return outgoing.settled;
  }

  /** Makes the guest of a track the other end sends (its RTP arrives on this end's transport). */
  receive(track: PipedTrack): Promise<void> {
    if (this.#closed) return Promise.reject(new MediaError('UNAVAILABLE', 'the pipe is closed'));
    if (this.#incoming.has(track.sourceId)) {
      return Promise.reject(new MediaError('CONFLICT', `track ${track.sourceId} is already piped in`));
    }
    const incoming: Incoming = { guest: undefined, queue: Promise.resolve(), closed: false };
    this.#incoming.set(track.sourceId, incoming);
    const created = this.#produce(track, incoming);
    incoming.queue = created.catch(() => undefined);
    return created;
  }

  /** The source of a guest paused or resumed on the other node. */
  setGuestPaused(sourceId: string, paused: boolean): void {
    const incoming = this.#incoming.get(sourceId);
    if (!incoming) return;
    incoming.queue = incoming.queue.then(async () => {
      const { guest } = incoming;
      if (!guest || guest.closed || guest.paused === paused) return;
      try {
        if (paused) await guest.pause();
        else await guest.resume();
      } catch (error) {
        if (!guest.closed) this.#logger.warn({ err: error, guestId: guest.id, paused }, 'guest pause sync failed');
      }
    });
  }

  /** The source of a guest closed on the other node (or stopped being sent). */
  closeGuest(sourceId: string): void {
    const incoming = this.#incoming.get(sourceId);
    if (!incoming) return;
    incoming.closed = true;
    this.#incoming.delete(sourceId);
    incoming.guest?.close();
  }

  /** Closes the PipeTransport and with it every pipe consumer and guest. Idempotent. */
  close(): void {
    this.#close('closed');
  }

  async #sendNow(
    producer: PeerProducer,
    outgoing: Outgoing,
    deliver: (track: PipedTrack) => Promise<void>,
  ): Promise<void> {
    const { peerId, source } = producer.appData;
    const appData: ConsumerAppData = { peerId, source };
    const consumer = await this.#transport.consume({ producerId: producer.id, appData });
    outgoing.consumer = consumer;
    consumer.on('producerpause', () => this.emit('sourcepaused', producer.id, true));
    consumer.on('producerresume', () => this.emit('sourcepaused', producer.id, false));
    consumer.observer.once('close', () => {
      if (this.#outgoing.get(producer.id) === outgoing) this.#outgoing.delete(producer.id);
      if (!this.#closed) this.emit('sourceclose', producer.id);
    });
    try {
      this.#throwIfCancelled(outgoing);
      // PipeTransport.consume has no `paused` option: pause at once, resume once the guest exists.
      await consumer.pause();
      this.#throwIfCancelled(outgoing);
      await deliver({
        sourceId: producer.id,
        kind: consumer.kind,
        rtpParameters: consumer.rtpParameters,
        paused: consumer.producerPaused,
        appData: { peerId, source },
      });
      this.#throwIfCancelled(outgoing);
      await consumer.resume();
      this.#throwIfCancelled(outgoing);
    } catch (error) {
      consumer.close();
      throw error;
    }
  }

  async #produce(track: PipedTrack, incoming: Incoming): Promise<void> {
    let guest: PeerProducer | undefined;
    try {
      this.#assertOpen();
      guest = await this.#transport.produce({
        kind: track.kind,
        rtpParameters: track.rtpParameters,
        paused: track.paused,
        appData: track.appData,
      });
      if (incoming.closed || this.#closed) throw new MediaError('NOT_FOUND', `track ${track.sourceId} closed`);
      this.room.addGuestProducer(guest);
    } catch (error) {
      guest?.close();
      if (this.#incoming.get(track.sourceId) === incoming) this.#incoming.delete(track.sourceId);
      throw error;
    }
    incoming.guest = guest;
    this.#guests.set(track.sourceId, guest);
    const announced = guest;
    guest.observer.once('close', () => {
      if (this.#incoming.get(track.sourceId) === incoming) this.#incoming.delete(track.sourceId);
      if (this.#guests.get(track.sourceId) !== announced) return;
      this.#guests.delete(track.sourceId);
      this.emit('guestclose', announced, track.sourceId);
    });
    this.#logger.debug({ sourceId: track.sourceId, guestId: guest.id, kind: track.kind }, 'track piped in');
    this.emit('guest', guest, track.sourceId);
  }

  #throwIfCancelled(outgoing: Outgoing): void {
    if (this.#closed) throw new MediaError('UNAVAILABLE', 'the pipe closed');
    if (outgoing.stopped || outgoing.consumer?.closed) throw new MediaError('NOT_FOUND', 'the track was stopped');
  }

  #assertOpen(): void {
    if (this.#closed) throw new MediaError('UNAVAILABLE', 'the pipe is closed');
  }

  #close(reason: 'closed' | 'room-closed'): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const outgoing of this.#outgoing.values()) outgoing.stopped = true;
    for (const incoming of this.#incoming.values()) incoming.closed = true;
    // mediasoup closes the transport's consumers and producers with it; the
    // guests' close handlers clear the map and emit guestclose.
    this.#transport.close();
    this.#outgoing.clear();
    this.#incoming.clear();
    this.#logger.info({ reason }, 'node pipe closed');
    this.emit('close', reason);
  }
}
