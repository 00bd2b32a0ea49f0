// Live shopping: a host's products and vouchers, one of them pinned on a live
// session at a time, flash sales with a countdown, orders paid in coins
// through the ledger (one transaction with the stock they reserve, idempotent
// on the buyer's clientOrderId), and what each pin drew.

/** Largest price, stock or discount in coins; well inside the ledger's limits. */
export const SHOP_MAX_COINS = 1_000_000;
export const SHOP_MAX_STOCK = 1_000_000;
/** Units one order may buy. */
export const ORDER_MAX_QUANTITY = 99;
export const PRODUCT_TITLE_MAX = 120;
export const PRODUCT_DESCRIPTION_MAX = 2_000;
/** Product pictures: PNG, JPEG or WebP, at most this many bytes. */
export const PRODUCT_IMAGE_MAX_BYTES = 2 * 1024 * 1024;
/** A flash sale's countdown before its price applies, and how long it runs (TikTok Shop's limits). */
export const FLASH_SALE_COUNTDOWN_S = { min: 10, max: 300 } as const;
export const FLASH_SALE_DURATION_S = { min: 60, max: 20 * 60 } as const;
/** Voucher codes: 3–20 of A-Z 0-9 (stored upper-cased). */
export const VOUCHER_CODE_PATTERN = /^[A-Z0-9]{3,20}$/;
/** clientOrderId: the buyer's key, 1–100 characters of A-Z a-z 0-9 _ - (a UUID works). */
export const CLIENT_ORDER_ID_PATTERN = /^[A-Za-z0-9_-]{1,100}$/;
/** Stock pushes of one session are coalesced to at most one per this long. */
export const SHOP_STOCK_PUSH_MS = 250;

export interface ProductView {
  id: string;
  sellerId: string;
  title: string;
  description: string;
  /** Coins per unit. */
  price: number;
  /** Units left. */
  stock: number;
  active: boolean;
  /** Served by us (`/api/shop/images/…`), or null. */
  imageUrl: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface ProductInput {
  title: string;
  description?: string;
  price: number;
  stock: number;
}

export interface ProductChange {
  title?: string;
  description?: string;
  price?: number;
  stock?: number;
  active?: boolean;
}

export type VoucherKind = 'percent' | 'fixed';

export interface VoucherView {
  id: string;
  sellerId: string;
  code: string;
  kind: VoucherKind;
  /** percent: 1–100; fixed: coins off. */
  amount: number;
  /** The order's value before the discount must reach this. */
  minSpend: number;
  startsAt: string;
  endsAt: string;
  totalUses: number;
  used: number;
  perUserUses: number;
  active: boolean;
}

export interface VoucherInput {
  code: string;
  kind: VoucherKind;
  amount: number;
  minSpend?: number;
  startsAt: string;
  endsAt: string;
  totalUses: number;
  perUserUses?: number;
}

export interface FlashSaleView {
  id: string;
  productId: string;
  sessionId: string;
  dealPrice: number;
  /** The countdown ends and the deal price applies (server time, ISO). */
  startsAt: string;
  endsAt: string;
  /** Units on sale, and sold so far. */
  stock: number;
  sold: number;
  perUserLimit: number;
  /** Set when it ended before endsAt: by the host, sold out, or the session ended. */
  endedAt: string | null;
  endReason: 'host' | 'sold-out' | 'session-ended' | null;
}

export interface FlashSaleRequest {
  sessionId: string;
  productId: string;
  dealPrice: number;
  countdownS: number;
  durationS: number;
  stock: number;
  perUserLimit: number;
}

/** What a session shows above its chat: one product (with its sale, if any) or one voucher. */
export interface ShopCard {
  pinId: string;
  sessionId: string;
  kind: 'product' | 'voucher';
  product: ProductView | null;
  /** The product's flash sale in this session, counting down, running or just ended. */
  sale: FlashSaleView | null;
  voucher: VoucherView | null;
  pinnedAt: string;
}

export interface ShopState {
  sessionId: string;
  card: ShopCard | null;
  /** The session's current flash sale (also when another product is pinned). */
  sale: FlashSaleView | null;
  /** Co-hosts the primary host allowed to pin and run sales. */
  sellers: string[];
  /** The server's clock when this was sent: clients count down from server times. */
  serverTime: string;
}

export interface SellerRequest {
  sessionId: string;
  userId: string;
  allowed: boolean;
}

export interface PinRequest {
  sessionId: string;
  productId?: string;
  voucherId?: string;
}

export type OrderStatus = 'paid' | 'shipped' | 'cancelled';

export interface OrderView {
  id: string;
  clientOrderId: string;
  buyerId: string;
  buyerName: string;
  sellerId: string;
  productId: string;
  productTitle: string;
  sessionId: string | null;
  flashSaleId: string | null;
  voucherId: string | null;
  quantity: number;
  unitPrice: number;
  discount: number;
  total: number;
  status: OrderStatus;
  createdAt: string;
  updatedAt: string;
}

export interface OrderRequest {
  sessionId: string;
  productId: string;
  quantity: number;
  clientOrderId: string;
  /** Set to buy at this sale's price only: refused when the sale is not running. */
  flashSaleId?: string;
  voucherCode?: string;
}

export interface OrderReceipt {
  order: OrderView;
  /** The buyer's balance right after the order (on a replay: right after the first). */
  balance: number;
  /** True when this clientOrderId was used before: nothing moved this time. */
  replayed: boolean;
}

export interface InteractionRequest {
  sessionId: string;
  pinId: string;
  /** impression: the card was on screen; click: the viewer opened it. Each counted once per viewer and pin. */
  kind: 'impression' | 'click';
}

export interface PinAnalytics {
  pinId: string;
  kind: 'product' | 'voucher';
  productId: string | null;
  voucherId: string | null;
  title: string;
  pinnedAt: string;
  unpinnedAt: string | null;
  impressions: number;
  clicks: number;
  orders: number;
  units: number;
  revenue: number;
  /** orders ÷ impressions (0 without impressions). */
  conversion: number;
}

export interface ShopAnalytics {
  sessionId: string;
  pins: PinAnalytics[];
  /** All orders of the session, pinned or not (cancelled ones excluded). */
  totals: { impressions: number; clicks: number; orders: number; units: number; revenue: number; conversion: number };
}

/** A live session with something pinned (`GET /api/live-shopping/active/list`). */
export interface ShoppingSessionView {
  sessionId: string;
  title: string;
  primaryHostId: string;
  primaryHostName: string;
  /** What is pinned: a product's title, or a voucher's code. */
  pinned: string;
  pinnedAt: string;
}

/** A session by what it sold (`GET /api/live-shopping/top/performers`). */
export interface ShopPerformerView {
  sessionId: string;
  title: string;
  primaryHostId: string;
  primaryHostName: string;
  orders: number;
  revenue: number;
}

/** Stock of a session's products after orders, coalesced (SHOP_STOCK_PUSH_MS); the last push holds the final numbers. */
export interface StockPush {
  sessionId: string;
  items: { productId: string; stock: number; saleId: string | null; saleSold: number | null }[];
}
