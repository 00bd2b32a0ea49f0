// Builds one Stagecast node: mediasoup workers, the HTTP API, the web app and
// Socket.io on one port. `main.ts` runs it; tests create it in-process.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { createAdapter } from '@socket.io/redis-adapter';
import { Server as SocketServer } from 'socket.io';
import { accountRoutes } from './accounts/accountRoutes.ts';
import { BattleMedia } from './battles/BattleMedia.ts';
import { BattleNotifier } from './battles/BattleNotifier.ts';
import { battleRoutes } from './battles/battleRoutes.ts';
import { BattleService } from './battles/BattleService.ts';
import { BattleMediaHalves } from './battles/BattleMediaHalves.ts';
import { RedisQuickMatchQueue } from './battles/quickMatch/RedisQuickMatchQueue.ts';
import { clusterBattleRelay } from './cluster/clusterBattleRelay.ts';
import { RedisHlsContinuity } from './cluster/RedisHlsContinuity.ts';
import { registerBattleHandlers } from './battles/battleSocket.ts';
import { BattleStore } from './battles/BattleStore.ts';
import { leaderboardFromConfig } from './battles/leaderboards/leaderboardFromConfig.ts';
import { GiftNotifier } from './gifts/GiftNotifier.ts';
import { giftRoutes } from './gifts/giftRoutes.ts';
import { GiftService } from './gifts/GiftService.ts';
import { registerGiftHandlers } from './gifts/giftSocket.ts';
import { GiftWriter } from './gifts/GiftWriter.ts';
import { OrderWriter } from './shop/OrderWriter.ts';
import { StoredImages } from './http/StoredImages.ts';
import { resolveFfmpeg } from '../recorder/ffmpegBinary.ts';
import { LiveThumbnails } from './broadcast/LiveThumbnails.ts';
import { thumbnailRoutes } from './broadcast/thumbnailRoutes.ts';
import { SavedBanners } from './multihost/SavedBanners.ts';
import { savedBannerRoutes } from './multihost/savedBannerRoutes.ts';
import {
  AVATAR_MAX_BYTES,
  COVER_MAX_BYTES,
  EFFECT_BACKGROUND_MAX_BYTES,
  ON_SCREEN_PICTURE_MAX_BYTES,
  PRODUCT_IMAGE_MAX_BYTES,
} from './protocol/index.ts';
import { ShopNotifier } from './shop/ShopNotifier.ts';
import { shopRoutes } from './shop/shopRoutes.ts';
import { ShopService } from './shop/ShopService.ts';
import { registerShopHandlers } from './shop/shopSocket.ts';
import { ShopStore } from './shop/ShopStore.ts';
import { AccountService } from './accounts/AccountService.ts';
import { guestRoutes } from './auth/guestRoutes.ts';
import { BroadcastService } from './broadcast/BroadcastService.ts';
import { hlsRoutes } from './broadcast/hlsRoutes.ts';
import { LiveEdgeHolds } from './broadcast/LiveEdgeHolds.ts';
import { RecordingStore } from './broadcast/RecordingStore.ts';
import { StreamNotifier } from './broadcast/StreamNotifier.ts';
import { streamRoutes } from './broadcast/streamRoutes.ts';
import { StreamService } from './broadcast/StreamService.ts';
import { registerStreamHandlers } from './broadcast/streamSocket.ts';
import { AudienceGate } from './broadcast/AudienceGate.ts';
import { channelRoutes } from './channels/channelRoutes.ts';
import { effectRoutes } from './effects/effectRoutes.ts';
import { notificationRoutes } from './notifications/notificationRoutes.ts';
import { searchRoutes } from './search/searchRoutes.ts';
import { NotificationService } from './notifications/NotificationService.ts';
import { notifyOnSessionEvents } from './notifications/notifyOnEvents.ts';
import { EffectService } from './effects/EffectService.ts';
import { ChannelService } from './channels/ChannelService.ts';
import { ChatNotifier } from './chat/ChatNotifier.ts';
import { chatRoutes } from './chat/chatRoutes.ts';
import { ChatService } from './chat/ChatService.ts';
import { chatSessionsOf, closeChatsWithSessions } from './chat/chatSessions.ts';
import { registerChatHandlers } from './chat/chatSocket.ts';
import { ChatStore } from './chat/ChatStore.ts';
import { clusterLists } from './cluster/ClusterLists.ts';
import { ClusterNode } from './cluster/ClusterNode.ts';
import { WorkerCpuMeter } from './cluster/WorkerCpuMeter.ts';
import { localSessionLists, type LocalLists } from './multihost/SessionLists.ts';
import { routeLookups } from './cluster/routeLookups.ts';
import { acceptForwarded } from './socket/acceptForwarded.ts';
import { socketForwarding } from './socket/forwardToOwner.ts';
import { ownerProxy } from './http/ownerProxy.ts';
import { registerAuthHandlers } from './socket/authSocket.ts';
import { signInSocket } from './socket/socketIdentity.ts';
import { loadTokenSecret } from './auth/tokenSecret.ts';
import { AppError } from './errors.ts';
import { httpErrorHandler } from './http/httpErrors.ts';
import { apiCors, securityHeaders } from './http/securityHeaders.ts';
import { multihostRoutes } from './multihost/multihostRoutes.ts';
import { registerMeshHandlers } from './multihost/meshSocket.ts';
import { registerMultihostHandlers } from './multihost/multihostSocket.ts';
import { SessionNotifier, userChannel } from './multihost/SessionNotifier.ts';
import type { AppServer, RequestSocket } from './socket/socketData.ts';
import { SessionService } from './multihost/SessionService.ts';
import { SessionStore } from './multihost/SessionStore.ts';
import type { Logger } from 'pino';
import { databaseProvider, openDatabase, tuneDatabase, type Database } from '../prisma/database.ts';
import { WorkerPool } from '../sfu/WorkerPool.ts';
import type { Config } from './config/config.ts';
import { healthRoute } from './http/healthRoute.ts';
import { metricsRoute } from './http/metricsRoute.ts';
import { coverRoutes } from './multihost/coverRoutes.ts';
import { onScreenPictureRoutes, storedPictureName } from './multihost/onScreenPictureRoutes.ts';
import { effectModelRoute } from './http/effectModelRoute.ts';
import { webAppRoute } from './http/webAppRoute.ts';
import { registerServerInfo } from './socket/serverInfoHandler.ts';
import { Ledger } from './wallet/Ledger.ts';
import { walletRoutes } from './wallet/walletRoutes.ts';

