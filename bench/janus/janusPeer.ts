// A synthetic host in a Janus VideoRoom: the same Publisher and Subscriber
// as towards mediasoup, signalled the way Janus's own clients do it. One
// WebSocket and session per peer; a participant handle joins the room
// (and publishes with an SDP offer), a subscriber handle receives every
// other publisher of the room in one multistream subscription that grows
// with `subscribe` requests as publishers appear (each a renegotiation the
// peer answers; the transport stays).
import { gatherLocalLink, type LocalLink, type MediasoupLink } from '../../testkit/mediasoupLink.ts';
import type { BenchPeer } from '../peers/benchPeer.ts';
import type { HostPlan, HostTimeline } from '../peers/hostPeer.ts';
import { choosePublisherSsrcs, Publisher } from '../peers/publisher.ts';
import { Subscriber, type ReceivedStream } from '../peers/subscriber.ts';
import { JanusSession, type JanusHandle, type Jsep, type PluginData } from './janusClient.ts';
import { offeredStreams, publisherOffer, remoteTransportOf, subscriberAnswer } from './janusSdp.ts';

const VIDEOROOM = 'janus.plugin.videoroom';

export interface JanusPeerOptions {
  /** Where our host candidates are (our end of the veth pair to Janus's namespace). */
  localAddress: string;
  /** Simulcast substream to receive (0 = lowest), as the tile height picks a layer on Stagecast. */
  substream: number;
}

interface FeedStreams {
  feed: number;
  streams: { mid: string; type: string }[];
}

/** A publisher as `joined` and `event` list them. */
interface AnnouncedPublisher {
  id: number;
  streams?: { mid: string; type: string }[];
}

export class JanusPeer implements BenchPeer {
  readonly plan: HostPlan;
  readonly timeline: HostTimeline = { connectStartAt: 0 };
  readonly laterErrors: string[] = [];
  readonly qualityByConsumerId = new Map();
  readonly #options: JanusPeerOptions;
  #session: JanusSession | undefined;
  #sendLink: MediasoupLink | undefined;
  #recvLink: MediasoupLink | undefined;
  #recvLocal: LocalLink | undefined;
  #publisher: Publisher | undefined;
  #subscriber: Subscriber | undefined;
  #subscriberHandle: JanusHandle | undefined;
  #ownFeed: number | undefined;
  /** Feeds announced and not yet asked for; subscribed together once the previous renegotiation is done. */
  readonly #waitingFeeds: FeedStreams[] = [];
  readonly #knownFeeds = new Set<number>();
  readonly #expectedMids = new Set<string>();
  #subscribing: Promise<void> = Promise.resolve();
  #firstPackets = 0;
  #closed = false;

  constructor(plan: HostPlan, options: JanusPeerOptions) {
    this.plan = plan;
    this.#options = options;
  }

  get publisher(): Publisher | undefined {
    return this.#publisher;
  }

  get subscriber(): Subscriber | undefined {
    return this.#subscriber;
  }

  get receivedStreams(): ReceivedStream[] {
    return this.#subscriber?.streams ?? [];
  }

  get srtpProfile(): string | undefined {
    return this.#sendLink?.srtpProfile ?? this.#recvLink?.srtpProfile;
  }

