// Socket.io handler for renewing a connection's sign-in (`auth:refresh`), so
// hosts and viewers keep their socket — media room, chat rooms — across
// access-token refreshes instead of reconnecting every 15 minutes.
import type { Logger } from 'pino';
import { requestRegistrar } from '../socket/registerRequest.ts';
import type { AppSocket } from '../socket/socketData.ts';
import { refreshSocketIdentity } from './socketIdentity.ts';

export function registerAuthHandlers(socket: AppSocket, tokenSecret: string, logger: Logger): void {
  requestRegistrar(socket, logger)('auth:refresh', ({ token }) => {
    const credential = refreshSocketIdentity(socket.data, token, tokenSecret);
    return { userId: credential.userId, expiresAt: new Date(credential.expiresAtMs).toISOString() };
  });
}
