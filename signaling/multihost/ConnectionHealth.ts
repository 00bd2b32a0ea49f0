// A host's connection as the server sees it, every few seconds: what it
// receives from the host (their uplink) and sends them (their downlink), the
// loss both ways, the round trip, the spec's tier for them (as adaptive
// quality classifies a downlink), and how well the host's own streams arrive (mediasoup's
// producer scores). The host is shown the figures; the other hosts are told
// only when the host's level changes and holds, so that one bad second does
// not flash a warning. Measured on the server, not reported by the page: a
// page on a starved link cannot be relied on to say so, and the figures need
// no trust. In a mesh (no media on the server) there is nothing to measure.
import type { Logger } from 'pino';
import type { MediaPeer } from '../../sfu/MediaPeer.ts';
import type { QualityController } from '../../sfu/quality/QualityController.ts';
import { classifyTier } from '../../sfu/quality/qualityTiers.ts';
import type { ConnectionFigures, HealthLevel } from '../protocol/index.ts';

export const HEALTH_SAMPLE_INTERVAL_MS = 2000;
/** Samples a new level must hold before the other hosts are told (a blip is not a warning). */
export const LEVEL_HOLD_SAMPLES = 2;

export type HealthFigures = Omit<ConnectionFigures, 'sessionId'>;

export interface HealthListener {
  /** Every sample, for the host themselves. */
  figures(figures: HealthFigures): void;
  /** The level changed and held, for everyone in the session. */
  levelChanged(level: HealthLevel): void;
}

/**
 * poor: a tenth of the packets lost, a round trip of 400 ms or more, or the
 * host's streams arriving badly (score ≤ 3 of 10); unstable: 3 % loss,
 * 200 ms, a score ≤ 6 — the spec's loss and RTT limits for its fair and poor
 * tiers, and mediasoup's score scale (10 is clean; loss and retransmissions
 * take points). Not the bandwidth estimate: it starts low and grows only with
 * what is sent, so a host who just joined, or sends little, would read as
 * "unstable" on a perfect link. A link too thin for what is sent shows as
 * loss and delay soon enough.
 */
export function healthLevel({
  lossPct,
  rttMs,
  uplinkScore,
}: {
  lossPct: number;
  rttMs: number;
  uplinkScore: number | null;
}): HealthLevel {
  if (lossPct >= 10 || rttMs >= 400 || (uplinkScore !== null && uplinkScore <= 3)) return 'poor';
  if (lossPct >= 3 || rttMs >= 200 || (uplinkScore !== null && uplinkScore <= 6)) return 'unstable';
  return 'good';
}

/** Holds a level back until it has been seen LEVEL_HOLD_SAMPLES times in a row. */
export class LevelHold {
  #published: HealthLevel = 'good';
  #candidate: HealthLevel = 'good';
  #seen = 0;

  /** The level to publish after this sample, if it changed. */
  next(level: HealthLevel): HealthLevel | undefined {
    if (level === this.#published) {
      this.#seen = 0;
      return undefined;
    }
    this.#seen = level === this.#candidate ? this.#seen + 1 : 1;
    this.#candidate = level;
    if (this.#seen < LEVEL_HOLD_SAMPLES) return undefined;
    this.#published = level;
    this.#seen = 0;
    return level;
  }
}

export class ConnectionHealth {
  readonly #media: MediaPeer;
  readonly #quality: QualityController;
  readonly #listener: HealthListener;
  readonly #logger: Logger;
  readonly #hold = new LevelHold();
  /** Producers that have had a score above 0: before their first packets a 0 means "not yet", not "lost". */
  readonly #scored = new Set<string>();
  readonly #timer: NodeJS.Timeout;
  #sampling = false;

  constructor(
    media: MediaPeer,
    quality: QualityController,
    listener: HealthListener,
    logger: Logger,
    intervalMs = HEALTH_SAMPLE_INTERVAL_MS,
  ) {
    this.#media = media;
    this.#quality = quality;
    this.#listener = listener;
    this.#logger = logger;
    this.#timer = setInterval(() => void this.#sample(), intervalMs);
    this.#timer.unref();
  }

  close(): void {
    clearInterval(this.#timer);
  }

  async #sample(): Promise<void> {
    // A worker slower than the interval: skip a beat rather than pile up requests.
    if (this.#sampling || this.#media.closed) return;
    this.#sampling = true;
    try {
      const figures = await this.#measure();
      if (!figures || this.#media.closed) return;
      this.#listener.figures(figures);
      const changed = this.#hold.next(figures.level);
      if (changed) this.#listener.levelChanged(changed);
    } catch (error) {
      // A transport closed under the read (the host leaving): the next beat finds it gone.
      if (!this.#media.closed)
        this.#logger.warn({ err: error, userId: this.#media.id }, 'reading connection health failed');
    } finally {
      this.#sampling = false;
    }
  }

  async #measure(): Promise<HealthFigures | undefined> {
    const sendTransport = this.#media.transport('send');
    const recvTransport = this.#media.transport('recv');
    if (!sendTransport && !recvTransport) return undefined;
    const [up] = sendTransport ? await sendTransport.getStats() : [];
    const [down] = recvTransport ? await recvTransport.getStats() : [];
    const sample = this.#quality.latestSample;
    // Loss on this host's own hops only (transport-wide feedback numbers packets per hop): a receiver
    // report's loss would also count what another host's uplink lost on its way here.
    const lossPct = Math.max((down?.rtpPacketLossSent ?? 0) * 100, (up?.rtpPacketLossReceived ?? 0) * 100);
    const rttMs = sample?.rttMs ?? 0;
    // The spec's tiers on the same grounds: this hop's bandwidth estimate, round trip and loss.
    const tier = sample ? classifyTier({ availableBitrateBps: sample.availableBitrateBps, rttMs, lossPct }) : null;
    const uplinkScore = this.#uplinkScore();
    return {
      sendKbps: Math.round((up?.recvBitrate ?? 0) / 1000),
      receiveKbps: Math.round((down?.sendBitrate ?? 0) / 1000),
      lossPct: Math.round(lossPct * 10) / 10,
      rttMs: Math.round(rttMs),
      tier,
      uplinkScore,
      level: healthLevel({ lossPct, rttMs, uplinkScore }),
    };
  }

  /** The worst score among the host's flowing producers' streams (simulcast: its best layer counts). */
  #uplinkScore(): number | null {
    let worst: number | null = null;
    for (const producer of this.#media.producers.values()) {
      if (producer.paused) continue;
      const best = Math.max(0, ...producer.score.map((stream) => stream.score));
      if (best > 0) this.#scored.add(producer.id);
      if (!this.#scored.has(producer.id)) continue;
      worst = worst === null ? best : Math.min(worst, best);
    }
    return worst;
  }
}
