// One join's worth of mediasoup-client state: the Device, the send and recv
// transports, this host's producers and the consumers of the other hosts'
// tracks. Ownership is a tree, as on the server: `close()` closes the
// transports and with them every producer and consumer, so a rejoin starts
// from a fresh MediaConnection and nothing half-closed survives.
import { Device, type types } from 'mediasoup-client';
import type { IceServer, TrackSource } from '../../../signaling/protocol/index.ts';
import { request, type SignalingSocket } from '../lib/signaling.ts';
import type { ReceiveStats, SendStats } from '../../../signaling/protocol/index.ts';
import { iceTransportPolicy } from './networkOptions.ts';
import { findStats, optionalNumber, optionalString, selectedCandidateType } from './rtcStats.ts';

/**
 * How long a consume or resume waits for the server. Both are idempotent
 * there (a repeat gets the same consumer), so a late answer is as good as a
 * retry's: a page starved of CPU (a weak device decoding many tiles, whose
 * socket messages queue for seconds) keeps waiting instead of giving up at the
 * default 10 s and sending the same request into the same queue again.
 */
const RECEIVE_REQUEST_TIMEOUT_MS = 30_000;

/** A consumed track of another host, ready to attach to a media element. */
export interface RemoteTrack {
  consumerId: string;
  producerId: string;
  userId: string;
  source: TrackSource;
  kind: 'audio' | 'video';
  track: MediaStreamTrack;
}

export interface PublishOptions {
  encodings?: types.RtpEncodingParameters[];
  codecOptions?: types.ProducerCodecOptions;
}

export interface MediaConnectionEvents {
  /** A transport failed for good (ICE/DTLS): the caller reconnects. */
  onTransportFailed(direction: 'send' | 'recv'): void;
}

interface ConsumerAppData extends types.AppData {
  userId: string;
  source: TrackSource;
}

export class MediaConnection {
  readonly #socket: SignalingSocket;
  readonly #device: Device;
  readonly #events: MediaConnectionEvents;
  #sendTransport: types.Transport | undefined;
  #recvTransport: types.Transport | undefined;
  readonly #producers = new Map<TrackSource, types.Producer>();
  readonly #consumersByProducerId = new Map<string, types.Consumer<ConsumerAppData>>();
  /** Producers being consumed right now (request in flight): never consumed twice. */
  readonly #consuming = new Set<string>();
  /** Consumers the server closed before their consume request finished here. */
  readonly #closedEarly = new Set<string>();
  /**
   * Consumers this side closed: a server that missed the close (the request
   * failed) answers the next consume with the same consumer, whose id, mid and
   * track id this page has already used.
   */
  readonly #closedHere = new Set<string>();
  #closed = false;

  /** Loads a Device with the session router's capabilities. */
  static async load(
    socket: SignalingSocket,
    sessionId: string,
    events: MediaConnectionEvents,
  ): Promise<MediaConnection> {
    const routerRtpCapabilities = await request(socket, 'webrtc:router-capabilities', { sessionId });
    const device = new Device();
    await device.load({ routerRtpCapabilities });
    return new MediaConnection(socket, device, events);
  }

  private constructor(socket: SignalingSocket, device: Device, events: MediaConnectionEvents) {
    this.#socket = socket;
    this.#device = device;
    this.#events = events;
  }

  get rtpCapabilities(): types.RtpCapabilities {
    return this.#device.rtpCapabilities;
  }

  get closed(): boolean {
    return this.#closed;
  }

  get canConsume(): boolean {
    return this.#recvTransport !== undefined && !this.#closed;
  }

