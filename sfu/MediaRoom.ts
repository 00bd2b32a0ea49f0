// A room's media: one router on one worker, its speaking observers, and the
// peers' media. Ownership is a tree (router → transports → producers and
// consumers): closing the room closes the router and everything under it,
// and a worker that dies closes its rooms the same way.
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

  /** A producer of any peer in this room. */
  findProducer(producerId: string): PeerProducer | undefined {
    for (const peer of this.#peers.values()) {
      const producer = peer.producers.get(producerId);
      if (producer) return producer;
    }
    return undefined;
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
    this.#logger.info({ reason }, 'media room closed');
    this.emit('close', reason);
  }
}
