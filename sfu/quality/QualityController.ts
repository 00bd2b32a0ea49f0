// Adaptive quality for one viewer (a joined host): every few seconds, and
// whenever the viewer's tiles change, decide each video consumer's simulcast
// layers from its tile size and the viewer's network (sfu/quality, pure),
// then apply the decisions to mediasoup and tell the viewer what it gets.
//
// Two hands share the bandwidth. The decision caps each consumer's layers
// from a budget that sets the viewer's audio aside (mediasoup's allocator
// gives video the whole estimate, so it would overfill a tight link by the
// audio), pauses the tiles that do not fit and ranks the rest; mediasoup's
// allocator, on every estimate update, fits what flows under those caps in
// that order, and may drop a layer the decision allowed. What the viewer is
// told follows what mediasoup actually forwards: a video its allocator
// dropped is reported paused, so the viewer shows a placeholder instead of a
// frozen picture. The most important tile is never paused by the decision,
// so the transport always wants more than it gets and the estimator keeps
// probing for the link to come back.
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

/** What a viewer gets of one video consumer: what it is told (`webrtc:quality-adapted`). */
export interface VideoDelivery {
  consumerId: string;
  /** The held tier; null until the viewer's first network sample. */
  tier: QualityTier | null;
  /** No video: its tile is hidden, or the link has no room for even its lowest layer. */
  paused: boolean;
  /** The simulcast layer forwarded (mediasoup's current one once media flows); null when paused. */
  spatialLayer: number | null;
}

export interface QualityListener {
  adapted(delivery: VideoDelivery): void;
  tierChanged(tier: QualityTier): void;
}