  /** Creates the send and recv transports (after `multihost:join`). */
  async openTransports(iceServers: IceServer[]): Promise<void> {
    const [send, recv] = await Promise.all([
      request(this.#socket, 'webrtc:create-transport', { direction: 'send' }),
      request(this.#socket, 'webrtc:create-transport', { direction: 'recv' }),
    ]);
    this.#assertOpen();
    const common = {
      iceServers: iceServers.map(({ urls, username, credential }) => ({ urls, username, credential })),
      iceTransportPolicy: iceTransportPolicy(),
    };
    this.#sendTransport = this.#device.createSendTransport({ ...send, ...common });
    this.#recvTransport = this.#device.createRecvTransport({ ...recv, ...common });
    this.#wire(this.#sendTransport, 'send');
    this.#wire(this.#recvTransport, 'recv');
    this.#sendTransport.on('produce', ({ kind, rtpParameters, appData }, callback, errback) => {
      const transportId = this.#sendTransport?.id ?? '';
      request(this.#socket, 'webrtc:produce', {
        transportId,
        kind,
        rtpParameters,
        source: appData.source as TrackSource,
      }).then(({ producerId }) => callback({ id: producerId }), errback);
    });
  }

  async publish(source: TrackSource, track: MediaStreamTrack, options: PublishOptions = {}): Promise<types.Producer> {
    const transport = this.#sendTransport;
    if (!transport || this.#closed) throw new Error('not connected');
    const producer = await transport.produce({
      track,
      ...options,
      // The tracks belong to the studio: a rejoin publishes them again.
      stopTracks: false,
      appData: { source },
    });
    if (this.#closed) {
      producer.close();
      throw new Error('not connected');
    }
    this.#producers.set(source, producer);
    producer.observer.once('close', () => {
      if (this.#producers.get(source) === producer) this.#producers.delete(source);
    });
    return producer;
  }

  /** Whether anything of this host is published on the SFU. */
  get hasProducers(): boolean {
    return this.#producers.size > 0;
  }

  producer(source: TrackSource): types.Producer | undefined {
    return this.#producers.get(source);
  }

  /** Stops publishing a source and tells the server (screen share ended). */
  async unpublish(source: TrackSource): Promise<void> {
    const producer = this.#producers.get(source);
    if (!producer) return;
    producer.close();
    await request(this.#socket, 'webrtc:close-producer', { producerId: producer.id });
  }

  isConsuming(producerId: string): boolean {
    return this.#consumersByProducerId.has(producerId) || this.#consuming.has(producerId);
  }

  consumedProducerIds(): string[] {
    return [...this.#consumersByProducerId.keys()];
  }

  /**
   * Consumes a producer: the server creates the consumer paused, the client
   * builds its side, then resumes it (which asks the publisher for a key
   * frame). Undefined when it is already consumed or closed meanwhile.
   */
  async consume(producerId: string): Promise<RemoteTrack | undefined> {
    const transport = this.#recvTransport;
    if (!transport || this.#closed || this.isConsuming(producerId)) return undefined;
    this.#consuming.add(producerId);
    try {
      let options = await request(this.#socket, 'webrtc:consume', { producerId }, RECEIVE_REQUEST_TIMEOUT_MS);
      if (this.#closedHere.has(options.id)) {
        await request(this.#socket, 'webrtc:close-consumer', { consumerId: options.id });
        options = await request(this.#socket, 'webrtc:consume', { producerId }, RECEIVE_REQUEST_TIMEOUT_MS);
      }
      if (this.#closed) return undefined;
      const consumer = await transport.consume<ConsumerAppData>({
        id: options.id,
        producerId: options.producerId,
        kind: options.kind,
        rtpParameters: options.rtpParameters,
        streamId: `${options.userId}-${options.source}`,
        appData: { userId: options.userId, source: options.source },
      });
      if (this.#closed || this.#closedEarly.delete(consumer.id)) {
        consumer.close();
        return undefined;
      }
      this.#consumersByProducerId.set(producerId, consumer);
      try {
        await request(this.#socket, 'webrtc:resume-consumer', { consumerId: consumer.id }, RECEIVE_REQUEST_TIMEOUT_MS);
      } catch (error) {
        // A consumer that never resumes shows nothing: drop it so it can be consumed afresh.
        this.closeConsumerOf(producerId);
        throw error;
      }
      return {
        consumerId: consumer.id,
        producerId,
        userId: options.userId,
        source: options.source,
        kind: options.kind,
        track: consumer.track,
      };
    } finally {
      this.#consuming.delete(producerId);
    }
  }

  /** Closes a consumer (the server closed it, or its producer is gone). Returns its producer id. */
  closeConsumer(consumerId: string): string | undefined {
    for (const [producerId, consumer] of this.#consumersByProducerId) {
      if (consumer.id !== consumerId) continue;
      consumer.close();
      this.#consumersByProducerId.delete(producerId);
      return producerId;
    }
    this.#closedEarly.add(consumerId);
    return undefined;
  }

  /** Stops receiving a producer's track here and on the server. Returns the consumer's id. */
  closeConsumerOf(producerId: string): string | undefined {
    const consumer = this.#consumersByProducerId.get(producerId);
    if (!consumer) return undefined;
    consumer.close();
    this.#consumersByProducerId.delete(producerId);
    this.#closedHere.add(consumer.id);
    // A failure is caught up with at the next consume of this producer (#closedHere).
    request(this.#socket, 'webrtc:close-consumer', { consumerId: consumer.id }).catch(() => undefined);
    return consumer.id;
  }

  /** The ICE candidate type each transport's selected path uses locally (relay when through TURN). */
  async candidateTypes(): Promise<{ send: string | undefined; recv: string | undefined }> {
    const typeOf = async (transport: types.Transport | undefined) =>
      transport && selectedCandidateType(await transport.getStats());
    return { send: await typeOf(this.#sendTransport), recv: await typeOf(this.#recvTransport) };
  }

  async receiveStats(): Promise<ReceiveStats[]> {
    return Promise.all(
      [...this.#consumersByProducerId.values()].map(async (consumer) => {
        const inbound = findStats(await consumer.getStats(), 'inbound-rtp');
        return {
          consumerId: consumer.id,
          via: 'sfu' as const,
          shown: false,
          userId: consumer.appData.userId,
          source: consumer.appData.source,
          kind: consumer.kind,
          framesDecoded: Number(inbound[0]?.framesDecoded ?? 0),
          packetsReceived: Number(inbound[0]?.packetsReceived ?? 0),
          bytesReceived: Number(inbound[0]?.bytesReceived ?? 0),
        };
      }),
    );
  }

  /** One entry per RTP stream sent (a simulcast camera has one per layer). */
  async sendStats(): Promise<SendStats[]> {
    const perProducer = await Promise.all(
      [...this.#producers].map(async ([source, producer]) =>
        findStats(await producer.getStats(), 'outbound-rtp').map((outbound) => ({
          source,
          via: 'sfu' as const,
          kind: producer.kind,
          rid: optionalString(outbound.rid),
          frameWidth: optionalNumber(outbound.frameWidth),
          frameHeight: optionalNumber(outbound.frameHeight),
          framesEncoded: optionalNumber(outbound.framesEncoded),
          bytesSent: Number(outbound.bytesSent ?? 0),
        })),
      ),
    );
    return perProducer.flat();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    // Closing a transport closes its producers and consumers.
    this.#sendTransport?.close();
    this.#recvTransport?.close();
    this.#producers.clear();
    this.#consumersByProducerId.clear();
  }

  #wire(transport: types.Transport, direction: 'send' | 'recv'): void {
    transport.on('connect', ({ dtlsParameters }, callback, errback) => {
      request(this.#socket, 'webrtc:connect-transport', { transportId: transport.id, dtlsParameters }).then(
        callback,
        errback,
      );
    });
    transport.on('connectionstatechange', (state) => {
      if (state === 'failed' && !this.#closed) this.#events.onTransportFailed(direction);
    });
  }

  #assertOpen(): void {
    if (this.#closed) throw new Error('not connected');
  }
}
