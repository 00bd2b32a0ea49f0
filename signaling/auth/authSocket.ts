// Socket.io handler for renewing a connection's sign-in (`auth:refresh`), so
// hosts and viewers keep their socket — media room, chat rooms — across
// access-token refreshes instead of reconnecting every 15 minutes.
import type { Socket } from 'socket.io';
import type { Logger } from 'pino';
import { z } from 'zod';
import type {
  AuthRefreshRequest,
  ClientToServerEvents,
  InterServerEvents,
  ServerToClientEvents,
} from '../protocol/index.ts';
import { requestRegistrar } from '../socket/registerRequest.ts';
import type { SocketData } from '../socket/socketData.ts';
import { refreshSocketIdentity } from './socketIdentity.ts';
import type { TokenKeys } from './tokenKeys.ts';

type AuthSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

const authRefreshRequest = z.object({ token: z.string().min(1).max(4096) }) satisfies z.ZodType<AuthRefreshRequest>;

export function registerAuthHandlers(socket: AuthSocket, tokenKeys: TokenKeys, logger: Logger): void {
  requestRegistrar(socket, logger)('auth:refresh', authRefreshRequest, async ({ token }) => {
    const credential = await refreshSocketIdentity(socket.data, token, tokenKeys);
    return { userId: credential.userId, expiresAt: new Date(credential.expiresAtMs).toISOString() };
  });
}
