// Socket.io handlers for joining a session's media room and for the WebRTC
// negotiation inside it: the socket adapter of SessionService. Every request
// is validated by its protocol schema (registerRequest) and acts as the
// socket's signed-in identity; the socket's id is the connection id the
// service knows the host by.
import type { types } from 'mediasoup';
import type { types as client } from 'mediasoup-client';
import type { Logger } from 'pino';
import type { Identity } from '../auth/identityToken.ts';
import { AppError } from '../errors.ts';
import type { ConsumerOptions } from '../protocol/index.ts';
import { requestRegistrar } from '../socket/registerRequest.ts';
import type { RequestSocket } from '../socket/socketData.ts';
import { mintIceServers } from '../turn/turnCredentials.ts';
import type { Config } from '../config/config.ts';
import type { SessionService } from './SessionService.ts';

export function registerMultihostHandlers(
  socket: RequestSocket,
  sessions: SessionService,
  turn: Config['turn'],
  logger: Logger,
): void {
  const identity = (): Identity => {
    const found = socket.data.identity;
    if (!found) throw new AppError('UNAUTHENTICATED', 'sign in first');
    return found;
  };
  const joined = () => sessions.connectionOf(socket.id);
  const on = requestRegistrar(socket, logger);

  on(
    'webrtc:router-capabilities',
    // mediasoup and mediasoup-client type the same wire format with slightly
    // different string unions (header extension URIs); this is that wire.
    ({ sessionId }) => sessions.routerCapabilities(identity(), sessionId) as unknown as client.RtpCapabilities,
  );

  on('multihost:join', async ({ sessionId, rtpCapabilities }) => {
    const result = await sessions.join(identity(), socket.id, sessionId, rtpCapabilities as types.RtpCapabilities);
    // A socket that went away while the room was being opened missed its
    // disconnect's leave (it had not joined yet): leave now, or the host
    // would look connected with nobody behind it.
    if (socket.disconnected) await sessions.leave(socket.id, 'disconnected');
    return result;
  });

  on('multihost:leave', async () => {
    joined();
    await sessions.leave(socket.id, 'left');
    return null;
  });

  on('multihost:change-layout', (layout) => sessions.changeLayout(identity(), joined().session.id, layout));

  on('multihost:kick', ({ userId }) => {
    sessions.removeHost(identity(), joined().session.id, userId);
    return null;
  });

  on('multihost:set-on-air', ({ userId, onAir }) => sessions.setOnAir(identity(), joined().session.id, userId, onAir));

  on('multihost:stop-host-media', async ({ userId, source }) => {
    await sessions.stopHostMedia(identity(), joined().session.id, userId, source);
    return null;
  });

  on('multihost:set-permissions', ({ userId, permissions }) =>
    sessions.setPermissions(identity(), joined().session.id, userId, permissions),
  );

  on('multihost:set-on-screen', (change) => sessions.setOnScreen(identity(), joined().session.id, change));

  on('multihost:watch-link', () => sessions.watchLink(identity(), joined().session.id));

  on('webrtc:ice-servers', () => mintIceServers(turn, identity().userId, Date.now()));

  on('webrtc:create-transport', ({ direction }) => joined().connection.media.createTransport(direction));

  on('webrtc:connect-transport', async ({ transportId, dtlsParameters }) => {
    await joined().connection.media.connectTransport(transportId, dtlsParameters as types.DtlsParameters);
    return null;
  });

  on('webrtc:produce', async ({ transportId, kind, rtpParameters, source }) => {
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

  on('webrtc:close-producer', ({ producerId }) => {
    joined().connection.media.closeProducer(producerId);
    return null;
  });

  on('webrtc:consume', async ({ producerId }): Promise<ConsumerOptions> => {
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

  on('webrtc:resume-consumer', async ({ consumerId }) => {
    // Through the quality controller: a consumer it paused (hidden tile, no
    // bandwidth) stays paused until a decision lets it flow.
    await joined().connection.quality.resume(consumerId);
    return null;
  });

  on('webrtc:close-consumer', ({ consumerId }) => {
    joined().connection.media.closeConsumer(consumerId);
    return null;
  });

  on('webrtc:toggle-track', async ({ source, enabled }) => {
    await joined().connection.toggle(source, enabled);
    return null;
  });

  on('webrtc:adapt-quality', ({ consumers }) => {
    joined().connection.quality.setViewports(consumers);
    return null;
  });

  socket.on('disconnect', () => {
    sessions.leave(socket.id, 'disconnected').catch((error: unknown) => logger.error({ err: error }, 'leave failed'));
  });
}
