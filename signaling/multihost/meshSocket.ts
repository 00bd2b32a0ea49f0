// Socket.io handlers for a mesh session's peer-to-peer negotiation: offers,
// answers and ICE candidates relayed to one other host of the caller's
// session (SessionService.relayTarget checks who may talk to whom), and the
// tracks a host sends peer to peer. Sizes are capped by the schemas
// (meshRequests.ts); a relay flood is refused by its own budget, on top of
// the socket's, so that one host cannot keep another busy renegotiating.
import type { Logger } from 'pino';
import { AppError } from '../errors.ts';
import { RateLimiter } from '../limits/rateLimits.ts';
import { requestRegistrar } from '../socket/registerRequest.ts';
import type { RequestSocket } from '../socket/socketData.ts';
import type { PushTarget } from './SessionPushes.ts';
import type { SessionService } from './SessionService.ts';

/**
 * Relayed messages per connection. Candidates travel in batches, so a link
 * takes a handful (an offer or an answer, one to three batches): joining a
 * 4-host mesh sends ~15, a switch back to the mesh as many again.
 */
const relaysByConnection = new RateLimiter('mesh-relay', { burst: 60, perS: 15 });

export function registerMeshHandlers(socket: RequestSocket, sessions: SessionService, logger: Logger): void {
  const on = requestRegistrar(socket, logger);

  const relay = async (
    toUserId: string,
    deliver: (target: PushTarget, from: { sessionId: string; fromUserId: string }) => void,
  ) => {
    // Who may talk to whom first: a refused message does not spend the budget.
    const { target, from } = sessions.relayTarget(socket.id, toUserId);
    const admission = await relaysByConnection.take(socket.id);
    if (!admission.allowed) {
      throw new AppError('RATE_LIMITED', `too many negotiation messages; retry in ${admission.retryAfterMs} ms`);
    }
    deliver(target, from);
    return null;
  };

  on('webrtc:offer', ({ toUserId, sdp }) =>
    relay(toUserId, (target, from) => target.emit('webrtc:offer', { ...from, sdp })),
  );
  on('webrtc:answer', ({ toUserId, sdp }) =>
    relay(toUserId, (target, from) => target.emit('webrtc:answer', { ...from, sdp })),
  );
  on('webrtc:ice-candidate', ({ toUserId, candidates }) =>
    relay(toUserId, (target, from) => target.emit('webrtc:ice-candidate', { ...from, candidates })),
  );
  on('webrtc:mesh-tracks', ({ tracks }) => {
    sessions.connectionOf(socket.id).connection.setMeshTracks(tracks);
    return null;
  });
}
