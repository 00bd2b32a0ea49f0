// Coins as the API shows them: what a ledger entry is, a wallet with its
// latest entries, a page of its history (the gift catalogue is in gifts.ts). How coins move
// is the ledger's (signaling/wallet/).

/**
 * `order_paid`/`order_received`: a shop order, buyer to seller; `refund_paid`/`order_refunded`: its
 * cancellation, seller to buyer (signaling/shop/); `effect_unlocked`: a premium camera or voice effect
 * (signaling/effects/).
 */
export const ledgerKinds = [
  'topup',
  'gift_sent',
  'gift_received',
  'reward',
  'purchase',
  'order_paid',
  'order_received',
  'refund_paid',
  'order_refunded',
  'effect_unlocked',
] as const;
export type LedgerKind = (typeof ledgerKinds)[number];

/** One ledger row as the API shows it. */
export interface LedgerEntry {
  id: string;
  /** Signed: credits positive, debits negative. */
  amount: number;
  kind: LedgerKind;
  /** The wallet's balance right after this entry. */
  balanceAfter: number;
  reference: string | null;
  createdAt: string;
}

export interface WalletSummary {
  balance: number;
  /** Newest first. */
  transactions: LedgerEntry[];
}

/** A page of a wallet's history (GET /api/wallet/history), newest first. */
export interface WalletHistoryPage {
  entries: LedgerEntry[];
  /** Pass as `before` for the next (older) page; null: nothing older. */
  next: string | null;
}

/** The most entries one history page holds. */
export const WALLET_HISTORY_MAX_PAGE = 100;
