// Adaptive quality for one viewer (a joined host): every few seconds, and
// whenever the viewer's tiles change, decide each video consumer's simulcast
// layers from its tile size and the viewer's network (sfu/quality, pure),
// then apply the decisions to mediasoup and tell the viewer.
import type { types } from 'mediasoup';
import type { Logger } from 'pino';
import type { MediaPeer } from '../../sfu/MediaPeer.ts';
import {
  decideLayers,
  initialViewerQualityState,
  type ConsumerTile,
  type LayerDecision,
  type LayerDecisionOptions,
  type ViewerQualityState,
} from '../../sfu/quality/layerDecision.ts';
import { lossPctFromFractionLost, type NetworkSample, type QualityTier } from '../../sfu/quality/qualityTiers.ts';

/** How often the viewer's network is sampled. */
const SAMPLE_INTERVAL_MS = 2000;
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
  #timer: NodeJS.Timeout | undefined;
  #deciding: Promise<void> = Promise.resolve();

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
    this.#timer = setInterval(() => this.#schedule(true), SAMPLE_INTERVAL_MS);
    this.#timer.unref();
    media.on('consumerclosed', (consumerId) => this.#forget(consumerId));
  }

  /** The client is ready for this consumer; it flows unless a decision holds it paused. */
  async resume(consumerId: string): Promise<void> {
    this.#clientResumed.add(consumerId);
    if (!this.#qualityPaused.has(consumerId)) await this.#media.resumeConsumer(consumerId);
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
    clearInterval(this.#timer);
  }

  /** Decisions run one at a time, in order, so a slow getStats cannot interleave two. */
  #schedule(withSample: boolean): void {
    this.#deciding = this.#deciding
      .then(() => this.#decide(withSample))
      .catch((error: unknown) => this.#logger.warn({ err: error }, 'quality decision failed'));
  }

  async #decide(withSample: boolean): Promise<void> {
    if (this.#media.closed) return;
    const videoConsumers = [...this.#media.consumers.values()].filter((consumer) => consumer.kind === 'video');
    if (videoConsumers.length === 0) return;
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
    const sample = withSample ? await this.#sample(videoConsumers) : undefined;
    const result = decideLayers(
      this.#state,
      { consumers: tiles, reservedBitrateBps: audioCount * AUDIO_RESERVE_BPS, ...(sample ? { sample } : {}) },
      Date.now(),
      this.#options,
    );
    this.#state = result.state;
    for (const decision of result.decisions) {
      if (decision.changed) await this.#apply(decision);
    }
    const tier = result.decisions[0]?.tier ?? null;
    if (tier && tier !== this.#tier) {
      this.#logger.info({ tier, previous: this.#tier, sample }, 'viewer network tier changed');
      this.#tier = tier;
      this.#listener.tierChanged(tier);
    }
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
    this.#listener.adapted(decision);
  }

  /** The viewer's network as the recv transport and its consumers' RTCP reports see it. */
  async #sample(videoConsumers: types.Consumer[]): Promise<NetworkSample | undefined> {
    const transport = this.#media.transport('recv');
    if (!transport) return undefined;
    const [transportStats] = await transport.getStats();
    let rttMs = 0;
    let lossPct = 0;
    for (const consumer of videoConsumers) {
      const outbound = (await consumer.getStats()).find((stats) => stats.type === 'outbound-rtp');
      // A flowing consumer that has sent nothing yet is waiting for a key
      // frame whose request (sent on resume) was lost or ignored: ask again.
      if (!consumer.paused && !consumer.producerPaused && (outbound?.packetCount ?? 0) === 0) {
        await consumer.requestKeyFrame().catch(() => undefined);
      }
      if (!outbound) continue;
      rttMs = Math.max(rttMs, outbound.roundTripTime ?? 0);
      lossPct = Math.max(lossPct, lossPctFromFractionLost(outbound.fractionLost));
    }
    const bitrate = transportStats?.availableOutgoingBitrate;
    // 0 means "no estimate yet" (no congestion feedback so far), not "no
    // bandwidth": deciding on it would pause everything before media starts.
    if (!bitrate) return undefined;
    return { availableBitrateBps: bitrate, rttMs, lossPct };
  }

  #forget(consumerId: string): void {
    this.#viewports.delete(consumerId);
    this.#clientResumed.delete(consumerId);
    this.#qualityPaused.delete(consumerId);
  }
}
