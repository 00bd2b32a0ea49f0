// One peer-to-peer link in a mesh session: the RTCPeerConnection between
// this host and one other host, negotiated with "perfect negotiation" (both
// sides may offer at any time; on a collision the polite side, the larger
// user id, rolls back and answers, the impolite side's offer wins), so
// simultaneous offers cannot deadlock. Signalling goes through the server's
// relay (webrtc:offer / answer / ice-candidate); incoming messages are
// handled one at a time, in order.
//
// Which track is which: each local track is sent in a stream of its own, and
// the descriptions this side sends name those streams `sc-<source>` (the
// msid is informational for the receiver: renaming it in the sent copy
// changes nothing in the media), so the other side knows a camera from a
// screen share without another message.
//
// A negotiated data channel carries small messages between the two hosts:
// the size each shows the other's videos at (the sender encodes for it:
// meshEncoding.ts) and, while the room switches between mesh and SFU, that
// one side now receives the other through the new path (MeshNetwork).
import type { MediaMode, MeshCandidate, TrackSource } from '../../../signaling/protocol/index.ts';
import { MAX_ICE_CANDIDATES_PER_MESSAGE, trackSources } from '../../../signaling/protocol/index.ts';
import { warn } from '../lib/warn.ts';
import { meshCameraEncoding } from './meshEncoding.ts';
import { findStats, selectedCandidateType, type StatsEntry } from './rtcStats.ts';

const STREAM_PREFIX = 'sc-';
const CANDIDATE_BATCH_MS = 20;

/** What the two hosts of a link tell each other over its data channel. */
export type PeerMessage =
  /** Device pixels high each of the receiver's tiles of the sender is (0: hidden). */
  | { type: 'viewport'; heights: Partial<Record<'camera' | 'screen', number>> }
  /** The receiver now gets every track of the sender through `via`. */
  | { type: 'receiving'; via: MediaMode };

export interface MeshSignal {
  offer(sdp: string): Promise<unknown>;
  answer(sdp: string): Promise<unknown>;
  candidates(candidates: MeshCandidate[]): Promise<unknown>;
}

export interface MeshPeerEvents {
  track(source: TrackSource, track: MediaStreamTrack): void;
  trackGone(source: TrackSource): void;
  message(message: PeerMessage): void;
  /** The link is up (connected) or not any more. */
  connection(state: RTCPeerConnectionState): void;
}

/** Each local source: its track, null while paused (nothing sent), absent when not published. */
export type LocalTracks = Partial<Record<TrackSource, MediaStreamTrack | null>>;

interface Sent {
  sender: RTCRtpSender;
  /** The stream id Chromium gave the source's stream (renamed in sent descriptions). */
  streamId: string;
  track: MediaStreamTrack;
}

export class MeshPeer {
  readonly remoteUserId: string;
  readonly #pc: RTCPeerConnection;
  readonly #channel: RTCDataChannel;
  readonly #polite: boolean;
  readonly #signal: MeshSignal;
  readonly #events: MeshPeerEvents;
  readonly #sent = new Map<TrackSource, Sent>();
  readonly #received = new Map<TrackSource, MediaStreamTrack>();
  #makingOffer = false;
  /** Candidates gathered in the last few milliseconds, sent as one message. */
  #outgoingCandidates: MeshCandidate[] = [];
  #ignoreOffer = false;
  #inbox: Promise<void> = Promise.resolve();
  #tileHeights: Partial<Record<'camera' | 'screen', number>> = {};
  #lastViewportSent = '';
  #closed = false;

