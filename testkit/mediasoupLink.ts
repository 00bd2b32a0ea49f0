// A minimal WebRTC client for tests and the bench: the bridge between a
// synthetic peer and one mediasoup WebRtcTransport.
//
// mediasoup describes its transport the ORTC way (ICE parameters and
// candidates, DTLS parameters), and werift exposes the same ORTC objects
// under its RTCPeerConnection: RTCIceGatherer → RTCIceTransport →
// RTCDtlsTransport (with SRTP). So the bench drives those objects straight
// from the parameters `webrtc:create-transport` returns, with no SDP in
// between: real ICE connectivity checks against mediasoup's ICE-lite
// server, a real DTLS 1.2 handshake (fingerprints checked both ways) and
// SRTP/SRTCP keyed from it. It takes the transport's parameters as the
// server's MediaPeer or the protocol's `webrtc:create-transport` gives them,
// so sfu tests drive it without the signalling server. What the peer then sends and receives is plain
// RTP and RTCP through `sendRtp` / `sendRtcp` / `onRtp` / `onRtcp`.
import {
  IceCandidate,
  ProtectionProfileAeadAes128Gcm,
  ProtectionProfileAes128CmHmacSha1_80,
  RTCDtlsFingerprint,
  RTCDtlsParameters,
  RTCDtlsTransport,
  RTCIceGatherer,
  RTCIceParameters,
  RTCIceTransport,
  type RtcpPacket,
  type RtpHeader,
  type RtpPacket,
} from 'werift';

/**
 * mediasoup's side of the transport: the protocol's TransportOptions and
 * sfu's TransportParams both fit.
 */
export interface RemoteTransportParameters {
  iceParameters: { usernameFragment: string; password: string };
  iceCandidates: readonly { foundation: string; address: string; port: number; priority: number; protocol: string }[];
  dtlsParameters: { fingerprints: readonly { algorithm: string; value: string }[] };
}

/** What mediasoup needs from our side of the transport (`webrtc:connect-transport`). */
export interface LocalDtlsParameters {
  role: 'client';
  fingerprints: { algorithm: 'sha-256'; value: string }[];
}

export interface MediasoupLink {
  /** Our fingerprint, for `webrtc:connect-transport`. */
  readonly dtlsParameters: LocalDtlsParameters;
  /** UDP ports on our side and on mediasoup's (for per-socket drop counters). */
  readonly localPorts: readonly number[];
  readonly remotePorts: readonly number[];
  /** Runs ICE and then the DTLS handshake; resolves when SRTP is ready. */
  connect(timeoutMs: number): Promise<void>;
  readonly connected: boolean;
  /** The SRTP protection profile the handshake chose, once connected. */
  readonly srtpProfile: string | undefined;
  sendRtp(header: RtpHeader, payload: Buffer): void;
  sendRtcp(packets: RtcpPacket[]): void;
  /** An RTCP packet werift has no class for (transport-cc feedback), already serialized. */
  sendRtcpBytes(packet: Buffer): void;
  onRtp(listener: (packet: RtpPacket) => void): void;
  onRtcp(listener: (packet: RtcpPacket) => void): void;
  close(): Promise<void>;
}

/**
 * ICE on one address only (loopback by default): werift skips the loopback
 * interface unless told (see ENVIRONMENT.md), and IPv6 candidates would only
 * add failing pairs.
 */
function iceOptionsFor(address: string) {
  return {
    additionalHostAddresses: [address],
    interfaceAddresses: { udp4: address },
    useIpv4: true,
    useIpv6: false,
    // Other interfaces' addresses can pass STUN towards this one and then lose DTLS; keep to it.
    filterCandidatePair: (pair: { localCandidate: { host: string } }) => pair.localCandidate.host === address,
  };
}

const srtpProfileNames: Record<number, string> = {
  [ProtectionProfileAes128CmHmacSha1_80]: 'AES_CM_128_HMAC_SHA1_80',
  [ProtectionProfileAeadAes128Gcm]: 'AEAD_AES_128_GCM',
};

/** GCM first, as browsers offer it; mediasoup supports both. */
const srtpProfiles = [ProtectionProfileAeadAes128Gcm, ProtectionProfileAes128CmHmacSha1_80];

/**
 * One certificate for every peer of the run (werift's default too): creating
 * an ECDSA key per peer would put key generation inside the timed join.
 */
export async function prepareCertificate(): Promise<void> {
  await RTCDtlsTransport.SetupCertificate();
}

/** Our side before the remote is known: what an SDP offer or answer needs to carry. */
export interface LocalLink {
  readonly iceParameters: { usernameFragment: string; password: string };
  /** Host candidates on the chosen address (UDP). */
  readonly iceCandidates: readonly { foundation: string; address: string; port: number; priority: number }[];
  readonly dtlsParameters: LocalDtlsParameters;
  /** Prepares ICE/DTLS towards the remote; call `connect()` on the result once the remote knows our side. */
  connectTo(remote: RemoteTransportParameters): Promise<MediasoupLink>;
}

