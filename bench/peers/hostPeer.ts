// A synthetic host: the protocol steps a browser tab makes, over the public
// surface only. Connect the socket → router capabilities → join → send and
// recv transports (ICE + DTLS through werift) → produce camera (simulcast)
// and microphone → consume every remote track (paused, then resumed) and
// tell the server the tile size it is shown at.
import type {
  JoinResult,
  PublishedTrack,
  PushEvent,
  QualityAdapted,
  RequestEvent,
  RequestOf,
  ResponseOf,
  ServerToClientEvents,
} from '../../signaling/protocol/index.ts';
import type { Clip } from '../media/clip.ts';
import type { BenchPeer } from './benchPeer.ts';
import { openMediasoupLink, type MediasoupLink, type RemoteTransportParameters } from '../../testkit/mediasoupLink.ts';
import type { Impairment } from '../impair/impairment.ts';
import type { RelayCounters } from '../impair/impairmentRelay.ts';
import { RelayPool, type RelayHandle } from '../impair/relayPool.ts';
import {
  audioProducerParameters,
  syntheticReceiveCapabilities,
  TRANSPORT_CC_URI,
  videoProducerParameters,
} from '../../testkit/rtpParameters.ts';
import type { MediaClock } from './mediaClock.ts';
import { Publisher } from './publisher.ts';
import { openSignalingChannel, RequestFailed, type SignalingChannel } from './signalingChannel.ts';
import { Subscriber, type ReceivedStream } from './subscriber.ts';

export type PublishMode = 'audio+video' | 'audio' | 'none';

export interface HostPlan {
  url: string;
  sessionId: string;
  token: string;
  label: string;
  publish: PublishMode;
  /** Consume the other hosts' tracks. */
  consume: boolean;
  /** Remote tracks this host should end up receiving (for "all media" timing). */
  expectedRemoteTracks: number;
  /** Tile height reported for each video consumer (drives the layer the server picks). */
  tileHeightPx: number;
  /** Negotiate transport-cc and send its feedback, so the server estimates our bandwidth. */
  bandwidthEstimation: boolean;
  clip: Clip;
  clock: MediaClock;
  /** Per-step time limit for ICE/DTLS and each request. */
  timeoutMs: number;
  /** Reach the server through an impairment relay per transport (bench/impair): what each direction suffers. */
  impairment?: { up: Impairment; down: Impairment } | undefined;
}

/** When each step finished, in performance.now() ms. */
export interface HostTimeline {
  connectStartAt: number;
  socketConnectedAt?: number;
  joinedAt?: number;
  /** Send transport's DTLS connected and every producer created. */
  publishedAt?: number;
  /** Every expected remote track has delivered its first packet. */
  allMediaAt?: number;
}

export class HostPeer implements BenchPeer {
  readonly plan: HostPlan;
  readonly timeline: HostTimeline = { connectStartAt: 0 };
  #channel: SignalingChannel | undefined;
  #sendLink: MediasoupLink | undefined;
  #recvLink: MediasoupLink | undefined;
  #publisher: Publisher | undefined;
  #subscriber: Subscriber | undefined;
  /** The impairment relays of this peer's transports (none on a clean link). */
  readonly #relays: RelayHandle[] = [];
  /** The server's own media ports (the links see the relays' when impaired). */
  readonly #serverPorts: number[] = [];
  /** Set once the join answered; consumes wait on it for the recv transport. */
  #subscriberReady: Promise<Subscriber> | undefined;
  /** Tracks pushed before the join answered. */
  readonly #pendingTracks: PublishedTrack[] = [];
  readonly #consumedProducerIds = new Set<string>();
  #firstPackets = 0;
  #userId: string | undefined;
  #closed = false;
  /** Errors after the join (a consume that failed): counted, not fatal. */
  readonly laterErrors: string[] = [];
  /** The server's latest layer decision per video consumer (`webrtc:quality-adapted`). */
  readonly qualityByConsumerId = new Map<string, QualityAdapted>();
  /** This host's own producers (microphone, camera), once published. */
  readonly producerIds: string[] = [];
  /** Every decision with when it arrived (performance.now()), for layers over time. */
  readonly qualityLog: { atMs: number; decision: QualityAdapted }[] = [];

  constructor(plan: HostPlan) {
    this.plan = plan;
  }

  get publisher(): Publisher | undefined {
    return this.#publisher;
  }

  get receivedStreams(): ReceivedStream[] {
    return this.#subscriber?.streams ?? [];
  }

  get subscriber(): Subscriber | undefined {
    return this.#subscriber;
  }

  /** SRTP profile of the first connected transport. */
  get srtpProfile(): string | undefined {
    return this.#sendLink?.srtpProfile ?? this.#recvLink?.srtpProfile;
  }

