// Watches the video consumers that feed one FFmpeg run and asks their
// producers for a key frame when one stalls (videoStallPolicy.ts decides
// when). The consumer's own packet counter (getStats) is the signal: it is
// what FFmpeg actually receives, whatever happened upstream.
import type { types } from 'mediasoup';
import type { Logger } from 'pino';
import { VideoStallPolicy, type KeyFrameReason, type VideoStallPolicyOptions } from './videoStallPolicy.ts';

/** How often each consumer's counter is read: a stall is seen within stallMs + this. */
const SAMPLE_INTERVAL_MS = 100;

export interface VideoStallWatchOptions extends VideoStallPolicyOptions {
  /** Told what failed when a live consumer could not be read or asked. */
  logger: Logger;
  /** Told about every key frame request made (for logs and tests). */
  onKeyFrameRequest?: (consumer: types.Consumer, reason: KeyFrameReason) => void;
}

export interface VideoStallWatch {
  /** Key frame requests made so far, over all watched consumers. */
  readonly requests: number;
  stop(): void;
}

export function watchVideoStalls(
  consumers: readonly types.Consumer[],
  options: VideoStallWatchOptions,
): VideoStallWatch {
  const watched = consumers
    .filter((consumer) => consumer.kind === 'video')
    .map((consumer) => ({ consumer, policy: new VideoStallPolicy(options), sampling: false }));
  let requests = 0;
  let stopped = false;
  const sample = async (entry: (typeof watched)[number]) => {
    const { consumer, policy } = entry;
    // A slow worker answer must not pile up requests behind it.
    if (entry.sampling || consumer.closed) return;
    entry.sampling = true;
    try {
      const stats = await consumer.getStats();
      const sent = stats.find((stat) => stat.type === 'outbound-rtp');
      if (stopped || consumer.closed || !sent) return;
      const reason = policy.observe({
        nowMs: performance.now(),
        packetCount: sent.packetCount,
        paused: consumer.paused || consumer.producerPaused,
      });
      if (!reason) return;
      requests++;
      options.onKeyFrameRequest?.(consumer, reason);
      await consumer.requestKeyFrame();
    } catch (error) {
      // Closed while asking (its host left, or the watch was replaced): nothing to watch any more.
      if (stopped || consumer.closed) return;
      options.logger.warn(
        { err: error, producerId: consumer.producerId },
        'video stall watch: could not read or ask a camera consumer',
      );
    } finally {
      entry.sampling = false;
    }
  };
  const timer = setInterval(() => {
    for (const entry of watched) void sample(entry);
  }, SAMPLE_INTERVAL_MS);
  return {
    get requests() {
      return requests;
    },
    stop() {
      stopped = true;
      clearInterval(timer);
    },
  };
}
