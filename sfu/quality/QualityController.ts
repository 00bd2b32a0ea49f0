// Adaptive quality for one viewer (a joined host): every few seconds, and
// whenever the viewer's tiles change, decide each video consumer's simulcast
// layers from its tile size and the viewer's network (sfu/quality, pure),
// then apply the decisions to mediasoup and tell the viewer.
//
// Sampling is the cost that grows with viewers (each statistic read is a
// round trip to the media worker), so a sample reads the recv transport
// once, and one consumer for the RTT only every few seconds, not every
// consumer; a settled viewer is sampled less often, mediasoup's own events
// (a consumer's layers changing, its score falling) bring the next sample
// forward, and all viewers' samples fall on a shared grid so the worker's
// answers come back in batches.
import type { Logger } from 'pino';
import type { MediaPeer } from '../MediaPeer.ts';
import type { PeerConsumer } from '../MediaRoomTypes.ts';
import {
  decideLayers,
  initialViewerQualityState,
  type ConsumerTile,
  type LayerDecision,
  type LayerDecisionOptions,
  type ViewerQualityState,
} from './layerDecision.ts';
import {
  ACTIVE_SAMPLE_INTERVAL_MS,
  alignedDelayMs,
  networkSampleFrom,
  nextSampleDelayMs,
  RTT_READ_INTERVAL_MS,
  type ConsumerReading,
} from './networkSampling.ts';
import type { NetworkSample, QualityTier } from './qualityTiers.ts';

/** Audio is never adapted; reserve its bitrate (Opus ≈ 40 kbit/s per consumer). */
const AUDIO_RESERVE_BPS = 40_000;

export interface Viewport {
  consumerId: string;
  visible: boolean;
  height: number;
  main: boolean;
}

export interface QualityListener {
  adapted(decision: LayerDecision): void;
  tierChanged(tier: QualityTier): void;
}

export class QualityController {
  readonly #media: MediaPeer;
  readonly #listener: QualityListener;
  readonly #logger: Logger;
  readonly #options: Partial<LayerDecisionOptions>;
  #state: ViewerQualityState = initialViewerQualityState();
  readonly #viewports = new Map<string, Viewport>();
  /** Consumers the client asked to resume (it is ready to render them). */
  readonly #clientResumed = new Set<string>();
  /** Consumers the decision paused (hidden tile or no bandwidth). */
  readonly #qualityPaused = new Set<string>();
  #tier: QualityTier | null = null;
  /** Video consumers seen sending packets: no longer waiting for their first key frame. */
  readonly #seenSending = new Set<string>();
  readonly #lastScoreByConsumerId = new Map<string, number>();
  /** Consumers whose score fell: the next sample reads their receiver reports (loss) too. */
  readonly #scoreFell = new Set<string>();
  /** Turns through the flowing consumers for the RTT, so one whose reports stopped does not stick. */
  #rttTurn = 0;
  #rttMs = 0;
  #rttReadAt = -Infinity;
  #sampleTimer: NodeJS.Timeout | undefined;
  /** performance.now() of the next sample and of the last one. */
  #nextSampleAt = 0;
  #lastSampleAt = -Infinity;
  #sampling = false;
  /** An event asked for a sample while one was being taken: the next one comes soon. */
  #sampleRequested = false;
  #closed = false;
  #deciding: Promise<unknown> = Promise.resolve();

