// Socket.io handlers for gifts: the catalogue for anyone, sending for
// signed-in accounts (GiftService says who may send what).
import type { Logger } from 'pino';
import type { Identity } from '../auth/identityToken.ts';
import { AppError } from '../errors.ts';
import { requestRegistrar } from '../socket/registerRequest.ts';
import type { RequestSocket } from '../socket/socketData.ts';
import type { GiftService } from './GiftService.ts';

export function registerGiftHandlers(socket: RequestSocket, gifts: GiftService, logger: Logger): void {
  const on = requestRegistrar(socket, logger);
  const identity = (): Identity => {
    const found = socket.data.identity;
    if (!found) throw new AppError('UNAUTHENTICATED', 'sign in with an account to send gifts');
    return found;
  };

  on('gift:catalogue', () => gifts.catalogue());
  on('gift:send', (request) => gifts.send(identity(), request));
}
