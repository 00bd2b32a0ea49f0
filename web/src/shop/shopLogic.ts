// The shop's rules as the pages show them: pure, so unit tests can call them.
import type { ErrorCode, FlashSaleView, ProductView, ShopCard } from '../../../signaling/protocol/index.ts';

export const SIGN_IN_TO_BUY = 'Sign in with an account to buy.';

/** Where a flash sale is, on the server's clock. */
export type SalePhase = 'countdown' | 'on' | 'over';

export function salePhase(sale: FlashSaleView, serverNowMs: number): SalePhase {
  if (sale.endedAt !== null || serverNowMs >= Date.parse(sale.endsAt)) return 'over';
  return serverNowMs < Date.parse(sale.startsAt) ? 'countdown' : 'on';
}

/** What one unit costs now, and the list price when a running sale beats it. */
export function priceNow(card: ShopCard, serverNowMs: number): { price: number; listPrice: number | null } {
  const product = card.product;
  if (!product) return { price: 0, listPrice: null };
  if (card.sale && salePhase(card.sale, serverNowMs) === 'on') {
    return { price: card.sale.dealPrice, listPrice: product.price };
  }
  return { price: product.price, listPrice: null };
}

/** Units a buyer can still get: the product's stock, and during the sale what the sale has left. */
export function unitsLeft(card: ShopCard, serverNowMs: number): number {
  return card.product ? productUnitsLeft(card.product, card.sale, serverNowMs) : 0;
}

/** The same for any product of the shelf, given the session's sale. */
export function productUnitsLeft(
  product: Pick<ProductView, 'id' | 'stock'>,
  sale: FlashSaleView | null,
  serverNowMs: number,
): number {
  if (sale && sale.productId === product.id && salePhase(sale, serverNowMs) === 'on') {
    return Math.min(product.stock, sale.stock - sale.sold);
  }
  return product.stock;
}

/** A refused order, in words a buyer understands. */
export function orderErrorWords(code: ErrorCode | 'TIMEOUT', reason: string): string {
  switch (code) {
    case 'SOLD_OUT':
      return reason === 'sold out'
        ? 'Sold out — nothing was charged.'
        : `Not enough left: ${reason}. Nothing was charged.`;
    case 'LIMIT_REACHED':
      return `${capitalized(reason)}. Nothing was charged.`;
    case 'INSUFFICIENT_COINS':
      return `Not enough coins: ${reason.replace(/^not enough coins: /, '')}.`;
    case 'UNAUTHENTICATED':
      return SIGN_IN_TO_BUY;
    case 'NOT_ALLOWED':
      return `${capitalized(reason)}.`;
    case 'CONFLICT':
      return `${capitalized(reason)}.`;
    case 'TIMEOUT':
    case 'UNAVAILABLE':
      return 'The shop did not answer. Try again: you will not be charged twice.';
    default:
      return `The order failed: ${reason}`;
  }
}

/** A seller's refused request (a pin, a sale, a product), in words. */
export function sellerErrorWords(code: ErrorCode | 'TIMEOUT', reason: string): string {
  if (code === 'TIMEOUT' || code === 'UNAVAILABLE') return 'The shop did not answer: try again.';
  if (code === 'INTERNAL') return 'Something went wrong on our side: try again.';
  return `${capitalized(reason)}.`;
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * How long to hold back a card change so that an HLS viewer sees it when
 * the picture shows the host presenting it: the viewer's distance behind
 * the server (its picture's PROGRAM-DATE-TIME against the server's clock),
 * bounded, and none for viewers without a measure.
 */
export function cardDelayMs(streamLatencyMs: number | undefined): number {
  if (streamLatencyMs === undefined || !Number.isFinite(streamLatencyMs) || streamLatencyMs <= 0) return 0;
  return Math.min(streamLatencyMs, MAX_CARD_DELAY_MS);
}

/** A viewer further behind than this sees the card early rather than never. */
export const MAX_CARD_DELAY_MS = 30_000;