const repoRoot = path.resolve(import.meta.dirname, '..');
/** Recordings a channel page lists (the newest). */
const CHANNEL_RECORDINGS = 20;

export interface StagecastServer {
  /** http://host:port the server listens on. */
  readonly url: string;
  readonly pool: WorkerPool;
  /**
   * Before a planned stop (SIGTERM). In a cluster: no new sessions here, the
   * running ones move to other nodes. A single node has nowhere to move them:
   * nothing happens, close() ends them.
   */
  drain(): Promise<void>;
  close(): Promise<void>;
}

export async function startServer(config: Config, logger: Logger): Promise<StagecastServer> {
  const startedAt = Date.now();
  const version = readVersion();
  const pool = await WorkerPool.create({
    workerCount: config.mediasoup.workerCount,
    workerBin: config.mediasoup.workerBin,
    logLevel: config.mediasoup.logLevel,
    listenIp: config.mediasoup.listenIp,
    announcedAddress: config.mediasoup.announcedAddress,
    webRtcServerPort: config.mediasoup.webRtcServerPort,
    socketBufferBytes: config.mediasoup.socketBufferBytes,
    rtcMinPort: config.mediasoup.rtcMinPort,
    rtcMaxPort: config.mediasoup.rtcMaxPort,
    logger,
  });

  try {
    return await startOnPool(config, logger, pool, { startedAt, version });
  } catch (error) {
    // A node that cannot start leaves nothing behind: its workers go with it.
    pool.close();
    throw error;
  }
}

