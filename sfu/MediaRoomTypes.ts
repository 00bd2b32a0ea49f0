import type { types } from 'mediasoup';

/** What a producer carries, as the host's UI knows it. One producer per source per peer. */
export const trackSources = ['camera', 'microphone', 'screen', 'screen-audio'] as const;
export type TrackSource = (typeof trackSources)[number];

export type TransportDirection = 'send' | 'recv';

/** What a client needs to create its side of a WebRtcTransport. */
export interface TransportParams {
  id: string;
  iceParameters: types.IceParameters;
  iceCandidates: types.IceCandidate[];
  dtlsParameters: types.DtlsParameters;
}

/** What a client needs to create its side of a consumer. */
export interface ConsumerParams {
  id: string;
  producerId: string;
  /** Peer whose producer this consumes. */
  peerId: string;
  source: TrackSource;
  kind: types.MediaKind;
  rtpParameters: types.RtpParameters;
  type: types.ConsumerType;
  producerPaused: boolean;
}

export interface ProducerAppData extends types.AppData {
  peerId: string;
  source: TrackSource;
}

export interface ConsumerAppData extends types.AppData {
  /** Peer whose producer this consumes. */
  peerId: string;
  source: TrackSource;
}

export interface TransportAppData extends types.AppData {
  /** Peer the transport belongs to. */
  peerId: string;
  direction: TransportDirection;
}

export type PeerProducer = types.Producer<ProducerAppData>;
export type PeerConsumer = types.Consumer<ConsumerAppData>;
export type PeerTransport = types.WebRtcTransport<TransportAppData>;

export interface MediaRoomOptions {
  roomId: string;
  /** Bitrate limit of what one host may send (all its producers). Default 4 Mbps. */
  maxIncomingBitrateBps?: number;
  /** Starting estimate of what a viewer can receive. Default 1 Mbps. */
  initialAvailableOutgoingBitrateBps?: number;
}

export interface AudioLevel {
  peerId: string;
  /** dBov, -127 (silence) … 0 (loudest). */
  volume: number;
}

export type MediaRoomEvents = {
  /** The dominant speaker changed. */
  activespeaker: [peerId: string];
  /** Audio levels of the loudest peers (speaking indicators). */
  audiolevels: [levels: AudioLevel[]];
  /** Nobody is above the speaking threshold. */
  silence: [];
  /** The router is gone: closed on purpose, or its worker died. */
  close: [reason: 'closed' | 'worker-died'];
};

export type MediaPeerEvents = {
  /** The peer's media was closed (left, kicked, or the room closed). */
  close: [];
  /** A consumer was closed by the server (its producer or transport closed). */
  consumerclosed: [consumerId: string];
  /** A consumer's effective simulcast layers changed (undefined: none flowing). */
  consumerlayerschange: [consumerId: string, layers: types.ConsumerLayers | undefined];
  /** A consumer's score changed (0–10, from loss and retransmissions). */
  consumerscore: [consumerId: string, score: types.ConsumerScore];
};
