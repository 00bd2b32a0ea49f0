// One host joined to a session's media room from one connection: the glue
// between that connection and the host's MediaPeer. It forwards the media
// layer's events to the connection and the session's clients, and keeps the
// session's track list in step with the peer's producers. It knows the
// connection by id only; pushes go through SessionPushes.
import type { Logger } from 'pino';
import { AppError } from '../errors.ts';
import type { MediaPeer } from '../../sfu/MediaPeer.ts';
import type { PeerProducer } from '../../sfu/MediaRoomTypes.ts';
import type { TrackSource } from '../protocol/index.ts';
import type { LayerDecisionOptions } from '../../sfu/quality/layerDecision.ts';
import { QualityController } from '../../sfu/quality/QualityController.ts';
import { ConnectionHealth } from './ConnectionHealth.ts';
import type { Session } from './Session.ts';
import type { SessionPushes } from './SessionPushes.ts';

export class HostConnection {
  readonly userId: string;
  readonly sessionId: string;
  /** The client connection (a socket id) this host joined from. */
  readonly connectionId: string;
  readonly media: MediaPeer;
  readonly quality: QualityController;
  readonly #health: ConnectionHealth;
  readonly #session: Session;
  readonly #pushes: SessionPushes;
  readonly #onPublished: (producer: PeerProducer) => void;

  constructor(
    session: Session,
    connectionId: string,
    media: MediaPeer,
    pushes: SessionPushes,
    logger: Logger,
    qualityOptions: Partial<LayerDecisionOptions> = {},
    onPublished: (producer: PeerProducer) => void = () => undefined,
  ) {
    this.#onPublished = onPublished;
    this.userId = media.id;
    this.sessionId = session.id;
    this.connectionId = connectionId;
    this.media = media;
    this.#session = session;
    this.#pushes = pushes;
    const viewer = pushes.connection(connectionId);
    media.on('consumerclosed', (consumerId) => viewer.emit('webrtc:consumer-closed', { consumerId }));
    this.quality = new QualityController(
      media,
      {
        adapted: ({ consumerId, tier, paused, spatialLayer }) =>
          viewer.emit('webrtc:quality-adapted', {
            consumerId,
            tier: tier ?? 'good',
            paused,
            spatialLayer: paused ? null : spatialLayer,
          }),
        tierChanged: (tier) =>
          pushes
            .session(session.id)
            .emit('webrtc:peer-quality-changed', { sessionId: session.id, userId: this.userId, tier }),
      },
      logger,
      qualityOptions,
    );
    this.#health = new ConnectionHealth(
      media,
      this.quality,
      {
        figures: (figures) => viewer.emit('webrtc:stats-update', { sessionId: session.id, ...figures }),
        levelChanged: (level) =>
          pushes
            .session(session.id)
            .emit('webrtc:connection-warning', { sessionId: session.id, userId: this.userId, level }),
      },
      logger,
    );
  }

  /** Records a new producer in the session and tells the other hosts to consume it. */
  published(producer: PeerProducer): void {
    const { source } = producer.appData;
    const track = {
      producerId: producer.id,
      source,
      kind: producer.kind,
      paused: producer.paused,
      via: 'sfu' as const,
    };
    this.#session.addTrack(this.userId, track);
    producer.observer.once('close', () => {
      this.#session.removeTrack(this.userId, producer.id);
      if (this.media.closed) return; // leaving: `multihost:left` tells everyone at once
      const sessionId = this.#session.id;
      this.#pushes
        .session(sessionId, this.connectionId)
        .emit('webrtc:producer-closed', { sessionId, userId: this.userId, producerId: producer.id });
      // Back to the mesh: the same source is still sent peer to peer, and listed so.
      const host = this.#session.host(this.userId);
      if (host.tracks.some((listed) => listed.source === source)) {
        this.#pushes.session(sessionId).emit('multihost:host-updated', { sessionId, host });
      }
    });
    this.#pushes
      .session(this.#session.id, this.connectionId)
      .emit('webrtc:new-producer', { sessionId: this.#session.id, userId: this.userId, track });
    this.#onPublished(producer);
  }

  /** Camera/mic off and on: pauses the producer (no media flows) and shows it to everyone. */
  async toggle(source: TrackSource, enabled: boolean): Promise<void> {
    // Peer to peer (mesh) there is no producer: only the listing changes.
    if (this.media.producerOf(source)) await this.media.setSourcePaused(source, !enabled);
    else if (!this.#session.host(this.userId).tracks.some((track) => track.source === source)) {
      throw new AppError('NOT_FOUND', `no ${source} track is published`);
    }
    this.#session.setSourcePaused(this.userId, source, !enabled);
    this.#pushes
      .session(this.#session.id)
      .emit('webrtc:track-toggled', { sessionId: this.#session.id, userId: this.userId, source, enabled });
  }

  /** What this host sends peer to peer (mesh): listed in the session for everyone. */
  setMeshTracks(tracks: { source: TrackSource; kind: 'audio' | 'video'; paused: boolean }[]): void {
    if (!this.#session.setMeshTracks(this.userId, tracks)) return;
    const sessionId = this.#session.id;
    this.#pushes
      .session(sessionId)
      .emit('multihost:host-updated', { sessionId, host: this.#session.host(this.userId) });
  }

  close(): void {
    this.#health.close();
    this.quality.close();
    this.media.close();
  }
}
