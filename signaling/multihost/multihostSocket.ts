// Socket.io handlers for joining a session's media room and for the WebRTC
// negotiation inside it. Every request is validated by its schema
// (registerRequest) and acts as the socket's signed-in identity.
import type { types } from 'mediasoup';
import type { types as client } from 'mediasoup-client';
import type { Logger } from 'pino';
import type { Identity } from '../auth/identityToken.ts';
import { AppError } from '../errors.ts';
import {
  connectTransportRequest,
  consumerRef,
  createTransportRequest,
  emptyRequest,
  joinRequest,
  kickRequest,
  layoutChange,
  produceRequest,
  producerRef,
  sessionRef,
  toggleTrackRequest,
  viewportRequest,
} from '../protocol/requests.ts';
import type { ConsumerOptions } from '../protocol/index.ts';
import { requestRegistrar } from '../socket/registerRequest.ts';
import { mintIceServers } from '../turn/turnCredentials.ts';
import type { Config } from '../config/config.ts';
import type { HostSocket } from './HostConnection.ts';
import type { SessionService } from './SessionService.ts';

export function registerMultihostHandlers(
  socket: HostSocket,
  sessions: SessionService,
  turn: Config['turn'],
  logger: Logger,
): void {
  const identity = (): Identity => {
    const found = socket.data.identity;
    if (!found) throw new AppError('UNAUTHENTICATED', 'sign in first');
    return found;
  };
  const joined = () => sessions.connectionOf(socket);
  const on = requestRegistrar(socket, logger);

  on(
    'webrtc:router-capabilities',
    sessionRef,
    // mediasoup and mediasoup-client type the same wire format with slightly
    // different string unions (header extension URIs); this is that wire.
    async ({ sessionId }) =>
      (await sessions.routerCapabilities(identity(), sessionId)) as unknown as client.RtpCapabilities,
  );

  on('multihost:join', joinRequest, ({ sessionId, rtpCapabilities }) =>
    sessions.join(identity(), socket, sessionId, rtpCapabilities as types.RtpCapabilities),
  );

  on('multihost:leave', emptyRequest, async () => {
    joined();
    await sessions.leave(socket, 'left');
    return null;
  });

  on('multihost:change-layout', layoutChange, (layout) =>
    sessions.changeLayout(identity(), joined().session.id, layout),
  );

  on('multihost:kick', kickRequest, ({ userId }) => {
    sessions.removeHost(identity(), joined().session.id, userId);
    return null;
  });

  on('webrtc:ice-servers', emptyRequest, () => mintIceServers(turn, identity().userId, Date.now()));

  on('webrtc:create-transport', createTransportRequest, ({ direction }) =>
    joined().connection.media.createTransport(direction),
  );

  on('webrtc:connect-transport', connectTransportRequest, async ({ transportId, dtlsParameters }) => {
    await joined().connection.media.connectTransport(transportId, dtlsParameters as types.DtlsParameters);
    return null;
  });

  on('webrtc:produce', produceRequest, async ({ transportId, kind, rtpParameters, source }) => {
    const { connection } = joined();
    const producer = await connection.media.produce({
      transportId,
      kind,
      rtpParameters: rtpParameters as types.RtpParameters,
      source,
    });
    connection.published(producer);
    return { producerId: producer.id };
  });

  on('webrtc:close-producer', producerRef, ({ producerId }) => {
    joined().connection.media.closeProducer(producerId);
    return null;
  });

  on('webrtc:consume', producerRef, async ({ producerId }): Promise<ConsumerOptions> => {
    const params = await joined().connection.media.consume(producerId);
    return {
      id: params.id,
      producerId: params.producerId,
      userId: params.peerId,
      source: params.source,
      kind: params.kind,
      rtpParameters: params.rtpParameters as ConsumerOptions['rtpParameters'],
      producerPaused: params.producerPaused,
    };
  });

  on('webrtc:resume-consumer', consumerRef, async ({ consumerId }) => {
    // Through the quality controller: a consumer it paused (hidden tile, no
    // bandwidth) stays paused until a decision lets it flow.
    await joined().connection.quality.resume(consumerId);
    return null;
  });

  on('webrtc:toggle-track', toggleTrackRequest, async ({ source, enabled }) => {
    await joined().connection.toggle(source, enabled);
    return null;
  });

  on('webrtc:adapt-quality', viewportRequest, ({ consumers }) => {
    joined().connection.quality.setViewports(consumers);
    return null;
  });

  socket.on('disconnect', () => {
    sessions.leave(socket, 'disconnected').catch((error: unknown) => logger.error({ err: error }, 'leave failed'));
  });
}
