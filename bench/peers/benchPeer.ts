// What the rooms and fan-out workloads need of a synthetic peer, whichever
// server it talks to: Stagecast and the bare-mediasoup baseline through
// their Socket.io protocol (HostPeer), Janus through its VideoRoom API
// (JanusPeer). The media underneath are the same Publisher and Subscriber.
import type { QualityAdapted } from '../../signaling/protocol/index.ts';
import type { HostPlan, HostTimeline } from './hostPeer.ts';
import type { Publisher } from './publisher.ts';
import type { ReceivedStream, Subscriber } from './subscriber.ts';

export interface BenchPeer {
  readonly plan: HostPlan;
  readonly timeline: HostTimeline;
  readonly publisher: Publisher | undefined;
  readonly subscriber: Subscriber | undefined;
  readonly receivedStreams: ReceivedStream[];
  /** SRTP profile of the first connected transport. */
  readonly srtpProfile: string | undefined;
  /** UDP ports of this peer's transports: ours, and the server's. */
  readonly udpPorts: { local: number[]; remote: number[] };
  /** Errors after the join (a subscription that failed): counted, not fatal. */
  readonly laterErrors: string[];
  /** The server's layer decisions, where it tells them (Stagecast's quality controller). */
  readonly qualityByConsumerId: ReadonlyMap<string, QualityAdapted>;
  /** Runs the join; rejects with the step that failed. Media keeps flowing until `close()`. */
  join(): Promise<void>;
  close(): Promise<void>;
}
