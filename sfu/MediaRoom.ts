// A room's media: one router on one worker, its speaking observers, and the
// peers' media. Ownership is a tree (router → transports → producers and
// consumers): closing the room closes the router and everything under it,
// and a worker that dies closes its rooms the same way.
//
// Guest producers are the other half of a PK battle: the opponent room's
// producers piped into this router (sfu/RouterPipe.ts). This room's peers
// consume them like any peer's producer, but the room does not own them:
// the pipe creates and closes them, the room only lists them until they close.
import { EventEmitter } from 'node:events';
import type { types } from 'mediasoup';
import type { Logger } from 'pino';
import { MediaError } from './MediaError.ts';
import { MediaPeer } from './MediaPeer.ts';
import type { MediaRoomEvents, MediaRoomOptions, PeerProducer } from './MediaRoomTypes.ts';
import { routerMediaCodecs } from './mediaCodecs.ts';
import type { MediaWorker } from './WorkerPoolTypes.ts';

/** Levels below this (dBov) count as silence for speaking indicators. */
const SPEAKING_THRESHOLD_DBOV = -60;

export class MediaRoom extends EventEmitter<MediaRoomEvents> {
  readonly id: string;
  readonly router: types.Router;
  readonly #webRtcServer: types.WebRtcServer;
  readonly #activeSpeakerObserver: types.ActiveSpeakerObserver;
  readonly #audioLevelObserver: types.AudioLevelObserver;
  readonly #options: Required<MediaRoomOptions>;
  readonly #logger: Logger;
  readonly #peers = new Map<string, MediaPeer>();
  readonly #guestProducers = new Map<string, PeerProducer>();
  #closed = false;

  static async create(worker: MediaWorker, options: MediaRoomOptions, logger: Logger): Promise<MediaRoom> {
    const router = await worker.worker.createRouter({ mediaCodecs: routerMediaCodecs });
    try {
      const activeSpeakerObserver = await router.createActiveSpeakerObserver({ interval: 300 });
      const audioLevelObserver = await router.createAudioLevelObserver({
        maxEntries: 9,
        threshold: SPEAKING_THRESHOLD_DBOV,
        interval: 400,
      });
      return new MediaRoom(router, worker.webRtcServer, activeSpeakerObserver, audioLevelObserver, options, logger);
    } catch (error) {
      router.close();
      throw error;
    }
  }

  private constructor(
    router: types.Router,
    webRtcServer: types.WebRtcServer,
    activeSpeakerObserver: types.ActiveSpeakerObserver,
    audioLevelObserver: types.AudioLevelObserver,
    options: MediaRoomOptions,
    logger: Logger,
  ) {
    super();
    this.id = options.roomId;
    this.router = router;
    this.#webRtcServer = webRtcServer;
    this.#activeSpeakerObserver = activeSpeakerObserver;
    this.#audioLevelObserver = audioLevelObserver;
    this.#options = {
      maxIncomingBitrateBps: 4_000_000,
      initialAvailableOutgoingBitrateBps: 1_000_000,
      ...options,
    };
    this.#logger = logger.child({ roomId: options.roomId });

    // The observers' events carry untyped producers (mediasoup does not make
    // them generic): the room's own producer of the same id has the typed appData.
    activeSpeakerObserver.on('dominantspeaker', ({ producer }) => {
      const peerId = this.findProducer(producer.id)?.appData.peerId;
      if (peerId !== undefined) this.emit('activespeaker', peerId);
    });
    audioLevelObserver.on('volumes', (volumes) => {
      this.emit(
        'audiolevels',
        volumes.flatMap(({ producer, volume }) => {
          const peerId = this.findProducer(producer.id)?.appData.peerId;
          return peerId === undefined ? [] : [{ peerId, volume }];
        }),
      );
    });
    audioLevelObserver.on('silence', () => this.emit('silence'));
    router.on('workerclose', () => this.#onClosed('worker-died'));
  }

  get closed(): boolean {
    return this.#closed;
  }

  get rtpCapabilities(): types.RtpCapabilities {
    return this.router.rtpCapabilities;
  }

  get peers(): ReadonlyMap<string, MediaPeer> {
    return this.#peers;
  }

  /** Producers piped in from another room, by id; appData.peerId names the other room's host. */
  get guestProducers(): ReadonlyMap<string, PeerProducer> {
    return this.#guestProducers;
  }

  /** Adds a peer's media node; it is removed again when the peer closes. */
  addPeer(peerId: string, rtpCapabilities: types.RtpCapabilities): MediaPeer {
    if (this.#closed) throw new MediaError('UNAVAILABLE', 'the room is closed');
    if (this.#peers.has(peerId)) throw new MediaError('CONFLICT', `peer ${peerId} is already in the room`);
    const peer = new MediaPeer(peerId, rtpCapabilities, {
      router: this.router,
      webRtcServer: this.#webRtcServer,
      speakingObservers: [this.#activeSpeakerObserver, this.#audioLevelObserver],
      maxIncomingBitrateBps: this.#options.maxIncomingBitrateBps,
      initialAvailableOutgoingBitrateBps: this.#options.initialAvailableOutgoingBitrateBps,
      findProducer: (producerId) => this.findProducer(producerId),
      logger: this.#logger.child({ peerId }),
    });
    this.#peers.set(peerId, peer);
    peer.once('close', () => this.#peers.delete(peerId));
    return peer;
  }

  /**
   * Lists a producer created on this room's router by a pipe from another
   * room, so this room's peers can consume it; it leaves the list when it
   * closes. Not added to the speaking observers: they tell who speaks in
   * this session, and the opponent is not one of its hosts.
   */
  addGuestProducer(producer: PeerProducer): void {
    if (this.#closed) throw new MediaError('UNAVAILABLE', 'the room is closed');
    if (producer.closed) throw new MediaError('NOT_FOUND', `producer ${producer.id} is closed`);
    if (this.findProducer(producer.id))
      throw new MediaError('CONFLICT', `producer ${producer.id} is already in the room`);
    this.#guestProducers.set(producer.id, producer);
    producer.observer.once('close', () => this.#guestProducers.delete(producer.id));
  }

  /** A producer of any peer in this room, or a guest producer. */
  findProducer(producerId: string): PeerProducer | undefined {
    for (const peer of this.#peers.values()) {
      const producer = peer.producers.get(producerId);
      if (producer) return producer;
    }
    return this.#guestProducers.get(producerId);
  }

  close(): void {
    if (this.#closed) return;
    this.router.close();
    this.#onClosed('closed');
  }

  #onClosed(reason: 'closed' | 'worker-died'): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const peer of this.#peers.values()) peer.close();
    this.#peers.clear();
    // The router took them with it (their transport closed).
    this.#guestProducers.clear();
    this.#logger.info({ reason }, 'media room closed');
    this.emit('close', reason);
  }
}
