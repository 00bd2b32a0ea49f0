// Socket.io handlers for live shopping: the shelf for anyone, selling for the
// session's sellers, buying for signed-in accounts (ShopService says who may
// do what).
import type { Logger } from 'pino';
import type { Identity } from '../auth/identityToken.ts';
import { AppError } from '../errors.ts';
import { requestRegistrar } from '../socket/registerRequest.ts';
import type { RequestSocket } from '../socket/socketData.ts';
import type { ShopService } from './ShopService.ts';

export function registerShopHandlers(socket: RequestSocket, shop: ShopService, logger: Logger): void {
  const on = requestRegistrar(socket, logger);
  const identity = (): Identity => {
    const found = socket.data.identity;
    if (!found) throw new AppError('UNAUTHENTICATED', 'sign in with an account first');
    return found;
  };

  on('live-shopping:state', ({ sessionId }) => shop.state(sessionId));
  on('live-shopping:pin', (request) => shop.pin(identity(), request));
  on('live-shopping:unpin', ({ sessionId }) => shop.unpin(identity(), sessionId));
  on('live-shopping:flash-sale', (request) => shop.startFlashSale(identity(), request));
  on('live-shopping:end-flash-sale', ({ sessionId }) => shop.endFlashSale(identity(), sessionId));
  on('live-shopping:buy', (request) => shop.buy(identity(), request));
  on('live-shopping:interaction', (request) => {
    // A viewer is their account, or this connection when anonymous.
    shop.interaction(socket.data.identity?.userId ?? `socket:${socket.id}`, request);
    return null;
  });
  on('live-shopping:analytics', ({ sessionId }) => shop.analytics(identity(), sessionId));
  on('live-shopping:products', ({ sessionId }) => shop.sessionProducts(sessionId));
  on('live-shopping:allow-seller', (request) => shop.allowSeller(identity(), request));
}