  constructor(
    selfUserId: string,
    remoteUserId: string,
    config: RTCConfiguration,
    signal: MeshSignal,
    events: MeshPeerEvents,
  ) {
    this.remoteUserId = remoteUserId;
    this.#polite = selfUserId > remoteUserId;
    this.#signal = signal;
    this.#events = events;
    this.#pc = new RTCPeerConnection(config);
    // Negotiated (same id on both sides): no in-band announcement, usable as soon as SCTP is up.
    this.#channel = this.#pc.createDataChannel('stagecast', { negotiated: true, id: 0 });
    this.#channel.onmessage = ({ data }) => this.#onMessage(data);
    this.#channel.onopen = () => {
      // Anything said before the channel opened is said again.
      this.#lastViewportSent = '';
      this.#events.connection(this.#pc.connectionState);
    };
    this.#pc.onnegotiationneeded = () => void this.#offer();
    this.#pc.onicecandidate = ({ candidate }) => {
      // The end of gathering is not worth a message: ICE connects without it.
      if (candidate) this.#queueCandidate(toMeshCandidate(candidate));
    };
    this.#pc.oniceconnectionstatechange = () => {
      // A path that stopped working (network change): look for another without dropping the link.
      if (this.#pc.iceConnectionState === 'failed') this.#pc.restartIce();
    };
    this.#pc.onconnectionstatechange = () => this.#events.connection(this.#pc.connectionState);
    // A sender's encodings exist once negotiated: the size the other host asked for applies from then.
    this.#pc.onsignalingstatechange = () => {
      if (this.#pc.signalingState === 'stable') void this.#applyCameraEncoding();
    };
    this.#pc.ontrack = ({ track, streams }) => this.#onTrack(track, streams[0]);
  }

  /** The tracks received from the other host, by source. */
  get received(): ReadonlyMap<TrackSource, MediaStreamTrack> {
    return this.#received;
  }

  /** Sends what this host publishes now: adds, replaces, pauses (null) and removes senders. */
  setLocalTracks(tracks: LocalTracks): void {
    if (this.#closed) return;
    for (const source of trackSources) {
      const wanted = tracks[source];
      const sent = this.#sent.get(source);
      if (wanted === undefined) {
        if (sent) {
          this.#pc.removeTrack(sent.sender);
          this.#sent.delete(source);
        }
        continue;
      }
      if (!sent) {
        if (wanted === null) continue; // published paused: added when it resumes
        const stream = new MediaStream([wanted]);
        const sender = this.#pc.addTrack(wanted, stream);
        this.#sent.set(source, { sender, streamId: stream.id, track: wanted });
        if (source === 'camera') void this.#applyCameraEncoding();
        continue;
      }
      const next = wanted ?? null;
      if (sent.sender.track !== next) {
        if (next) sent.track = next;
        // Pausing sends nothing (no renegotiation): the receiver's track mutes.
        sent.sender.replaceTrack(next).catch((error: unknown) => warn(`switching the ${source} sent failed`, error));
      }
    }
  }

  /** Tells the other host how large this host shows its videos. */
  sendViewport(heights: Partial<Record<'camera' | 'screen', number>>): void {
    const payload = JSON.stringify(heights);
    if (payload === this.#lastViewportSent) return;
    if (this.send({ type: 'viewport', heights })) this.#lastViewportSent = payload;
  }

  /** A message over the data channel; false when it is not open (yet, or any more). */
  send(message: PeerMessage): boolean {
    if (this.#channel.readyState !== 'open') return false;
    this.#channel.send(JSON.stringify(message));
    return true;
  }

  // --- negotiation ---------------------------------------------------------------

  handleOffer(sdp: string): void {
    this.#enqueue(async () => {
      const collision = this.#makingOffer || this.#pc.signalingState !== 'stable';
      this.#ignoreOffer = !this.#polite && collision;
      if (this.#ignoreOffer) return;
      await this.#pc.setRemoteDescription({ type: 'offer', sdp });
      await this.#pc.setLocalDescription();
      const answer = this.#pc.localDescription;
      if (answer) await this.#signal.answer(this.#outgoing(answer.sdp));
    });
  }

  handleAnswer(sdp: string): void {
    this.#enqueue(async () => {
      // An answer to an offer rolled back meanwhile (a collision this side lost) is stale.
      if (this.#pc.signalingState !== 'have-local-offer') return;
      await this.#pc.setRemoteDescription({ type: 'answer', sdp });
    });
  }

  handleCandidates(candidates: MeshCandidate[]): void {
    this.#enqueue(async () => {
      for (const candidate of candidates) {
        try {
          await this.#pc.addIceCandidate(candidate);
        } catch (error) {
          // Candidates of an offer this side ignored do not fit: expected, not a problem.
          if (!this.#ignoreOffer) throw error;
        }
      }
    });
  }

  /** Chromium finds its candidates within a few milliseconds of each other: one message for them. */
  #queueCandidate(candidate: MeshCandidate): void {
    this.#outgoingCandidates.push(candidate);
    if (this.#outgoingCandidates.length > 1) return;
    setTimeout(() => {
      const gathered = this.#outgoingCandidates;
      this.#outgoingCandidates = [];
      for (let start = 0; start < gathered.length && !this.#closed; start += MAX_ICE_CANDIDATES_PER_MESSAGE) {
        this.#signal
          .candidates(gathered.slice(start, start + MAX_ICE_CANDIDATES_PER_MESSAGE))
          .catch((error: unknown) => {
            if (!this.#closed) warn(`sending ICE candidates to ${this.remoteUserId} failed`, error);
          });
      }
    }, CANDIDATE_BATCH_MS);
  }

  async #offer(): Promise<void> {
    // The first offer is the impolite side's (the smaller id, as in Jitsi): two
    // first offers crossing each other can leave a link that never connects in
    // Chromium. Skipped here, the polite side's negotiation is needed again
    // once the first exchange is done, and Chromium asks again then.
    if (this.#closed || (this.#polite && !this.#pc.remoteDescription)) return;
    try {
      this.#makingOffer = true;
      await this.#pc.setLocalDescription();
      const offer = this.#pc.localDescription;
      if (offer?.type === 'offer') await this.#signal.offer(this.#outgoing(offer.sdp));
    } catch (error) {
      if (!this.#closed) warn(`offering to ${this.remoteUserId} failed`, error);
    } finally {
      this.#makingOffer = false;
    }
  }

  #enqueue(step: () => Promise<void>): void {
    this.#inbox = this.#inbox.then(async () => {
      if (this.#closed) return;
      try {
        await step();
      } catch (error) {
        if (!this.#closed) warn(`negotiating with ${this.remoteUserId} failed`, error);
      }
    });
  }

  /** The description as the other side should read it: each local stream named after its source. */
  #outgoing(sdp: string): string {
    let named = sdp;
    for (const [source, { streamId }] of this.#sent) named = named.replaceAll(streamId, `${STREAM_PREFIX}${source}`);
    return named;
  }

  // --- receiving ---------------------------------------------------------------

  #onTrack(track: MediaStreamTrack, stream: MediaStream | undefined): void {
    const source = sourceOfStream(stream?.id);
    if (!source || !stream) return;
    this.#received.set(source, track);
    this.#events.track(source, track);
    // The other host stopped sending it (unpublished: the transceiver went inactive).
    stream.addEventListener('removetrack', ({ track: removed }) => {
      if (this.#received.get(source) !== removed) return;
      this.#received.delete(source);
      this.#events.trackGone(source);
    });
  }

  #onMessage(data: unknown): void {
    if (typeof data !== 'string' || data.length > 1024) return;
    let message: unknown;
    try {
      message = JSON.parse(data);
    } catch {
      return;
    }
    if (!isPeerMessage(message)) return;
    if (message.type === 'viewport') {
      this.#tileHeights = message.heights;
      void this.#applyCameraEncoding();
    }
    this.#events.message(message);
  }

  /** Encodes the camera at the size the other host shows it. */
  async #applyCameraEncoding(): Promise<void> {
    const sent = this.#sent.get('camera');
    if (!sent) return;
    const captureHeight = sent.track.getSettings().height ?? 720;
    const { scaleResolutionDownBy, maxBitrate } = meshCameraEncoding(captureHeight, this.#tileHeights.camera);
    const parameters = sent.sender.getParameters();
    const [encoding] = parameters.encodings;
    if (!encoding) return; // not negotiated yet: applied again once the other side says its size
    if (encoding.scaleResolutionDownBy === scaleResolutionDownBy && encoding.maxBitrate === maxBitrate) return;
    encoding.scaleResolutionDownBy = scaleResolutionDownBy;
    encoding.maxBitrate = maxBitrate;
    await sent.sender
      .setParameters(parameters)
      .catch((error: unknown) => warn('adapting the camera to the other host failed', error));
  }

  // --- stats and teardown ----------------------------------------------------------

  async getStats(): Promise<RTCStatsReport> {
    return this.#pc.getStats();
  }

  /** Inbound stats of one received source (its receiver's inbound-rtp entry). */
  async receiverStats(source: TrackSource): Promise<StatsEntry | undefined> {
    const receiver = this.#receiverOf(source);
    return receiver && findStats(await receiver.getStats(), 'inbound-rtp')[0];
  }

  /** The local ICE candidate type of the link's selected path (relay when through TURN). */
  async candidateType(): Promise<string | undefined> {
    return selectedCandidateType(await this.#pc.getStats());
  }

  /** The audio level (0–1) of the other host's microphone, from the receiver's last packets. */
  microphoneLevel(): number {
    return this.#receiverOf('microphone')?.getSynchronizationSources()[0]?.audioLevel ?? 0;
  }

  #receiverOf(source: TrackSource): RTCRtpReceiver | undefined {
    const track = this.#received.get(source);
    return track && this.#pc.getReceivers().find((candidate) => candidate.track === track);
  }

  async sendStats(): Promise<{ source: TrackSource; outbound: StatsEntry | undefined }[]> {
    return Promise.all(
      [...this.#sent].map(async ([source, { sender }]) => ({
        source,
        outbound: findStats(await sender.getStats(), 'outbound-rtp')[0],
      })),
    );
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#channel.close();
    this.#pc.close();
    this.#sent.clear();
    this.#received.clear();
  }
}

function sourceOfStream(streamId: string | undefined): TrackSource | undefined {
  const name = streamId?.startsWith(STREAM_PREFIX) ? streamId.slice(STREAM_PREFIX.length) : undefined;
  return trackSources.find((source) => source === name);
}

function toMeshCandidate(candidate: RTCIceCandidate): MeshCandidate {
  return {
    candidate: candidate.candidate,
    sdpMid: candidate.sdpMid,
    sdpMLineIndex: candidate.sdpMLineIndex,
    usernameFragment: candidate.usernameFragment,
  };
}

function isPeerMessage(value: unknown): value is PeerMessage {
  if (typeof value !== 'object' || value === null) return false;
  const { type, via, heights } = value as Record<string, unknown>;
  if (type === 'receiving') return via === 'mesh' || via === 'sfu';
  return type === 'viewport' && typeof heights === 'object' && heights !== null;
}