  /** UDP ports of this peer's transports: ours, and the server's. */
  get udpPorts(): { local: number[]; remote: number[] } {
    const links = [this.#sendLink, this.#recvLink].filter((link) => link !== undefined);
    return {
      local: [
        ...links.flatMap((link) => [...link.localPorts]),
        ...this.#relays.flatMap((relay) => [relay.port, relay.serverSidePort]),
      ],
      remote: this.#relays.length > 0 ? [...this.#serverPorts] : links.flatMap((link) => [...link.remotePorts]),
    };
  }

  /** What this peer's relays have seen so far (undefined on a clean link). */
  async relayCounters(): Promise<RelayCounters | undefined> {
    return this.#relays.length === 0 ? undefined : RelayPool.shared().counters(this.#relays);
  }

  /** Changes what this peer's links suffer from now on (a schedule's step). */
  setImpairment(impairment: { up: Impairment; down: Impairment }): void {
    for (const relay of this.#relays) relay.setImpairment(impairment.up, impairment.down);
  }

  /** Runs the join; rejects with the step that failed. Media keeps flowing until `close()`. */
  async join(): Promise<void> {
    const { plan } = this;
    this.timeline.connectStartAt = performance.now();
    const channel = await openSignalingChannel(plan.url, plan.token, { timeoutMs: plan.timeoutMs });
    this.#channel = channel;
    this.timeline.socketConnectedAt = performance.now();
    if (this.#closed) {
      channel.close(); // closed while connecting
      return;
    }

    channel.on('webrtc:new-producer', ({ track }) => this.#consumeLater(track));
    channel.on('webrtc:consumer-closed', ({ consumerId }) => this.#subscriber?.forget(consumerId));
    channel.on('webrtc:quality-adapted', (decision) => {
      this.qualityByConsumerId.set(decision.consumerId, decision);
      this.qualityLog.push({ atMs: performance.now(), decision });
      this.#subscriber?.setPaused(decision.consumerId, decision.paused);
    });

    const routerCapabilities = await channel.request('webrtc:router-capabilities', { sessionId: plan.sessionId });
    const joined: JoinResult = await channel.request('multihost:join', {
      sessionId: plan.sessionId,
      rtpCapabilities: syntheticReceiveCapabilities(routerCapabilities, { transportCc: plan.bandwidthEstimation }),
    });
    this.timeline.joinedAt = performance.now();
    this.#userId = joined.you.userId;

    let recvConnected: Promise<void> = Promise.resolve();
    if (plan.consume) {
      const recv = this.#openRecv(channel);
      recvConnected = recv.then(({ connected }) => connected);
      this.#subscriberReady = recv.then(({ subscriber }) => subscriber);
      // Its failure is reported through recvConnected; consumes just stop.
      this.#subscriberReady.catch(() => undefined);
      // Tracks published before we joined; later ones arrive as webrtc:new-producer.
      for (const host of joined.session.hosts) {
        if (host.userId === joined.you.userId) continue;
        for (const track of host.tracks) this.#consumeLater(track);
      }
      for (const track of this.#pendingTracks.splice(0)) this.#consumeLater(track, true);
    }
    // Observed here so a failure while publishing does not leave it unhandled.
    recvConnected.catch(() => undefined);
    if (plan.publish !== 'none') await this.#publish(channel);
    this.timeline.publishedAt = performance.now();
    await recvConnected;
  }

  /** This host's user id (after `join()`). */
  get userId(): string | undefined {
    return this.#userId;
  }

  /** A request on this host's socket (after `join()`), as its studio would make it. */
  request<E extends RequestEvent>(event: E, payload: RequestOf<E>): Promise<ResponseOf<E>> {
    if (!this.#channel) throw new Error('join first');
    return this.#channel.request(event, payload);
  }

  /** Listens to a push on this host's socket (after `join()`). */
  on<E extends PushEvent>(event: E, listener: ServerToClientEvents[E]): void {
    if (!this.#channel) throw new Error('join first');
    this.#channel.on(event, listener);
  }

  /** Consumes a track the server told about otherwise (a battle opponent's, piped into this session's router). */
  consumeTrack(track: PublishedTrack): void {
    this.#consumeLater(track);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#publisher) this.plan.clock.remove(this.#publisher);
    if (this.#subscriber) this.plan.clock.remove(this.#subscriber);
    this.#channel?.close();
    for (const relay of this.#relays) relay.close();
    await Promise.all([this.#sendLink?.close(), this.#recvLink?.close()]);
  }

  /** The transport as the link should see it: through a relay when this peer's network is impaired. */
  async #reachable<T extends RemoteTransportParameters>(transport: T): Promise<T> {
    const impairment = this.plan.impairment;
    const candidate = transport.iceCandidates.find((entry) => entry.protocol === 'udp' && !entry.address.includes(':'));
    if (!impairment || !candidate) return transport;
    this.#serverPorts.push(candidate.port);
    const relay = await RelayPool.shared().open(candidate, impairment.up, impairment.down);
    this.#relays.push(relay);
    if (this.#closed) relay.close();
    return { ...transport, iceCandidates: [{ ...candidate, address: '127.0.0.1', port: relay.port }] };
  }

  async #publish(channel: SignalingChannel): Promise<void> {
    const { plan } = this;
    const transport = await channel.request('webrtc:create-transport', { direction: 'send' });
    const link = await openMediasoupLink(await this.#reachable(transport));
    this.#sendLink = link;
    await channel.request('webrtc:connect-transport', {
      transportId: transport.id,
      dtlsParameters: link.dtlsParameters,
    });
    const connected = link.connect(plan.timeoutMs);
    const publisher = new Publisher(link, plan.clip, {
      video: plan.publish === 'audio+video',
      audio: true,
      cname: plan.label,
    });
    this.#publisher = publisher;
    // Producers can be created while the handshake runs, as mediasoup-client does.
    const produced = [
      channel.request('webrtc:produce', {
        transportId: transport.id,
        kind: 'audio',
        rtpParameters: audioProducerParameters(publisher.audioSsrc!, plan.label),
        source: 'microphone',
      }),
    ];
    if (plan.publish === 'audio+video') {
      produced.push(
        channel.request('webrtc:produce', {
          transportId: transport.id,
          kind: 'video',
          rtpParameters: videoProducerParameters(
            { layers: publisher.videoSsrcs },
            plan.label,
            plan.clip.layers.map((layer) => layer.spec.bitrateBps),
          ),
          source: 'camera',
        }),
      );
    }
    const [, ...producers] = await Promise.all([connected, ...produced]);
    this.producerIds.push(...producers.map((producer) => producer.producerId));
    if (this.#closed) return;
    publisher.start(performance.now());
    plan.clock.add(publisher);
  }

  /** Creates the recv transport; resolves once the subscriber exists, with the handshake still running. */
  async #openRecv(channel: SignalingChannel): Promise<{ subscriber: Subscriber; connected: Promise<void> }> {
    const transport = await channel.request('webrtc:create-transport', { direction: 'recv' });
    const link = await openMediasoupLink(await this.#reachable(transport));
    this.#recvLink = link;
    const subscriber = new Subscriber(
      link,
      () => this.#onFirstPacket(),
      () => this.#publisher?.roundTripMs,
    );
    this.#subscriber = subscriber;
    const connected = (async () => {
      await channel.request('webrtc:connect-transport', {
        transportId: transport.id,
        dtlsParameters: link.dtlsParameters,
      });
      await link.connect(this.plan.timeoutMs);
      if (!this.#closed) this.plan.clock.add(subscriber);
    })();
    connected.catch(() => undefined);
    return { subscriber, connected };
  }

  #consumeLater(track: PublishedTrack, queued = false): void {
    if (!this.plan.consume) return;
    if (!queued && this.#consumedProducerIds.has(track.producerId)) return;
    this.#consumedProducerIds.add(track.producerId);
    if (!this.#subscriberReady) {
      this.#pendingTracks.push(track);
      return;
    }
    this.#subscriberReady
      .then((subscriber) => this.#consume(subscriber, track))
      .catch((error: unknown) => {
        if (this.#closed) return;
        this.laterErrors.push(error instanceof RequestFailed ? `${error.event} ${error.code}` : String(error));
      });
  }

  async #consume(subscriber: Subscriber, track: PublishedTrack): Promise<void> {
    const channel = this.#channel!;
    const requestedAtMs = performance.now();
    const consumer = await channel.request('webrtc:consume', { producerId: track.producerId });
    const encoding = consumer.rtpParameters.encodings?.[0];
    const codec = consumer.rtpParameters.codecs[0];
    if (!encoding?.ssrc || !codec) throw new Error(`consumer ${consumer.id} has no SSRC`);
    subscriber.expect({
      consumerId: consumer.id,
      producerId: consumer.producerId,
      kind: consumer.kind,
      ssrc: encoding.ssrc,
      clockRate: codec.clockRate,
      requestedAtMs,
      transportCcExtensionId: consumer.rtpParameters.headerExtensions?.find(
        (extension) => extension.uri === TRANSPORT_CC_URI,
      )?.id,
    });
    await channel.request('webrtc:resume-consumer', { consumerId: consumer.id });
    if (consumer.kind === 'video') {
      await channel.request('webrtc:adapt-quality', {
        consumers: [{ consumerId: consumer.id, visible: true, height: this.plan.tileHeightPx, main: false }],
      });
    }
  }

  #onFirstPacket(): void {
    this.#firstPackets++;
    if (this.timeline.allMediaAt === undefined && this.#firstPackets >= this.plan.expectedRemoteTracks) {
      this.timeline.allMediaAt = performance.now();
    }
  }
}
