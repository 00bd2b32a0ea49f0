// Cluster mode, on a client's entry node: a request about a session another
// node owns is forwarded to that owner over the bus and its ack comes back
// (the owner runs it through its RemoteSocket for this client); anything else
// goes on to this node's own handlers. Nothing about the request changes for
// the client. The owner validates and rate-limits it as it would its own.
import type { Logger } from 'pino';
import type { ClusterBus } from '../cluster/ClusterBus.ts';
import { sessionOfRequest, type RouteLookups } from '../cluster/requestRoutes.ts';
import type { Identity } from '../auth/identityToken.ts';
import { toProtocolError } from '../errors.ts';
import type { Ack } from '../protocol/index.ts';
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

export interface ForwardingOptions {
  bus: ClusterBus;
  ownerOf(sessionId: string): Promise<string | undefined>;
  lookups: RouteLookups;
  logger: Logger;
}

export function forwardToOwner(socket: AppSocket, { bus, ownerOf, lookups, logger }: ForwardingOptions): void {
  /** The session this connection joined as a host, where its media requests go. */
  let joinedSessionId: string | undefined;
  /** Owners that hold a RemoteSocket for this connection: told when it goes. */
  const owners = new Set<string>();

  const observe = (event: string, sessionId: string | undefined, ack: Ack<unknown>) => {
    if (!ack.ok) return;
    if (event === 'multihost:join') joinedSessionId = sessionId;
    if (event === 'multihost:leave') joinedSessionId = undefined;
  };

  socket.use((packet, next) => {
    const [event, ...args] = packet as [string, ...unknown[]];
    const reply = args.at(-1);
    if (typeof reply !== 'function') return next();
    const payload = args.length > 1 ? args[0] : {};
    const answer = reply as (ack: Ack<unknown>) => void;
    const serve = async () => {
      const sessionId = await sessionOfRequest(event, payload, joinedSessionId, lookups);
      const owner = sessionId === undefined ? undefined : await ownerOf(sessionId);
      const tooLarge = (JSON.stringify(payload)?.length ?? 0) > MAX_FORWARDED_CHARS;
      if (owner === undefined || owner === bus.nodeId || tooLarge) {
        // Served here: watch the ack for a join, as for a forwarded one.
        packet[packet.length - 1] = (ack: Ack<unknown>) => {
          observe(event, sessionId, ack);
          answer(ack);
        };
        next();
        return;
      }
      expireIdentity(socket.data);
      owners.add(owner);
      const forwarded: ForwardedRequest = {
        socketId: socket.id,
        identity: socket.data.identity,
        credential: socket.data.credential,
        event,
        payload,
      };
      const ack = await bus.call<Ack<unknown>>(owner, SOCKET_REQUEST, forwarded);
      observe(event, sessionId, ack);
      answer(ack);
    };
    serve().catch((error: unknown) => {
      const failure = toProtocolError(error);
      if (failure.code === 'INTERNAL') logger.error({ err: error, event }, 'routing a request failed');
      answer({ ok: false, error: failure });
    });
  });

  socket.on('disconnect', () => {
    for (const owner of owners) {
      bus
        .send(owner, SOCKET_GONE, { socketId: socket.id })
        .catch((error: unknown) => logger.debug({ err: error, owner }, 'owner gone before this connection'));
    }
  });
}
