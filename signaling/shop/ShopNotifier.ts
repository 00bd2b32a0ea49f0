// The Socket.io side of ShopPushes: a session's audience room and its hosts'
// room, and a seller's own connections.
import { audienceChannel } from '../broadcast/StreamNotifier.ts';
import { sessionChannel, userChannel } from '../multihost/SessionNotifier.ts';
import type {
  FlashSaleView,
  OrderView,
  ProductView,
  ShopAnalytics,
  ShopCard,
  StockPush,
  VoucherView,
} from '../protocol/index.ts';
import type { AppServer } from '../socket/socketData.ts';
import type { ShopPushes } from './ShopPushes.ts';

export class ShopNotifier implements ShopPushes {
  readonly #io: AppServer;

  constructor(io: AppServer) {
    this.#io = io;
  }

  #everyone(sessionId: string) {
    return this.#io.to([audienceChannel(sessionId), sessionChannel(sessionId)]);
  }

  card(sessionId: string, card: ShopCard | null, serverTime: string): void {
    this.#everyone(sessionId).emit('live-shopping:product-pinned', { sessionId, card, serverTime });
  }

  sale(sessionId: string, sale: FlashSaleView, serverTime: string): void {
    this.#everyone(sessionId).emit('live-shopping:flash-sale', { sessionId, sale, serverTime });
  }

  stock(push: StockPush): void {
    this.#everyone(push.sessionId).emit('live-shopping:stock', push);
  }

  soldOut(sessionId: string, productId: string, saleId: string | null): void {
    this.#everyone(sessionId).emit('live-shopping:sold-out', { sessionId, productId, saleId });
  }

  order(sessionId: string, sellerId: string, order: OrderView): void {
    this.#io.to([sessionChannel(sessionId), userChannel(sellerId)]).emit('live-shopping:order', { sessionId, order });
  }

  analytics(sellerId: string, figures: ShopAnalytics): void {
    this.#io.to([sessionChannel(figures.sessionId), userChannel(sellerId)]).emit('live-shopping:analytics', figures);
  }

  sellers(sessionId: string, sellers: string[]): void {
    this.#io.to(sessionChannel(sessionId)).emit('live-shopping:sellers', { sessionId, sellers });
  }

  product(sellerId: string, product: ProductView): void {
    this.#io.to(userChannel(sellerId)).emit('live-shopping:product-added', { product });
  }

  voucher(sellerId: string, voucher: VoucherView): void {
    this.#io.to(userChannel(sellerId)).emit('live-shopping:voucher', { voucher });
  }
}
