// The coin ledger's contract: kinds, entries, requests and receipts.
import { AppError } from '../errors.ts';

/**
 * `order_paid`/`order_received`: a shop order, buyer to seller; `refund_paid`/`order_refunded`: its
 * cancellation, seller to buyer (signaling/shop/).
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
] as const;
export type LedgerKind = (typeof ledgerKinds)[number];

/** The largest amount one entry may move. */
export const MAX_AMOUNT = 1_000_000_000;
/** Balances stay below this, well inside a 32-bit INTEGER column on both databases. */
export const MAX_BALANCE = 2_000_000_000;

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

/** What a ledger write returns; a replay (same idempotency key) returns the first write's receipt. */
export interface LedgerReceipt {
  /** The entry in the caller's (paying or credited) wallet. */
  entry: LedgerEntry;
  /** The balance right after the entry. */
  balance: number;
  /** True when this key was seen before and nothing new was written. */
  replayed: boolean;
}

interface LedgerRequestBase {
  amount: number;
  /** The caller's key for this request, unique per user and kind: [A-Za-z0-9_-], 1–100 characters. */
  idempotencyKey: string;
  /** What the entry is for, e.g. `gift:rose`. */
  reference?: string;
}

export interface CreditRequest extends LedgerRequestBase {
  userId: string;
  kind: 'topup' | 'reward';
}

export interface SpendRequest extends LedgerRequestBase {
  userId: string;
  kind: 'purchase';
}

/** Coins from one user to another: a gift_sent entry and a gift_received entry. */
export interface TransferRequest extends LedgerRequestBase {
  fromUserId: string;
  toUserId: string;
}

export interface WalletSummary {
  balance: number;
  /** Newest first. */
  transactions: LedgerEntry[];
}

export interface GiftTypeView {
  id: string;
  name: string;
  coinValue: number;
  icon: string;
}

export class InsufficientBalanceError extends AppError {
  constructor() {
    super('CONFLICT', 'insufficient balance');
    this.name = 'InsufficientBalanceError';
  }
}
