// Cluster mode, on a client's entry node: a request about a session another
// node owns is forwarded to that owner over the bus and its ack comes back
// (the owner runs it through its RemoteSocket for this client); anything else
// goes on to this node's own handlers. Nothing about the request changes for
// the client. The owner validates and rate-limits it as it would its own.
// When an owner dies, the request that finds it unreachable goes to whoever
// takes the session over (Failover), and hosts joined through this node are
// told to rejoin (`multihost:rejoin`): their media was on the dead node.
// Viewers watching through this node are watched again on the new owner on
// their behalf (its audience count starts from nothing: without this, the
// count would shrink to whoever reloads): their player never noticed.
import type { Logger } from 'pino';
import type { ClusterBus } from '../cluster/ClusterBus.ts';
import { sessionOfRequest, type RouteLookups } from '../cluster/requestRoutes.ts';
import type { Identity } from '../auth/identityToken.ts';
import { AppError, toProtocolError } from '../errors.ts';
import { RateLimiter } from '../limits/rateLimits.ts';
import { NodeUnreachable } from '../cluster/ClusterBus.ts';
import type { Ack } from '../protocol/index.ts';
import { REQUESTS_PER_SOCKET } from './registerRequest.ts';
import { expireIdentity } from './socketIdentity.ts';
import type { AppSocket, SocketCredential } from './socketData.ts';

/** What an entry node sends with a forwarded request. */
export interface ForwardedRequest {
  socketId: string;
  identity: Identity | undefined;
  credential: SocketCredential | undefined;
  event: string;
  payload: unknown;
}

/** Bus methods of socket forwarding. */
export const SOCKET_REQUEST = 'socket.request';
export const SOCKET_GONE = 'socket.gone';

/** Larger payloads are not forwarded: they are refused where they arrive (registerRequest's limit). */
const MAX_FORWARDED_CHARS = 32_768;
/**
 * Finding a request's owner costs a Redis read (and, for a session no node
 * holds, a database read): a socket gets the same budget for it as for its
 * requests (registerRequest), taken before any of that.
 */
const routedBySocket = new RateLimiter('socket-routing', REQUESTS_PER_SOCKET);
/** Looks for the node that took a session over, for its viewers here (the take-over takes a moment). */
const REWATCH_ATTEMPTS = 5;
const REWATCH_RETRY_MS = 1000;

export interface ForwardingOptions {
  bus: ClusterBus;
  ownerOf(sessionId: string): Promise<string | undefined>;
  /** The owner after the first one proved unreachable (Failover). */
  ownerAfterFailure(sessionId: string): Promise<string | undefined>;
  /** Subscribes to nodes leaving the cluster. */
  onNodeGone(listener: (nodeId: string) => void): void;
  lookups: RouteLookups;
  logger: Logger;
}

/** A host's connection on this node and where its session's media is. */
interface JoinedHost {
  socket: AppSocket;
  sessionId: string;
  owner: string;
}

/** A connection on this node watching sessions, each with the node that counts it. */
interface Watcher {
  owners: Map<string, string>;
  /** Watches `sessionId` again on `owner` (the one that took it over). */
  watchAgain(sessionId: string, owner: string): Promise<void>;
}

/** Returns `forwardToOwner(socket)`, to call for each socket that connects to this node. */
export function socketForwarding(options: ForwardingOptions): (socket: AppSocket) => void {
  const joinedHosts = new Map<string, JoinedHost>();
  const watchers = new Map<string, Watcher>();
  options.onNodeGone((nodeId) => {
    for (const [socketId, joined] of joinedHosts) {
      if (joined.owner !== nodeId) continue;
      joinedHosts.delete(socketId);
      joined.socket.emit('multihost:rejoin', { sessionId: joined.sessionId });
    }
    void watchAgainElsewhere(nodeId, watchers, options);
  });
  return (socket) => forwardToOwner(socket, options, joinedHosts, watchers);
}

/** The viewers of the gone node's sessions, watching through this node: watched again where each session went. */
async function watchAgainElsewhere(
  goneNodeId: string,
  watchers: Map<string, Watcher>,
  { ownerOf, ownerAfterFailure, logger }: ForwardingOptions,
): Promise<void> {
  const bySession = new Map<string, Watcher[]>();
  for (const watcher of watchers.values()) {
    for (const [sessionId, owner] of watcher.owners) {
      if (owner !== goneNodeId) continue;
      watcher.owners.delete(sessionId);
      bySession.set(sessionId, [...(bySession.get(sessionId) ?? []), watcher]);
    }
  }
  await Promise.all(
    [...bySession].map(async ([sessionId, sessionWatchers]) => {
      for (let attempt = 1; ; attempt++) {
        try {
          // Taken over already (another node noticed first), or to be taken over now.
          const current = await ownerOf(sessionId);
          const owner = current !== undefined && current !== goneNodeId ? current : await ownerAfterFailure(sessionId);
          if (owner === undefined) return; // ended with its node
          await Promise.all(sessionWatchers.map((watcher) => watcher.watchAgain(sessionId, owner)));
          logger.info({ sessionId, owner, viewers: sessionWatchers.length }, 'viewers watch again on the new owner');
          return;
        } catch (error) {
          // The take-over may still be under way ("moving"): a few more looks.
          if (attempt >= REWATCH_ATTEMPTS) {
            logger.warn({ err: error, sessionId }, 'watching again after a failover failed');
            return;
          }
          await new Promise((resolve) => setTimeout(resolve, REWATCH_RETRY_MS));
        }
      }
    }),
  );
}