export interface LinkOptions {
  /** The address our host candidate is on (default 127.0.0.1; a veth address for a server in a namespace). */
  localAddress?: string;
}

/**
 * Gathers a host candidate and a DTLS certificate: our half of the link. The
 * remote must be ICE-lite and the DTLS server (mediasoup always is; the
 * bench's Janus is configured so).
 */
export async function gatherLocalLink(options: LinkOptions = {}): Promise<LocalLink> {
  const localAddress = options.localAddress ?? '127.0.0.1';
  const certificate = await RTCDtlsTransport.SetupCertificate();
  const gatherer = new RTCIceGatherer(iceOptionsFor(localAddress));
  await gatherer.gather();
  const fingerprints = certificate
    .getFingerprints()
    .filter((fingerprint) => fingerprint.algorithm === 'sha-256')
    .map(({ value }) => ({ algorithm: 'sha-256' as const, value }));
  const dtlsParameters: LocalDtlsParameters = { role: 'client', fingerprints };
  const { usernameFragment, password } = gatherer.localParameters;
  return {
    iceParameters: { usernameFragment, password },
    iceCandidates: gatherer.localCandidates
      .filter((candidate) => candidate.ip === localAddress)
      .map(({ foundation, ip, port, priority }) => ({ foundation, address: ip, port, priority })),
    dtlsParameters,
    connectTo: (remote) => connectLink(gatherer, certificate, dtlsParameters, remote),
  };
}

/**
 * Gathers a loopback host candidate and prepares ICE/DTLS towards the given
 * mediasoup transport. Call `connect()` once mediasoup knows our DTLS
 * parameters (after `webrtc:connect-transport`).
 */
export async function openMediasoupLink(remote: RemoteTransportParameters): Promise<MediasoupLink> {
  return (await gatherLocalLink()).connectTo(remote);
}

async function connectLink(
  gatherer: RTCIceGatherer,
  certificate: Awaited<ReturnType<typeof RTCDtlsTransport.SetupCertificate>>,
  dtlsParameters: LocalDtlsParameters,
  remote: RemoteTransportParameters,
): Promise<MediasoupLink> {
  const ice = new RTCIceTransport(gatherer);
  // The remote is ICE-lite, so we control and nominate.
  ice.connection.iceControlling = true;
  ice.setRemoteParams(
    new RTCIceParameters({
      usernameFragment: remote.iceParameters.usernameFragment,
      password: remote.iceParameters.password,
      iceLite: true,
    }),
  );
  const remotePorts: number[] = [];
  for (const candidate of remote.iceCandidates) {
    if (candidate.protocol !== 'udp' || candidate.address.includes(':')) continue;
    remotePorts.push(candidate.port);
    await ice.addRemoteCandidate(
      new IceCandidate(1, candidate.foundation, candidate.address, candidate.port, candidate.priority, 'udp', 'host'),
    );
  }
  await ice.addRemoteCandidate(undefined);

  const dtls = new RTCDtlsTransport({}, ice, certificate, srtpProfiles);
  // Browsers are the DTLS client towards mediasoup in both directions.
  dtls.role = 'client';
  dtls.setRemoteParams(
    new RTCDtlsParameters(
      remote.dtlsParameters.fingerprints.map(({ algorithm, value }) => new RTCDtlsFingerprint(algorithm, value)),
      'server',
    ),
  );

  let connected = false;
  let closed = false;
  return {
    dtlsParameters,
    localPorts: gatherer.localCandidates.map((candidate) => candidate.port),
    remotePorts,
    get connected() {
      return connected;
    },
    get srtpProfile() {
      const profile = dtls.dtls?.srtp.srtpProfile;
      return profile === undefined ? undefined : (srtpProfileNames[profile] ?? String(profile));
    },
    async connect(timeoutMs) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`ICE/DTLS not connected within ${timeoutMs} ms`)), timeoutMs);
      });
      try {
        await Promise.race([
          (async () => {
            await ice.start();
            await dtls.start();
          })(),
          timeout,
        ]);
        connected = !closed;
      } finally {
        clearTimeout(timer);
      }
    },
    sendRtp(header, payload) {
      if (!connected) return;
      void dtls.sendRtp(payload, header);
    },
    sendRtcp(packets) {
      if (!connected || packets.length === 0) return;
      dtls.sendRtcp(packets).catch(() => undefined);
    },
    sendRtcpBytes(packet) {
      if (!connected) return;
      const protectedPacket = dtls.srtcp.encrypt(packet);
      ice.connection.send(protectedPacket).catch(() => undefined);
    },
    onRtp(listener) {
      dtls.onRtp.subscribe(listener);
    },
    onRtcp(listener) {
      dtls.onRtcp.subscribe(listener);
    },
    async close() {
      if (closed) return;
      closed = true;
      connected = false;
      await dtls.stop().catch(() => undefined);
      await ice.stop().catch(() => undefined);
    },
  };
}
