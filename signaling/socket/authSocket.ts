// Socket.io handler for renewing a connection's sign-in (`auth:refresh`), so
// hosts and viewers keep their socket — media room, chat rooms — across
// access-token refreshes instead of reconnecting every 15 minutes.
import type { Logger } from 'pino';
import { requestRegistrar } from './registerRequest.ts';
import type { RequestSocket } from './socketData.ts';
import { refreshSocketIdentity } from './socketIdentity.ts';
import type { TokenKeys } from '../auth/tokenKeys.ts';

export function registerAuthHandlers(socket: RequestSocket, tokenKeys: TokenKeys, logger: Logger): void {
  requestRegistrar(socket, logger)('auth:refresh', async ({ token }) => {
    const credential = await refreshSocketIdentity(socket.data, token, tokenKeys);
    return { userId: credential.userId, expiresAt: new Date(credential.expiresAtMs).toISOString() };
  });
}