function forwardToOwner(
  socket: AppSocket,
  { bus, ownerOf, ownerAfterFailure, lookups, logger }: ForwardingOptions,
  joinedHosts: Map<string, JoinedHost>,
  watchers: Map<string, Watcher>,
): void {
  /** Owners that hold a RemoteSocket for this connection: told when it goes. */
  const owners = new Set<string>();
  const watcher: Watcher = {
    owners: new Map(),
    async watchAgain(sessionId, owner) {
      if (socket.disconnected) return;
      // Through the bus even when the new owner is this node: its RemoteSocket counts the viewer as any other.
      const ack = await forward(owner, 'stream:watch', { sessionId });
      observe('stream:watch', sessionId, owner, ack);
      if (!ack.ok) throw new AppError(ack.error.code, ack.error.message);
    },
  };

  const observe = (event: string, sessionId: string | undefined, owner: string, ack: Ack<unknown>) => {
    if (!ack.ok) return;
    if (event === 'multihost:join' && sessionId !== undefined) joinedHosts.set(socket.id, { socket, sessionId, owner });
    if (event === 'multihost:leave') joinedHosts.delete(socket.id);
    if (event === 'stream:watch' && sessionId !== undefined) {
      watcher.owners.set(sessionId, owner);
      watchers.set(socket.id, watcher);
    }
    if (event === 'stream:unwatch' && sessionId !== undefined) watcher.owners.delete(sessionId);
  };
  const forward = async (owner: string, event: string, payload: unknown): Promise<Ack<unknown>> => {
    expireIdentity(socket.data);
    owners.add(owner);
    const forwarded: ForwardedRequest = {
      socketId: socket.id,
      identity: socket.data.identity,
      credential: socket.data.credential,
      event,
      payload,
    };
    return bus.call<Ack<unknown>>(owner, SOCKET_REQUEST, forwarded);
  };

  socket.use((packet, next) => {
    const [event, ...args] = packet as [string, ...unknown[]];
    const reply = args.at(-1);
    if (typeof reply !== 'function') return next();
    const payload = args.length > 1 ? args[0] : {};
    const answer = reply as (ack: Ack<unknown>) => void;
    const serve = async () => {
      if (!(await routedBySocket.take(socket.id)).allowed) {
        throw new AppError('RATE_LIMITED', 'too many requests; slow down');
      }
      const sessionId = await sessionOfRequest(event, payload, joinedHosts.get(socket.id)?.sessionId, lookups);
      let owner = sessionId === undefined ? undefined : await ownerOf(sessionId);
      // Claimed by no node: ended (served here, which says so), or its node died a while ago.
      if (sessionId !== undefined && owner === undefined) owner = await ownerAfterFailure(sessionId);
      const tooLarge = (JSON.stringify(payload)?.length ?? 0) > MAX_FORWARDED_CHARS;
      for (let attempt = 1; ; attempt++) {
        if (owner === undefined || owner === bus.nodeId || tooLarge) {
          // Served here: watch the ack for a join, as for a forwarded one.
          const servedBy = bus.nodeId;
          packet[packet.length - 1] = (ack: Ack<unknown>) => {
            observe(event, sessionId, servedBy, ack);
            answer(ack);
          };
          next();
          return;
        }
        try {
          const ack = await forward(owner, event, payload);
          observe(event, sessionId, owner, ack);
          answer(ack);
          return;
        } catch (error) {
          // The owner died: whoever takes the session over serves it (once; then the error stands).
          if (!(error instanceof NodeUnreachable) || sessionId === undefined || attempt > 1) throw error;
          owner = await ownerAfterFailure(sessionId);
        }
      }
    };
    serve().catch((error: unknown) => {
      const failure = toProtocolError(error);
      if (failure.code === 'INTERNAL') logger.error({ err: error, event }, 'routing a request failed');
      answer({ ok: false, error: failure });
    });
  });

  socket.on('disconnect', () => {
    joinedHosts.delete(socket.id);
    watchers.delete(socket.id);
    for (const owner of owners) {
      bus
        .send(owner, SOCKET_GONE, { socketId: socket.id })
        .catch((error: unknown) => logger.debug({ err: error, owner }, 'owner gone before this connection'));
    }
  });
}
