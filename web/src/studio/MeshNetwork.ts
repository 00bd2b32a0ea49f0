// This host's side of a mesh session: one MeshPeer per other host in the
// room, the relay of their negotiation through the server, and what they
// receive. Peers are opened for the hosts `connectTo` names and for any host
// of the session that offers first; a host that leaves is dropped. It knows
// nothing of modes: StudioSession decides when the mesh is wanted and when
// a link may close (docs/mesh.md, "Switching").
//
// It listens from before this host's join is answered: a host already in the
// room offers as soon as it hears of the join, which can be before the
// joiner has its answer (and the ICE servers in it). Until `open`, messages
// wait in order.
import {
  kindOfSource,
  meshTrackId,
  type MeshCandidate,
  type ReceiveStats,
  type SendStats,
  type TrackSource,
} from '../../../signaling/protocol/index.ts';
import { request, type SignalingSocket } from '../lib/signaling.ts';
import { MeshPeer, type LocalTracks, type PeerMessage } from './MeshPeer.ts';
import { optionalNumber, optionalString } from './rtcStats.ts';

export interface MeshNetworkEvents {
  track(userId: string, source: TrackSource, track: MediaStreamTrack): void;
  trackGone(userId: string, source: TrackSource): void;
  message(userId: string, message: PeerMessage): void;
  /** A link came up, went down or closed. */
  linkChanged(userId: string): void;
}

/** An offer and a few candidates from each of up to 8 other hosts. */
const MAX_EARLY_MESSAGES = 100;

export class MeshNetwork {
  readonly #socket: SignalingSocket;
  readonly #sessionId: string;
  readonly #selfUserId: string;
  #config: RTCConfiguration | undefined;
  readonly #events: MeshNetworkEvents;
  /** Negotiation that arrived before `open`, replayed by it. */
  #early: (() => void)[] = [];
  readonly #peers = new Map<string, MeshPeer>();
  /** Who may open a link by offering: the session's hosts while the room is a mesh (none while it leaves it). */
  #knownHosts: ReadonlySet<string> = new Set();
  #localTracks: LocalTracks = {};
  #closed = false;