  get udpPorts(): { local: number[]; remote: number[] } {
    const links = [this.#sendLink, this.#recvLink].filter((link) => link !== undefined);
    return {
      local: links.flatMap((link) => [...link.localPorts]),
      remote: links.flatMap((link) => [...link.remotePorts]),
    };
  }

  async join(): Promise<void> {
    const { plan } = this;
    this.timeline.connectStartAt = performance.now();
    const session = await JanusSession.open(plan.url, plan.timeoutMs);
    this.#session = session;
    this.timeline.socketConnectedAt = performance.now();
    if (this.#closed) return session.close();

    const participant = await session.attach(VIDEOROOM, ({ data }) => this.#onRoomEvent(data));
    const joined = await participant.send({
      request: 'join',
      ptype: 'publisher',
      room: Number(plan.sessionId),
      display: plan.label,
    });
    this.#ownFeed = Number(joined.data.id);
    this.timeline.joinedAt = performance.now();
    this.#onRoomEvent(joined.data);
    if (plan.publish !== 'none') await this.#publish(participant);
    this.timeline.publishedAt = performance.now();
    await this.#subscribing;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#publisher) this.plan.clock.remove(this.#publisher);
    if (this.#subscriber) this.plan.clock.remove(this.#subscriber);
    this.#session?.close();
    await Promise.all([this.#sendLink?.close(), this.#recvLink?.close()]);
  }

  async #publish(participant: JanusHandle): Promise<void> {
    const { plan } = this;
    const local = await gatherLocalLink({ localAddress: this.#options.localAddress });
    const video = plan.publish === 'audio+video';
    const ssrcs = choosePublisherSsrcs(plan.clip);
    const offer = publisherOffer(local, {
      audioSsrc: ssrcs.audio,
      videoSsrcs: video ? ssrcs.video : [],
      cname: plan.label,
    });
    const published = await participant.send({ request: 'publish' }, { type: 'offer', sdp: offer });
    if (!published.jsep) throw new Error('janus publish: no answer');
    const link = await local.connectTo(remoteTransportOf(published.jsep.sdp));
    this.#sendLink = link;
    if (this.#closed) return link.close();
    const publisher = new Publisher(link, plan.clip, { video, audio: true, cname: plan.label, ssrcs });
    this.#publisher = publisher;
    await link.connect(plan.timeoutMs);
    if (this.#closed) return;
    publisher.start(performance.now());
    plan.clock.add(publisher);
  }

  /** `joined` and later `event`s list the room's publishers: subscribe to the new ones. */
  #onRoomEvent(data: PluginData): void {
    if (!this.plan.consume || this.#closed) return;
    const publishers = Array.isArray(data.publishers) ? (data.publishers as AnnouncedPublisher[]) : [];
    const fresh = publishers
      .map((publisher): FeedStreams => ({ feed: Number(publisher.id), streams: publisher.streams ?? [] }))
      .filter((feed) => feed.feed !== this.#ownFeed && !this.#knownFeeds.has(feed.feed));
    if (fresh.length === 0) return;
    for (const feed of fresh) this.#knownFeeds.add(feed.feed);
    this.#waitingFeeds.push(...fresh);
    this.#subscribing = this.#subscribing
      .then(() => this.#subscribeWaiting())
      .catch((error: unknown) => {
        if (!this.#closed) this.laterErrors.push(error instanceof Error ? error.message : String(error));
      });
  }

  async #subscribeWaiting(): Promise<void> {
    const feeds = this.#waitingFeeds.splice(0);
    if (feeds.length === 0 || this.#closed) return;
    const session = this.#session!;
    const streams = feeds.flatMap(({ feed, streams: published }) =>
      published
        .filter((stream) => stream.type === 'audio' || stream.type === 'video')
        .map((stream) => ({
          feed,
          mid: stream.mid,
          ...(stream.type === 'video' ? { substream: this.#options.substream } : {}),
        })),
    );
    const requestedAtMs = performance.now();
    let offer: Jsep | undefined;
    if (!this.#subscriberHandle) {
      this.#subscriberHandle = await session.attach(VIDEOROOM, () => undefined);
      const attached = await this.#subscriberHandle.send({
        request: 'join',
        ptype: 'subscriber',
        room: Number(this.plan.sessionId),
        autoupdate: false,
        streams,
      });
      offer = attached.jsep;
    } else {
      offer = (await this.#subscriberHandle.send({ request: 'subscribe', streams })).jsep;
    }
    if (!offer) throw new Error('janus subscribe: no offer');
    await this.#answer(offer, requestedAtMs);
  }

  /** Answers a subscription offer on the one receiving transport (created by the first). */
  async #answer(offer: Jsep, requestedAtMs: number): Promise<void> {
    const { plan } = this;
    const first = this.#recvLocal === undefined;
    this.#recvLocal ??= await gatherLocalLink({ localAddress: this.#options.localAddress });
    if (first) {
      const link = await this.#recvLocal.connectTo(remoteTransportOf(offer.sdp));
      this.#recvLink = link;
      if (this.#closed) return link.close();
      this.#subscriber = new Subscriber(
        link,
        () => this.#onFirstPacket(),
        () => this.#publisher?.roundTripMs,
      );
    }
    for (const stream of offeredStreams(offer.sdp)) {
      if (this.#expectedMids.has(stream.mid)) continue;
      this.#expectedMids.add(stream.mid);
      this.#subscriber!.expect({
        consumerId: stream.mid,
        producerId: stream.mid,
        kind: stream.kind,
        ssrc: stream.ssrc,
        clockRate: stream.clockRate,
        requestedAtMs,
        transportCcExtensionId: plan.bandwidthEstimation ? stream.transportCcExtensionId : undefined,
      });
    }
    const answer = subscriberAnswer(this.#recvLocal, offer.sdp, { transportCc: plan.bandwidthEstimation });
    await this.#subscriberHandle!.send({ request: 'start' }, { type: 'answer', sdp: answer });
    if (first) {
      await this.#recvLink!.connect(plan.timeoutMs);
      if (!this.#closed) plan.clock.add(this.#subscriber!);
    }
  }

  #onFirstPacket(): void {
    this.#firstPackets++;
    if (this.timeline.allMediaAt === undefined && this.#firstPackets >= this.plan.expectedRemoteTracks) {
      this.timeline.allMediaAt = performance.now();
    }
  }
}
