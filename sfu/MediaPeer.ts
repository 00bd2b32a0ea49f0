// One peer's media in a room: at most one send and one recv WebRtcTransport,
// one producer per source, and its consumers. Closing the peer closes its
// transports, and mediasoup closes their producers and consumers with them.
import { EventEmitter } from 'node:events';
import type { types } from 'mediasoup';
import type { Logger } from 'pino';
import { MediaError } from './MediaError.ts';
import type {
  ConsumerAppData,
  ConsumerParams,
  MediaPeerEvents,
  PeerConsumer,
  PeerProducer,
  PeerTransport,
  ProducerAppData,
  TrackSource,
  TransportAppData,
  TransportDirection,
  TransportParams,
} from './MediaRoomTypes.ts';

/** What a peer needs from its room; passed in so the peer holds no back-reference. */
export interface MediaPeerContext {
  router: types.Router;
  webRtcServer: types.WebRtcServer;
  speakingObservers: types.RtpObserver[];
  maxIncomingBitrateBps: number;
  initialAvailableOutgoingBitrateBps: number;
  findProducer(producerId: string): PeerProducer | undefined;
  logger: Logger;
}

export interface ProduceRequest {
  transportId: string;
  kind: types.MediaKind;
  rtpParameters: types.RtpParameters;
  source: TrackSource;
}

const kindOfSource: Record<TrackSource, types.MediaKind> = {
  camera: 'video',
  microphone: 'audio',
  screen: 'video',
  'screen-audio': 'audio',
};

export class MediaPeer extends EventEmitter<MediaPeerEvents> {
  readonly id: string;
  readonly #rtpCapabilities: types.RtpCapabilities;
  readonly #context: MediaPeerContext;
  readonly #transports = new Map<TransportDirection, PeerTransport>();
  /** Transports whose DTLS parameters the client has sent (connect done). */
  readonly #connectedTransportIds = new Set<string>();
  readonly #producers = new Map<string, PeerProducer>();
  readonly #consumers = new Map<string, PeerConsumer>();
  #closed = false;

  constructor(id: string, rtpCapabilities: types.RtpCapabilities, context: MediaPeerContext) {
    super();
    this.id = id;
    this.#rtpCapabilities = rtpCapabilities;
    this.#context = context;
  }

  get closed(): boolean {
    return this.#closed;
  }

  get producers(): ReadonlyMap<string, PeerProducer> {
    return this.#producers;
  }

  get consumers(): ReadonlyMap<string, PeerConsumer> {
    return this.#consumers;
  }

  transport(direction: TransportDirection): PeerTransport | undefined {
    return this.#transports.get(direction);
  }

  producerOf(source: TrackSource): PeerProducer | undefined {
    for (const producer of this.#producers.values()) {
      if (producer.appData.source === source) return producer;
    }
    return undefined;
  }

  async createTransport(direction: TransportDirection): Promise<TransportParams> {
    this.#assertOpen();
    if (this.#transports.has(direction)) {
      throw new MediaError('CONFLICT', `a ${direction} transport already exists`);
    }
    const { router, webRtcServer, initialAvailableOutgoingBitrateBps, maxIncomingBitrateBps } = this.#context;
    const appData: TransportAppData = { peerId: this.id, direction };
    const transport = await router.createWebRtcTransport({
      webRtcServer,
      enableUdp: true,
      enableTcp: true,
      preferUdp: true,
      initialAvailableOutgoingBitrate: initialAvailableOutgoingBitrateBps,
      appData,
    });
    // The peer may have left while the worker was creating the transport.
    if (this.#closed) {
      transport.close();
      throw new MediaError('NOT_FOUND', 'the peer left');
    }
    if (direction === 'send') {
      // Without the limit the host may send more than the room planned for; the transport still works.
      await transport.setMaxIncomingBitrate(maxIncomingBitrateBps).catch((error: unknown) => {
        this.#context.logger.warn({ err: error, maxIncomingBitrateBps }, 'setMaxIncomingBitrate failed');
      });
      if (this.#closed) {
        transport.close();
        throw new MediaError('NOT_FOUND', 'the peer left');
      }
    }
    this.#transports.set(direction, transport);
    transport.observer.once('close', () => {
      this.#transports.delete(direction);
      this.#connectedTransportIds.delete(transport.id);
    });
    // A transport whose DTLS fails or closes is useless; closing it tells the
    // client (through its consumers/producers) to renegotiate.
    transport.on('dtlsstatechange', (state) => {
      if (state !== 'failed' && state !== 'closed') return;
      this.#context.logger.warn({ direction, dtlsState: state }, 'transport closed: DTLS %s', state);
      transport.close();
    });
    return {
      id: transport.id,
      iceParameters: transport.iceParameters,
      iceCandidates: transport.iceCandidates,
      dtlsParameters: transport.dtlsParameters,
    };
  }

