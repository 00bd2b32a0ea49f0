// What the shop pushes, as plain calls: it holds no sockets. ShopNotifier is
// the Socket.io implementation.
import type {
  FlashSaleView,
  OrderView,
  ProductView,
  ShopAnalytics,
  ShopCard,
  StockPush,
  VoucherView,
} from '../protocol/index.ts';

export interface ShopPushes {
  /** To the session's audience and hosts. */
  card(sessionId: string, card: ShopCard | null, serverTime: string): void;
  sale(sessionId: string, sale: FlashSaleView, serverTime: string): void;
  stock(push: StockPush): void;
  soldOut(sessionId: string, productId: string, saleId: string | null): void;
  /** To the session's hosts and the seller's every connection. */
  order(sessionId: string, sellerId: string, order: OrderView): void;
  analytics(sellerId: string, figures: ShopAnalytics): void;
  /** To the session's hosts. */
  sellers(sessionId: string, sellers: string[]): void;
  /** To the seller's own connections. */
  product(sellerId: string, product: ProductView): void;
  voucher(sellerId: string, voucher: VoucherView): void;
}
