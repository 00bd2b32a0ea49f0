// Cluster mode, on a session's owner: requests other nodes forward here
// (forwardToOwner.ts) run through a RemoteSocket per client connection,
// registered with the same handlers as a local socket. A RemoteSocket ends
// when its client disconnects (its entry node says so) or when its entry node
// leaves the cluster; either way its handlers' disconnect listeners run
// (a host leaves, a viewer stops counting).
import type { ClusterBus } from '../cluster/ClusterBus.ts';
import type { NodeRegistry } from '../cluster/NodeRegistry.ts';
import type { Ack } from '../protocol/index.ts';
import { SOCKET_GONE, SOCKET_REQUEST, type ForwardedRequest } from './forwardToOwner.ts';
import { RemoteSocket } from './RemoteSocket.ts';
import type { AppServer, RequestSocket } from './socketData.ts';

export function acceptForwarded(
  io: AppServer,
  bus: ClusterBus,
  registry: NodeRegistry,
  registerHandlers: (socket: RequestSocket) => void,
): { close(): void } {
  const remotes = new Map<string, RemoteSocket>();

  bus.handle<ForwardedRequest>(SOCKET_REQUEST, (request, from): Promise<Ack<unknown>> => {
    let remote = remotes.get(request.socketId);
    if (!remote) {
      const created = new RemoteSocket(io, request.socketId, from);
      remotes.set(created.id, created);
      registerHandlers(created);
      created.on('disconnect', () => remotes.delete(created.id));
      remote = created;
    }
    // The entry node checked the sign-in's expiry just now.
    remote.data.identity = request.identity;
    remote.data.credential = request.credential;
    return remote.deliver(request.event, request.payload);
  });

  bus.handle<{ socketId: string }>(SOCKET_GONE, ({ socketId }) => remotes.get(socketId)?.disconnect());

  registry.onNodeGone((nodeId) => {
    for (const remote of [...remotes.values()]) if (remote.entryNodeId === nodeId) remote.disconnect();
  });

  return {
    close() {
      for (const remote of [...remotes.values()]) remote.disconnect();
    },
  };
}