/** mediasoup's allocation ranks (1–255; more is served first and raised faster): the main tile first. */
const TILE_PRIORITY = 1;
const MAIN_TILE_PRIORITY = 2;
/** How long a video let flow may take to be forwarded (its first key frame) before the viewer hears it is not. */
const FORWARDING_GRACE_MS = 3000;

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
  /** The latest decision per video consumer. */
  readonly #decisions = new Map<string, LayerDecision>();
  /**
   * mediasoup's forwarded spatial layer (null: none) since the consumer last
   * started flowing; absent until its first layers after a decision let it flow.
   */
  readonly #forwardedLayer = new Map<string, number | null>();
  /** What the viewer was last told, per consumer. */
  readonly #told = new Map<string, VideoDelivery>();
  /** When the decision last let each consumer flow after it did not (performance.now()). */
  readonly #letFlowAt = new Map<string, number>();
  #tier: QualityTier | null = null;
  #latestSample: NetworkSample | undefined;
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
    // mediasoup's estimator moved what a consumer gets: the network changed, and the viewer sees it.
    media.on('consumerlayerschange', (consumerId, layers) => {
      if (!this.#decisions.has(consumerId)) return;
      this.#forwardedLayer.set(consumerId, layers?.spatialLayer ?? null);
      this.#tell(consumerId);
      this.#sampleSoon();
    });
    // A falling score is loss towards the viewer (the producer's own score is the publisher's uplink).
    media.on('consumerscore', (consumerId, { score }) => {
      const previous = this.#lastScoreByConsumerId.get(consumerId);
      this.#lastScoreByConsumerId.set(consumerId, score);
      if (previous === undefined || score >= previous) return;
      this.#scoreFell.add(consumerId);
      this.#sampleSoon();
    });
  }

  /** The viewer's downlink tier, once sampled (null before). */
  get tier(): QualityTier | null {
    return this.#tier;
  }

  /** The latest sample of the viewer's downlink (bandwidth estimate, RTT, loss), if any yet. */
  get latestSample(): NetworkSample | undefined {
    return this.#latestSample;
  }

  /** The client is ready for this consumer; it flows unless a decision holds it paused. */
  async resume(consumerId: string): Promise<void> {
    this.#clientResumed.add(consumerId);
    // Its first key frame is on its way from now, not from when the decision let it flow.
    if (this.#letFlowAt.has(consumerId)) this.#letFlowAt.set(consumerId, performance.now());
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
    if (sample) this.#latestSample = sample;
    // Closed while the worker answered (the host left): nothing to decide, nobody to tell.
    if (this.#closed) return ACTIVE_SAMPLE_INTERVAL_MS;
    const result = decideLayers(this.#state, { ...input, ...(sample ? { sample } : {}) }, Date.now(), this.#options);
    this.#state = result.state;
    if (sample) this.#logger.debug({ sample, held: result.state.network.held }, 'viewer network sampled');
    const mainIds = new Set(tiles.filter((tile) => (tile.priority ?? 0) > 1).map((tile) => tile.consumerId));
    for (const decision of result.decisions) {
      if (decision.changed && !this.#closed) await this.#apply(decision, mainIds.has(decision.consumerId));
    }
    if (withSample) for (const consumer of videoConsumers) this.#checkForwarded(consumer);
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

  async #apply(decision: LayerDecision, main: boolean): Promise<void> {
    const consumer = this.#media.consumers.get(decision.consumerId);
    if (!consumer || consumer.closed) return;
    const wasFlowing = this.#decisions.get(consumer.id)?.paused === false;
    this.#decisions.set(consumer.id, decision);
    if (decision.paused) {
      this.#qualityPaused.add(consumer.id);
      this.#forwardedLayer.delete(consumer.id);
      await consumer.pause();
    } else {
      this.#qualityPaused.delete(consumer.id);
      // Until mediasoup reports layers again, the viewer is told what the decision expects.
      if (!wasFlowing) {
        this.#forwardedLayer.delete(consumer.id);
        this.#letFlowAt.set(consumer.id, performance.now());
      }
      if (consumer.type === 'simulcast' || consumer.type === 'svc') {
        await consumer.setPreferredLayers({
          spatialLayer: decision.spatialLayer,
          temporalLayer: decision.temporalLayer,
        });
        await consumer.setPriority(main ? MAIN_TILE_PRIORITY : TILE_PRIORITY);
      }
      if (this.#clientResumed.has(consumer.id)) await consumer.resume();
    }
    if (!this.#closed) this.#tell(consumer.id);
  }

  /**
   * A video the decision let flow a while ago that mediasoup forwards no
   * layer of, with no event to say so (it never got one: the estimate had no
   * room from the start): the viewer is told it is paused.
   */
  #checkForwarded(consumer: PeerConsumer): void {
    const decision = this.#decisions.get(consumer.id);
    if (!decision || decision.paused || this.#forwardedLayer.has(consumer.id)) return;
    // Not yet resumed by its client, or its producer paused: nothing is expected to flow.
    if (consumer.paused || consumer.producerPaused) return;
    if (performance.now() - (this.#letFlowAt.get(consumer.id) ?? Infinity) < FORWARDING_GRACE_MS) return;
    this.#forwardedLayer.set(consumer.id, consumer.currentLayers?.spatialLayer ?? null);
    this.#tell(consumer.id);
  }

  /** Tells the viewer what it now gets of this consumer, if that changed. */
  #tell(consumerId: string): void {
    const decision = this.#decisions.get(consumerId);
    const consumer = this.#media.consumers.get(consumerId);
    if (!decision || !consumer || this.#closed) return;
    const delivery = deliveryOf(decision, this.#forwardedLayer.get(consumerId), consumer.producerPaused);
    const told = this.#told.get(consumerId);
    if (
      told &&
      told.paused === delivery.paused &&
      told.spatialLayer === delivery.spatialLayer &&
      told.tier === delivery.tier
    ) {
      return;
    }
    this.#told.set(consumerId, delivery);
    this.#listener.adapted(delivery);
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
    this.#decisions.delete(consumerId);
    this.#forwardedLayer.delete(consumerId);
    this.#told.delete(consumerId);
    this.#letFlowAt.delete(consumerId);
    this.#clientResumed.delete(consumerId);
    this.#qualityPaused.delete(consumerId);
    this.#seenSending.delete(consumerId);
    this.#lastScoreByConsumerId.delete(consumerId);
    this.#scoreFell.delete(consumerId);
  }
}

/**
 * What the viewer gets: a video the decision paused gets nothing; otherwise,
 * once mediasoup has reported layers since the decision let it flow, what
 * it forwards (none: its allocator found no room); before that, what the
 * decision expects. A producer's own pause (camera off) is not the link's:
 * the viewer learns it from the track, so it is not reported as a pause here.
 */
function deliveryOf(
  decision: LayerDecision,
  forwardedLayer: number | null | undefined,
  producerPaused: boolean,
): VideoDelivery {
  const { consumerId, tier } = decision;
  const paused: VideoDelivery = { consumerId, tier, paused: true, spatialLayer: null };
  if (decision.paused) return paused;
  if (forwardedLayer === undefined || (forwardedLayer === null && producerPaused)) {
    return { consumerId, tier, paused: false, spatialLayer: decision.spatialLayer };
  }
  return forwardedLayer === null ? paused : { consumerId, tier, paused: false, spatialLayer: forwardedLayer };
}