/** Everything of a node above its media workers; the database is closed again if any of it fails. */
async function startOnPool(
  config: Config,
  logger: Logger,
  pool: WorkerPool,
  { startedAt, version }: { startedAt: number; version: string },
): Promise<StagecastServer> {
  const database = openDatabase(config.databaseUrl);
  const sessionsLoad: SessionsLoad = { sessions: () => 0, hosts: () => 0 };
  let cluster: ClusterNode | undefined;
  const workerCpu = config.redisUrl ? new WorkerCpuMeter(() => pool.workers) : undefined;
  try {
    if (config.redisUrl) {
      cluster = await ClusterNode.join({
        redisUrl: config.redisUrl,
        nodeId: config.node.id,
        rtcAddress: config.mediasoup.announcedAddress ?? config.mediasoup.listenIp,
        loadOf: () => ({
          sessions: sessionsLoad.sessions(),
          hosts: sessionsLoad.hosts(),
          consumers: pool.counts.consumers,
          workerCpu: workerCpu?.share ?? 0,
        }),
        logger,
      });
    }
    return await startOnDatabase(
      config,
      logger,
      pool,
      database,
      { cluster, sessionsLoad, workerCpu },
      { startedAt, version },
    );
  } catch (error) {
    workerCpu?.stop();
    await cluster?.close();
    await database
      .$disconnect()
      .catch((closeError: unknown) =>
        logger.warn({ err: closeError }, 'closing the database after a failed start failed'),
      );
    throw error;
  }
}

/** What the registry reports of this node's sessions; set once the session service exists. */
interface SessionsLoad {
  sessions: () => number;
  hosts: () => number;
}