  constructor(
    media: MediaPeer,
    listener: QualityListener,
    logger: Logger,
    options: Partial<LayerDecisionOptions> = {},
  ) {
    this.#options = options;
    this.#media = media;
    this.#listener = listener;
    this.#logger = logger;
    this.#armSampleTimer(ACTIVE_SAMPLE_INTERVAL_MS);
    media.on('consumerclosed', (consumerId) => this.#forget(consumerId));
    // mediasoup's estimator moved what a consumer gets: the network changed.
    media.on('consumerlayerschange', () => this.#sampleSoon());
    // A falling score is loss towards the viewer (the producer's own score is the publisher's uplink).
    media.on('consumerscore', (consumerId, { score }) => {
      const previous = this.#lastScoreByConsumerId.get(consumerId);
      this.#lastScoreByConsumerId.set(consumerId, score);
      if (previous === undefined || score >= previous) return;
      this.#scoreFell.add(consumerId);
      this.#sampleSoon();
    });
  }

  /** The client is ready for this consumer; it flows unless a decision holds it paused. */
  async resume(consumerId: string): Promise<void> {
    this.#clientResumed.add(consumerId);
    if (!this.#qualityPaused.has(consumerId)) await this.#media.resumeConsumer(consumerId);
    // Watch for its first packet at the active pace (a lost key-frame request is repeated by the next sample).
    this.#sampleSoon();
  }

  setViewports(viewports: Viewport[]): void {
    for (const viewport of viewports) {
      if (this.#media.consumers.get(viewport.consumerId)?.kind === 'video') {
        this.#viewports.set(viewport.consumerId, viewport);
      }
    }
    this.#schedule(false);
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#sampleTimer);
  }

  /** Decisions run one at a time, in order, so a slow getStats cannot interleave two. */
  #schedule(withSample: boolean): void {
    this.#deciding = this.#deciding
      .then(() => this.#decide(withSample))
      .catch((error: unknown) => {
        this.#logger.warn({ err: error }, 'quality decision failed');
        return ACTIVE_SAMPLE_INTERVAL_MS;
      })
      .then((delayMs) => {
        if (!withSample) return;
        this.#sampling = false;
        this.#armSampleTimer(this.#sampleRequested ? ACTIVE_SAMPLE_INTERVAL_MS : delayMs);
      });
  }

  #armSampleTimer(delayMs: number): void {
    clearTimeout(this.#sampleTimer);
    if (this.#closed) return;
    this.#sampleRequested = false;
    const nowMs = performance.now();
    const alignedMs = alignedDelayMs(nowMs, delayMs);
    this.#nextSampleAt = nowMs + alignedMs;
    this.#sampleTimer = setTimeout(() => {
      this.#sampling = true;
      this.#schedule(true);
    }, alignedMs);
    this.#sampleTimer.unref();
  }

  /** Brings the next sample forward, but never closer than the active interval to the last one. */
  #sampleSoon(): void {
    if (this.#closed) return;
    if (this.#sampling) {
      this.#sampleRequested = true;
      return;
    }
    const dueAt = Math.max(performance.now(), this.#lastSampleAt + ACTIVE_SAMPLE_INTERVAL_MS);
    if (dueAt < this.#nextSampleAt) this.#armSampleTimer(dueAt - performance.now());
  }

  /** Decides (with a fresh network sample if asked); answers how soon the next sample is due. */
  async #decide(withSample: boolean): Promise<number> {
    if (withSample) this.#lastSampleAt = performance.now();
    if (this.#media.closed) return ACTIVE_SAMPLE_INTERVAL_MS;
    const videoConsumers = [...this.#media.consumers.values()].filter((consumer) => consumer.kind === 'video');
    if (videoConsumers.length === 0) return ACTIVE_SAMPLE_INTERVAL_MS;
    const tiles: ConsumerTile[] = videoConsumers.map((consumer) => {
      const viewport = this.#viewports.get(consumer.id);
      // Until the client reports a tile, assume a visible mid-size one.
      return {
        consumerId: consumer.id,
        visible: viewport?.visible ?? true,
        tileHeightPx: viewport?.height ?? 360,
        priority: viewport?.main ? 2 : 1,
      };
    });
    const audioCount = this.#media.consumers.size - videoConsumers.length;
    const input = { consumers: tiles, reservedBitrateBps: audioCount * AUDIO_RESERVE_BPS };
    const sample = withSample ? await this.#sample(videoConsumers) : undefined;
    // Closed while the worker answered (the host left): nothing to decide, nobody to tell.
    if (this.#closed) return ACTIVE_SAMPLE_INTERVAL_MS;
    const result = decideLayers(this.#state, { ...input, ...(sample ? { sample } : {}) }, Date.now(), this.#options);
    this.#state = result.state;
    for (const decision of result.decisions) {
      if (decision.changed && !this.#closed) await this.#apply(decision);
    }
    if (this.#closed) return ACTIVE_SAMPLE_INTERVAL_MS;
    const tier = result.decisions[0]?.tier ?? null;
    if (tier && tier !== this.#tier) {
      this.#logger.info({ tier, previous: this.#tier, sample }, 'viewer network tier changed');
      this.#tier = tier;
      this.#listener.tierChanged(tier);
    }
    return nextSampleDelayMs(
      {
        state: result.state,
        sample,
        input,
        decisionsChanged: result.decisions.some((decision) => decision.changed),
        awaitingMedia: this.#awaitingMedia(videoConsumers).length,
      },
      this.#options,
    );
  }

  async #apply(decision: LayerDecision): Promise<void> {
    const consumer = this.#media.consumers.get(decision.consumerId);
    if (!consumer || consumer.closed) return;
    if (decision.paused) {
      this.#qualityPaused.add(consumer.id);
      await consumer.pause();
    } else {
      this.#qualityPaused.delete(consumer.id);
      if (consumer.type === 'simulcast' || consumer.type === 'svc') {
        await consumer.setPreferredLayers({
          spatialLayer: decision.spatialLayer,
          temporalLayer: decision.temporalLayer,
        });
      }
      if (this.#clientResumed.has(consumer.id)) await consumer.resume();
    }
    if (!this.#closed) this.#listener.adapted(decision);
  }

  /**
   * The viewer's network as the recv transport (bandwidth estimate, loss of
   * every packet) and, every few seconds, one flowing consumer's receiver
   * reports (RTT) see it. Also read: consumers still waiting for their first
   * packet, and those whose score fell (their reports' loss covers viewers
   * without transport-cc).
   */
  async #sample(videoConsumers: PeerConsumer[]): Promise<NetworkSample | undefined> {
    const transport = this.#media.transport('recv');
    if (!transport) return undefined;
    const [transportStats] = await transport.getStats();
    const flowing = videoConsumers.filter((consumer) => !consumer.paused && !consumer.producerPaused);
    const awaiting = this.#awaitingMedia(videoConsumers);
    const rttDue = performance.now() - this.#rttReadAt >= RTT_READ_INTERVAL_MS;
    const rttSource = rttDue && flowing.length > 0 ? flowing[this.#rttTurn++ % flowing.length] : undefined;
    const fell = videoConsumers.filter((consumer) => this.#scoreFell.has(consumer.id));
    this.#scoreFell.clear();
    const read = [...new Set([...awaiting, ...fell, ...(rttSource ? [rttSource] : [])])];
    const readings: ConsumerReading[] = [];
    for (const consumer of read) {
      const outbound = (await consumer.getStats()).find((stats) => stats.type === 'outbound-rtp');
      if ((outbound?.packetCount ?? 0) > 0) this.#seenSending.add(consumer.id);
      // A flowing consumer that has sent nothing yet is waiting for a key
      // frame whose request (sent on resume) was lost or ignored: ask again.
      else if (!consumer.paused && !consumer.producerPaused) {
        // The next sample asks again; a consumer closed meanwhile is forgotten by its event.
        await consumer.requestKeyFrame().catch((error: unknown) => {
          this.#logger.warn({ err: error, consumerId: consumer.id }, 'requestKeyFrame failed');
        });
      }
      if (!outbound) continue;
      readings.push(outbound);
      // 0: no receiver report with a round trip yet (just resumed); read again at the next sample.
      const rttMs = outbound.roundTripTime ?? 0;
      if (consumer === rttSource && rttMs > 0) {
        this.#rttMs = rttMs;
        this.#rttReadAt = performance.now();
      }
    }
    return networkSampleFrom(transportStats, this.#rttMs, readings);
  }

  /** Flowing video consumers not yet seen sending a packet. */
  #awaitingMedia(videoConsumers: PeerConsumer[]): PeerConsumer[] {
    return videoConsumers.filter(
      (consumer) => !consumer.paused && !consumer.producerPaused && !this.#seenSending.has(consumer.id),
    );
  }

  #forget(consumerId: string): void {
    this.#viewports.delete(consumerId);
    this.#clientResumed.delete(consumerId);
    this.#qualityPaused.delete(consumerId);
    this.#seenSending.delete(consumerId);
    this.#lastScoreByConsumerId.delete(consumerId);
    this.#scoreFell.delete(consumerId);
  }
}
