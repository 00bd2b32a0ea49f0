// Database rows of the shop as the protocol shows them.
import type { FlashSaleView, OrderStatus, OrderView, ProductView, VoucherView } from '../protocol/index.ts';

export interface ProductRow {
  id: string;
  sellerId: string;
  title: string;
  description: string;
  price: number;
  stock: number;
  active: boolean;
  image: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface FlashSaleRow {
  id: string;
  productId: string;
  sessionId: string;
  dealPrice: number;
  startsAt: Date;
  endsAt: Date;
  stock: number;
  sold: number;
  perUserLimit: number;
  endedAt: Date | null;
  endReason: string | null;
}

export interface VoucherRow {
  id: string;
  sellerId: string;
  code: string;
  kind: string;
  amount: number;
  minSpend: number;
  startsAt: Date;
  endsAt: Date;
  totalUses: number;
  used: number;
  perUserUses: number;
  active: boolean;
}

export interface OrderRow {
  id: string;
  buyerId: string;
  buyerName: string;
  sellerId: string;
  productId: string;
  clientOrderId: string;
  sessionId: string | null;
  pinId: string | null;
  flashSaleId: string | null;
  voucherId: string | null;
  quantity: number;
  unitPrice: number;
  discount: number;
  total: number;
  status: string;
  createdAt: Date;
  updatedAt: Date;
}

/** Where uploaded product pictures are served. */
export const PRODUCT_IMAGE_PATH = '/api/shop/images/';

export function productView(row: ProductRow): ProductView {
  return {
    id: row.id,
    sellerId: row.sellerId,
    title: row.title,
    description: row.description,
    price: row.price,
    stock: row.stock,
    active: row.active,
    imageUrl: row.image === null ? null : `${PRODUCT_IMAGE_PATH}${row.image}`,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export function flashSaleView(row: FlashSaleRow): FlashSaleView {
  return {
    id: row.id,
    productId: row.productId,
    sessionId: row.sessionId,
    dealPrice: row.dealPrice,
    startsAt: row.startsAt.toISOString(),
    endsAt: row.endsAt.toISOString(),
    stock: row.stock,
    sold: row.sold,
    perUserLimit: row.perUserLimit,
    endedAt: row.endedAt?.toISOString() ?? null,
    endReason: endReasonOf(row.endReason),
  };
}

export function voucherView(row: VoucherRow): VoucherView {
  return {
    id: row.id,
    sellerId: row.sellerId,
    code: row.code,
    kind: row.kind === 'percent' ? 'percent' : 'fixed',
    amount: row.amount,
    minSpend: row.minSpend,
    startsAt: row.startsAt.toISOString(),
    endsAt: row.endsAt.toISOString(),
    totalUses: row.totalUses,
    used: row.used,
    perUserUses: row.perUserUses,
    active: row.active,
  };
}

export function orderView(row: OrderRow, productTitle: string): OrderView {
  return {
    id: row.id,
    clientOrderId: row.clientOrderId,
    buyerId: row.buyerId,
    buyerName: row.buyerName,
    sellerId: row.sellerId,
    productId: row.productId,
    productTitle,
    sessionId: row.sessionId,
    flashSaleId: row.flashSaleId,
    voucherId: row.voucherId,
    quantity: row.quantity,
    unitPrice: row.unitPrice,
    discount: row.discount,
    total: row.total,
    status: statusOf(row.status),
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

function statusOf(status: string): OrderStatus {
  return status === 'shipped' || status === 'cancelled' ? status : 'paid';
}

function endReasonOf(reason: string | null): FlashSaleView['endReason'] {
  return reason === 'host' || reason === 'sold-out' || reason === 'session-ended' ? reason : null;
}

/** Coins a voucher takes off an order worth `subtotal` (never more than the order). */
export function voucherDiscount(voucher: Pick<VoucherRow, 'kind' | 'amount'>, subtotal: number): number {
  const off = voucher.kind === 'percent' ? Math.floor((subtotal * voucher.amount) / 100) : voucher.amount;
  return Math.min(off, subtotal);
}