async function startOnDatabase(
  config: Config,
  logger: Logger,
  pool: WorkerPool,
  database: Database,
  {
    cluster,
    sessionsLoad,
    workerCpu,
  }: { cluster: ClusterNode | undefined; sessionsLoad: SessionsLoad; workerCpu: WorkerCpuMeter | undefined },
  { startedAt, version }: { startedAt: number; version: string },
): Promise<StagecastServer> {
  await tuneDatabase(database, config.databaseUrl);
  const tokenSecret = loadTokenSecret(config.tokenSecret, config.dataDir);
  const store = new SessionStore(database, logger);
  const accounts = new AccountService(database, tokenSecret, logger, { accessTokenTtlS: config.accessTokenTtlS });
  const ledger = new Ledger(database, logger);
  // Sessions cannot survive a restart (their media was in this process), nor
  // can their battles. In a cluster the other nodes' sessions are in the same
  // database and alive: a starting node leaves them alone (docs/scale-out.md).
  // Planned sessions (announced for a time, not started) are kept, and brought back below.
  if (!cluster) await store.endOrphans(new Date());
  const provider = databaseProvider(config.databaseUrl);
  const battleStore = new BattleStore(database, provider, ledger, logger);
  if (!cluster) await battleStore.closeInterrupted(new Date());
  const leaderboards = await leaderboardFromConfig(config, logger);
  await leaderboards.rebuild(database, new Date());

  const app = express();
  app.disable('x-powered-by');
  // Client addresses (rate limits) come from X-Forwarded-For only through the proxies the operator names.
  if (config.http.trustProxy !== undefined) app.set('trust proxy', config.http.trustProxy);
  const httpServer = http.createServer(app);
  const io: AppServer = new SocketServer(httpServer, {
    serveClient: false,
    // Transport limit; requests are further capped per event (registerRequest).
    maxHttpBufferSize: 1_000_000,
    // Same origin by default; CORS_ORIGINS opens the long-polling transport to other sites.
    ...(config.http.corsOrigins.length > 0 ? { cors: { origin: config.http.corsOrigins, credentials: true } } : {}),
    // Cluster mode: pushes reach sockets on every node.
    ...(cluster ? { adapter: createAdapter(cluster.adapterClients.pub, cluster.adapterClients.sub) } : {}),
  });
  const sessionPushes = new SessionNotifier(io);
  const sessions = new SessionService({
    pool,
    claims: cluster?.ownership,
    store,
    pushes: sessionPushes,
    config,
    logger,
  });
  if (!cluster) await sessions.restorePlanned();

  const notifications = new NotificationService(database, (userId) => sessionPushes.user(userId), logger);
  notifyOnSessionEvents(sessions, notifications, logger);
  const battlePushes = new BattleNotifier(io, notifications);
  // Cluster mode: a battle between sessions of two nodes pipes its media between them (docs/scale-out.md).
  const battleRelay = cluster && clusterBattleRelay(cluster, logger);
  const mediaHalves =
    battleRelay &&
    new BattleMediaHalves({
      relay: battleRelay,
      sessions,
      pushes: battlePushes,
      listen: {
        ip: config.mediasoup.listenIp,
        ...(config.mediasoup.announcedAddress ? { announcedAddress: config.mediasoup.announcedAddress } : {}),
      },
      logger,
    });
  const quickMatch = cluster && new RedisQuickMatchQueue(cluster.commands);
  const battles = new BattleService({
    sessions,
    store: battleStore,
    pushes: battlePushes,
    leaderboard: leaderboards,
    openMedia: (battle, hooks, peer) =>
      peer && mediaHalves
        ? mediaHalves.open(battle, sessions.get(battle.sides[0].sessionId), peer, hooks)
        : BattleMedia.open(battle, sessions, battlePushes, logger, hooks),
    ...(battleRelay && mediaHalves && quickMatch
      ? {
          crossNode: {
            relay: battleRelay,
            quickMatch,
            acceptMedia: (battle, session, peer, remote, hooks) =>
              mediaHalves.accept(battle, session, peer, remote, hooks),
          },
        }
      : {}),
    timeScale: config.battleTimeScale,
    logger,
  });
  const gifts = new GiftService({
    writer: new GiftWriter(database, provider, logger),
    ledger,
    sessions,
    battles,
    pushes: new GiftNotifier(io),
    logger,
  });

  const shop = new ShopService({
    store: new ShopStore(database, provider, logger),
    writer: new OrderWriter(database, provider, logger),
    sessions,
    pushes: new ShopNotifier(io),
    timeScale: config.shopTimeScale,
    logger,
  });
  const productImages = new StoredImages(config.dataDir, 'shop-images', PRODUCT_IMAGE_MAX_BYTES);

  const recordings = new RecordingStore(database, logger);
  // Logos and backdrops: served to the studios, drawn by the compositor from their files.
  const onScreenPictures = new StoredImages(config.dataDir, 'on-screen-pictures', ON_SCREEN_PICTURE_MAX_BYTES);
  const broadcasts = new BroadcastService(sessions, {
    mediaDir: config.mediaDir,
    minFreeDiskBytes: config.minFreeDiskBytes,
    recordOnLive: config.recordOnLive,
    lowLatencyHls: config.lowLatencyHls,
    hlsPartSeconds: config.hlsPartSeconds,
    hlsFps: config.hlsFps,
    pictureFile: (url) => {
      const name = storedPictureName(url);
      return name === null ? undefined : onScreenPictures.pathOf(name);
    },
    recordings,
    battles,
    ...(cluster ? { continuity: new RedisHlsContinuity(cluster.commands, logger) } : {}),
    logger,
  });
  if (!cluster) await broadcasts.closeInterruptedRecordings(new Date());
  const audienceGate = new AudienceGate(sessions, recordings);
  const streams = new StreamService({
    sessions,
    broadcasts,
    recordings,
    gate: audienceGate,
    pushes: new StreamNotifier(io),
    logger,
  });
  const chatStore = new ChatStore(database, logger);
  const chat = new ChatService({
    store: chatStore,
    sessions: chatSessionsOf(sessions, audienceGate),
    pushes: new ChatNotifier(io, { acrossNodes: cluster !== undefined }),
    config: config.chat,
    logger,
  });
  closeChatsWithSessions(sessions, chat);
  const localLists: LocalLists = {
    live: () => sessions.listLive(),
    activeForUser: (userId) => sessions.listActiveForUser(userId),
    battles: () => battles.listActive(),
  };
  const lists = cluster ? clusterLists(cluster, localLists) : localSessionLists(localLists);
  const channels = new ChannelService(database, {
    // A channel is public: private sessions and their recordings are not on it.
    liveSessionsOf: async (ownerId) =>
      (await lists.live()).filter((session) => session.primaryHostId === ownerId && !session.settings.private),
    recordingsOf: (ownerId) => streams.publicRecordingsOfHost(ownerId, CHANNEL_RECORDINGS),
  });

  sessionsLoad.sessions = () => sessions.activeSessionCount;
  sessionsLoad.hosts = () => sessions.connectedHostCount;
  const lookups = routeLookups(database);

  app.use(securityHeaders());
  app.use('/api', apiCors(config.http.corsOrigins));
  // Before the body parser: a request for another node's session goes there unread.
  if (cluster) {
    app.use(
      ownerProxy({
        nodeId: cluster.nodeId,
        ownerOf: (sessionId) => cluster.servingNode(sessionId),
        sessionOfBattle: lookups.sessionOfBattle,
        placeNewSession: () => cluster.placeNewSession(),
        urlOf: (nodeId) => cluster.urlOf(nodeId),
        logger,
      }),
    );
  }
  app.use(express.json({ limit: '64kb' }));
  app.use(healthRoute(pool, database, startedAt, logger));
  app.use(
    metricsRoute(
      pool,
      () => ({
        connections: io.engine.clientsCount,
        sessions: sessions.activeSessionCount,
        connectedHosts: sessions.connectedHostCount,
      }),
      () => broadcasts.encoderRestarts,
    ),
  );
  app.use(guestRoutes(tokenSecret));
  app.use(
    accountRoutes(accounts, {
      tokenSecret,
      secureCookies: config.nodeEnv === 'production',
      limitStore: cluster?.limitStore,
      avatars: new StoredImages(config.dataDir, 'avatars', AVATAR_MAX_BYTES),
    }),
  );
  app.use(walletRoutes(ledger, tokenSecret));
  app.use(multihostRoutes(sessions, lists, tokenSecret, cluster?.limitStore));
  const covers = new StoredImages(config.dataDir, 'covers', COVER_MAX_BYTES);
  app.use(coverRoutes(sessions, covers, tokenSecret, cluster?.limitStore));
  app.use(onScreenPictureRoutes(sessions, onScreenPictures, tokenSecret, cluster?.limitStore));
  app.use(giftRoutes(gifts, tokenSecret));
  app.use(battleRoutes(battles, gifts, leaderboards, lists, tokenSecret));
  app.use(shopRoutes(shop, productImages, tokenSecret, cluster?.limitStore));
  const liveEdgeHolds = new LiveEdgeHolds();
  app.use(hlsRoutes(broadcasts, logger, liveEdgeHolds, audienceGate));
  const thumbnails = new LiveThumbnails({
    liveDir: (sessionId) => broadcasts.liveDir(sessionId),
    ffmpeg: () => resolveFfmpeg(),
    logger,
  });
  sessions.on('ended', (session: { id: string }) => thumbnails.forget(session.id));
  app.use(thumbnailRoutes(thumbnails, audienceGate));
  app.use(savedBannerRoutes(new SavedBanners(database), tokenSecret));
  app.use(streamRoutes(streams, tokenSecret, cluster?.limitStore));
  app.use(chatRoutes(chat, tokenSecret, cluster?.limitStore));
  app.use(channelRoutes(channels, tokenSecret));
  app.use(notificationRoutes(notifications, tokenSecret));
  app.use(searchRoutes(lists, channels));
  app.use(
    effectRoutes(
      new EffectService(database, ledger, logger),
      new StoredImages(config.dataDir, 'effect-backgrounds', EFFECT_BACKGROUND_MAX_BYTES),
      tokenSecret,
      cluster?.limitStore,
    ),
  );
  app.use(effectModelRoute());
  app.use(webAppRoute(path.join(repoRoot, 'web', 'dist')));
  app.use((_req, _res, next) => next(new AppError('NOT_FOUND', 'no such route')));
  app.use(httpErrorHandler(logger));

  // Anonymous connections are allowed (audiences); requests that need an
  // identity check socket.data.identity themselves. It lasts as long as the
  // token (auth:refresh renews it): signaling/socket/socketIdentity.ts.
  io.use((socket, next) => {
    signInSocket(socket.data, (socket.handshake.auth as { token?: unknown }).token, tokenSecret).then(
      () => next(),
      next,
    );
  });
  const registerHandlers = (socket: RequestSocket) => {
    const socketLogger = logger.child({ socketId: socket.id, userId: socket.data.identity?.userId });
    registerServerInfo(socket, pool, version, socketLogger);
    registerAuthHandlers(socket, tokenSecret, socketLogger);
    registerMultihostHandlers(socket, sessions, config.turn, socketLogger);
    registerMeshHandlers(socket, sessions, socketLogger);
    registerChatHandlers(socket, chat, socketLogger);
    registerStreamHandlers(socket, streams, socketLogger);
    registerGiftHandlers(socket, gifts, socketLogger);
    registerBattleHandlers(socket, battles, socketLogger);
    registerShopHandlers(socket, shop, socketLogger);
  };
  const forwardToOwner =
    cluster &&
    socketForwarding({
      bus: cluster.bus,
      ownerOf: (sessionId) => cluster.ownerOf(sessionId),
      ownerAfterFailure: (sessionId) => cluster.ownerAfterFailure(sessionId),
      onNodeGone: (listener) => cluster.registry.onNodeGone(listener),
      lookups,
      logger,
    });
  cluster?.enableFailover({
    prepareAdoption: async (sessionId) => {
      const preparedAt = new Date();
      const restore = await sessions.prepareAdoption(sessionId);
      // The recording the dead node was writing ends here; a live session starts a new one when restored.
      if (restore) await broadcasts.closeInterruptedRecordings(preparedAt, sessionId);
      // The battles it ran died with its node (a battle it was invited to is its inviter's to end).
      await battleStore.closeInterrupted(preparedAt, sessionId);
      return restore;
    },
    activeIds: () => store.activeIds(),
    isActive: async (sessionId) => (await store.findSaved(sessionId)) !== undefined,
    letGo: (sessionId) => sessions.handOver(sessionId),
  });
  io.on('connection', (socket) => {
    if (socket.data.identity) void socket.join(userChannel(socket.data.identity.userId));
    forwardToOwner?.(socket);
    registerHandlers(socket);
  });
  const forwarded = cluster && acceptForwarded(io, cluster.bus, cluster.registry, registerHandlers);

  await listen(httpServer, config.http.port, config.http.host);
  const address = httpServer.address() as AddressInfo;
  const shownHost = config.http.host === '0.0.0.0' || config.http.host === '::' ? 'localhost' : config.http.host;
  const url = `http://${shownHost}:${address.port}`;
  await cluster?.announce(config.node.url ?? nodeUrl(config.http.host, address.port));

  return {
    url,
    pool,
    async drain() {
      if (!cluster) return;
      const outcome = await cluster.drain({
        ids: () => sessions.sessionIds,
        save: (sessionId) => sessions.save(sessionId),
        handOver: (sessionId) => sessions.handOver(sessionId),
      });
      logger.info(outcome, 'drained');
    },
    async close() {
      // Battles first: a stopping server interrupts them (no forfeit when the sessions end next).
      await battles.closeAll();
      gifts.close();
      shop.close();
      await broadcasts.stopAll();
      // Held LL-HLS requests would keep the HTTP server from closing.
      liveEdgeHolds.close();
      forwarded?.close();
      await sessions.closeAll();
      // After the sessions: their ends write the peak audiences, which must land before the database closes.
      await streams.close();
      await io.close(); // also closes httpServer
      pool.close();
      await chatStore.flush();
      await leaderboards.close();
      workerCpu?.stop();
      await cluster?.close();
      await database.$disconnect();
    },
  };
}

function listen(server: http.Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** Where other nodes reach this one when NODE_URL does not say: the address it listens on. */
function nodeUrl(host: string, port: number): string {
  const name = host === '0.0.0.0' || host === '::' ? os.hostname() : host.includes(':') ? `[${host}]` : host;
  return `http://${name}:${port}`;
}

function readVersion(): string {
  const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}