  constructor(socket: SignalingSocket, sessionId: string, selfUserId: string, events: MeshNetworkEvents) {
    this.#socket = socket;
    this.#sessionId = sessionId;
    this.#selfUserId = selfUserId;
    this.#events = events;
    socket.on('webrtc:offer', this.#onOffer);
    socket.on('webrtc:answer', this.#onAnswer);
    socket.on('webrtc:ice-candidate', this.#onCandidate);
  }

  get opened(): boolean {
    return this.#config !== undefined;
  }

  /** Starts linking with the ICE servers from the join, and handles what arrived meanwhile. */
  open(config: RTCConfiguration): void {
    if (this.#closed || this.#config) return;
    this.#config = config;
    const early = this.#early;
    this.#early = [];
    for (const replay of early) replay();
  }

  peer(userId: string): MeshPeer | undefined {
    return this.#peers.get(userId);
  }

  get peers(): MeshPeer[] {
    return [...this.#peers.values()];
  }

  /** The session's hosts, any of whom may open a link by offering. */
  setKnownHosts(userIds: Iterable<string>): void {
    this.#knownHosts = new Set(userIds);
  }

  /** Opens links to these hosts (those not linked yet). */
  connectTo(userIds: Iterable<string>): void {
    for (const userId of userIds) this.#peerFor(userId);
  }

  /** Closes the link to one host (it left, or the room finished moving to the SFU). */
  drop(userId: string): void {
    const peer = this.#peers.get(userId);
    if (!peer) return;
    this.#peers.delete(userId);
    for (const source of peer.received.keys()) this.#events.trackGone(userId, source);
    peer.close();
    this.#events.linkChanged(userId);
  }

  setLocalTracks(tracks: LocalTracks): void {
    this.#localTracks = tracks;
    for (const peer of this.#peers.values()) peer.setLocalTracks(tracks);
  }

  /** What arrives over each link, per track (like the SFU consumers' stats). */
  async receiveStats(): Promise<ReceiveStats[]> {
    const perPeer = await Promise.all(
      this.peers.map((peer) =>
        Promise.all(
          [...peer.received].map(async ([source, track]) => {
            const inbound = await peer.receiverStats(source);
            return {
              consumerId: meshTrackId(peer.remoteUserId, source),
              via: 'mesh' as const,
              shown: false,
              userId: peer.remoteUserId,
              source,
              kind: track.kind === 'audio' ? ('audio' as const) : ('video' as const),
              framesDecoded: Number(inbound?.framesDecoded ?? 0),
              packetsReceived: Number(inbound?.packetsReceived ?? 0),
              bytesReceived: Number(inbound?.bytesReceived ?? 0),
            };
          }),
        ),
      ),
    );
    return perPeer.flat();
  }

  /** What this host sends over each link. */
  async sendStats(): Promise<SendStats[]> {
    const perPeer = await Promise.all(
      this.peers.map(async (peer) =>
        (await peer.sendStats()).map(({ source, outbound }) => ({
          source,
          via: 'mesh' as const,
          toUserId: peer.remoteUserId,
          kind: kindOfSource(source),
          rid: optionalString(outbound?.rid),
          frameWidth: optionalNumber(outbound?.frameWidth),
          frameHeight: optionalNumber(outbound?.frameHeight),
          framesEncoded: optionalNumber(outbound?.framesEncoded),
          bytesSent: Number(outbound?.bytesSent ?? 0),
        })),
      ),
    );
    return perPeer.flat();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#early = [];
    this.#socket.off('webrtc:offer', this.#onOffer);
    this.#socket.off('webrtc:answer', this.#onAnswer);
    this.#socket.off('webrtc:ice-candidate', this.#onCandidate);
    for (const userId of [...this.#peers.keys()]) this.drop(userId);
  }

  #peerFor(userId: string): MeshPeer | undefined {
    const config = this.#config;
    if (this.#closed || !config || userId === this.#selfUserId) return undefined;
    const known = this.#peers.get(userId);
    if (known) return known;
    const to = { toUserId: userId };
    const peer = new MeshPeer(
      this.#selfUserId,
      userId,
      config,
      {
        offer: (sdp) => request(this.#socket, 'webrtc:offer', { ...to, sdp }),
        answer: (sdp) => request(this.#socket, 'webrtc:answer', { ...to, sdp }),
        candidates: (candidates) => request(this.#socket, 'webrtc:ice-candidate', { ...to, candidates }),
      },
      {
        track: (source, track) => this.#events.track(userId, source, track),
        trackGone: (source) => this.#events.trackGone(userId, source),
        message: (message) => this.#events.message(userId, message),
        connection: () => this.#events.linkChanged(userId),
      },
    );
    this.#peers.set(userId, peer);
    peer.setLocalTracks(this.#localTracks);
    return peer;
  }

  /** The link a message is for; an offer from a host of the session this side has no link to opens one. */
  #linkFor(event: { sessionId: string; fromUserId: string }, mayOpen: boolean): MeshPeer | undefined {
    if (event.sessionId !== this.#sessionId) return undefined;
    const peer = this.#peers.get(event.fromUserId);
    if (peer || !mayOpen || !this.#knownHosts.has(event.fromUserId)) return peer;
    return this.#peerFor(event.fromUserId);
  }

  /** Handles a message now, or once opened (bounded: a closed room's stray messages do not pile up). */
  #whenOpen(handle: () => void): void {
    if (this.#config) handle();
    else if (!this.#closed && this.#early.length < MAX_EARLY_MESSAGES) this.#early.push(handle);
  }

  readonly #onOffer = (event: { sessionId: string; fromUserId: string; sdp: string }): void => {
    this.#whenOpen(() => this.#linkFor(event, true)?.handleOffer(event.sdp));
  };

  readonly #onAnswer = (event: { sessionId: string; fromUserId: string; sdp: string }): void => {
    this.#whenOpen(() => this.#linkFor(event, false)?.handleAnswer(event.sdp));
  };

  readonly #onCandidate = (event: { sessionId: string; fromUserId: string; candidates: MeshCandidate[] }) => {
    this.#whenOpen(() => this.#linkFor(event, false)?.handleCandidates(event.candidates));
  };
}