  async connectTransport(transportId: string, dtlsParameters: types.DtlsParameters): Promise<void> {
    const transport = this.#transportById(transportId);
    if (this.#connectedTransportIds.has(transportId)) {
      throw new MediaError('CONFLICT', 'the transport is already connected');
    }
    try {
      await transport.connect({ dtlsParameters });
    } catch (error) {
      throw new MediaError('INVALID_INPUT', `bad dtlsParameters: ${messageOf(error)}`);
    }
    this.#connectedTransportIds.add(transportId);
  }

  async produce({ transportId, kind, rtpParameters, source }: ProduceRequest): Promise<PeerProducer> {
    const transport = this.#transportById(transportId);
    if (transport !== this.#transports.get('send')) {
      throw new MediaError('INVALID_INPUT', 'produce needs the send transport');
    }
    if (!this.#connectedTransportIds.has(transportId)) {
      throw new MediaError('CONFLICT', 'connect the transport before producing');
    }
    if (kindOfSource[source] !== kind) {
      throw new MediaError('INVALID_INPUT', `a ${source} track must be ${kindOfSource[source]}`);
    }
    if (this.producerOf(source)) {
      throw new MediaError('CONFLICT', `a ${source} track is already published`);
    }
    let producer: PeerProducer;
    try {
      const appData: ProducerAppData = { peerId: this.id, source };
      producer = await transport.produce({ kind, rtpParameters, appData });
    } catch (error) {
      // Closing the peer closes the transport under a produce in flight: not the client's parameters.
      if (this.#closed) throw new MediaError('NOT_FOUND', 'the peer left');
      throw new MediaError('INVALID_INPUT', `bad rtpParameters: ${messageOf(error)}`);
    }
    if (this.#closed) {
      producer.close();
      throw new MediaError('NOT_FOUND', 'the peer left');
    }
    this.#producers.set(producer.id, producer);
    producer.observer.once('close', () => this.#producers.delete(producer.id));
    if (source === 'microphone') {
      for (const observer of this.#context.speakingObservers) {
        // Without it the host's speaking indicator stays dark; the track itself is fine.
        await observer.addProducer({ producerId: producer.id }).catch((error: unknown) => {
          this.#context.logger.warn(
            { err: error, producerId: producer.id, observer: observer.type },
            'observer.addProducer failed',
          );
        });
      }
      if (this.#closed) throw new MediaError('NOT_FOUND', 'the peer left');
    }
    return producer;
  }

  /** Consumes another peer's producer on this peer's recv transport, paused until resumed. */
  async consume(producerId: string): Promise<ConsumerParams> {
    const transport = this.#transports.get('recv');
    if (!transport) throw new MediaError('CONFLICT', 'create the recv transport before consuming');
    const producer = this.#context.findProducer(producerId);
    if (!producer) throw new MediaError('NOT_FOUND', `no producer ${producerId}`);
    const { peerId, source } = producer.appData;
    if (peerId === this.id) throw new MediaError('INVALID_INPUT', 'a peer does not consume its own tracks');
    if (!this.#context.router.canConsume({ producerId, rtpCapabilities: this.#rtpCapabilities })) {
      throw new MediaError('INVALID_INPUT', 'the device cannot decode this track');
    }
    // A repeated request gets the consumer it made before: a client whose request timed out on a busy
    // server (the answer came after it gave up) asks again, and a CONFLICT would leave it without the
    // track for good.
    for (const existing of this.#consumers.values()) {
      if (existing.producerId === producerId) return paramsOf(existing, producerId, peerId, source);
    }
    const appData: ConsumerAppData = { peerId, source };
    // Paused: the client resumes once its side is ready, and resuming
    // requests a key frame, so video starts without a grey picture.
    let consumer: PeerConsumer;
    try {
      consumer = await transport.consume({ producerId, rtpCapabilities: this.#rtpCapabilities, paused: true, appData });
    } catch (error) {
      // The peer left (its transport closed) or the producer closed meanwhile.
      if (this.#closed) throw new MediaError('NOT_FOUND', 'the peer left');
      if (producer.closed) throw new MediaError('NOT_FOUND', `no producer ${producerId}`);
      throw error;
    }
    if (this.#closed) {
      consumer.close();
      throw new MediaError('NOT_FOUND', 'the peer left');
    }
    this.#consumers.set(consumer.id, consumer);
    const forget = () => {
      if (this.#consumers.delete(consumer.id) && !this.#closed) this.emit('consumerclosed', consumer.id);
    };
    consumer.on('producerclose', () => {
      consumer.close();
      forget();
    });
    consumer.on('transportclose', forget);
    consumer.on('layerschange', (layers) => this.emit('consumerlayerschange', consumer.id, layers));
    consumer.on('score', (score) => this.emit('consumerscore', consumer.id, score));
    return paramsOf(consumer, producerId, peerId, source);
  }

  async resumeConsumer(consumerId: string): Promise<void> {
    await this.#consumerById(consumerId).resume();
  }

  /**
   * Closes a consumer its client no longer wants. Idempotent: one already gone
   * (its producer closed meanwhile) is not an error.
   */
  closeConsumer(consumerId: string): void {
    const consumer = this.#consumers.get(consumerId);
    if (!consumer) return;
    consumer.close();
    this.#consumers.delete(consumerId);
    this.emit('consumerclosed', consumerId);
  }

  consumer(consumerId: string): PeerConsumer {
    return this.#consumerById(consumerId);
  }

  /** Pauses or resumes this peer's track of a source (mute/unmute, camera off/on). */
  async setSourcePaused(source: TrackSource, paused: boolean): Promise<void> {
    const producer = this.producerOf(source);
    if (!producer) throw new MediaError('NOT_FOUND', `no ${source} track is published`);
    if (paused) await producer.pause();
    else await producer.resume();
  }

  closeProducer(producerId: string): void {
    const producer = this.#producers.get(producerId);
    if (!producer) throw new MediaError('NOT_FOUND', `no producer ${producerId}`);
    producer.close();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const transport of this.#transports.values()) transport.close();
    this.#transports.clear();
    this.#producers.clear();
    this.#consumers.clear();
    this.emit('close');
  }

  #assertOpen(): void {
    if (this.#closed) throw new MediaError('NOT_FOUND', 'the peer left');
  }

  #transportById(transportId: string): PeerTransport {
    this.#assertOpen();
    for (const transport of this.#transports.values()) {
      if (transport.id === transportId) return transport;
    }
    throw new MediaError('NOT_FOUND', `no transport ${transportId}`);
  }

  #consumerById(consumerId: string): PeerConsumer {
    this.#assertOpen();
    const consumer = this.#consumers.get(consumerId);
    if (!consumer) throw new MediaError('NOT_FOUND', `no consumer ${consumerId}`);
    return consumer;
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** What a client needs to receive `consumer` on its side. */
function paramsOf(
  consumer: PeerConsumer,
  producerId: string,
  peerId: string,
  source: ConsumerAppData['source'],
): ConsumerParams {
  return {
    id: consumer.id,
    producerId,
    peerId,
    source,
    kind: consumer.kind,
    rtpParameters: consumer.rtpParameters,
    type: consumer.type,
    producerPaused: consumer.producerPaused,
  };
}
