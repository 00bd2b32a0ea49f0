// The coin ledger's contract: requests and receipts; kinds and entries as
// the API shows them are the protocol's (signaling/protocol/wallet.ts).
import { AppError } from '../errors.ts';
import type { LedgerEntry } from '../protocol/wallet.ts';

export { ledgerKinds } from '../protocol/wallet.ts';
export type { GiftTypeView } from '../protocol/gifts.ts';
export type { LedgerEntry, LedgerKind, WalletSummary } from '../protocol/wallet.ts';

/** The largest amount one entry may move. */
export const MAX_AMOUNT = 1_000_000_000;
/** Balances stay below this, well inside a 32-bit INTEGER column on both databases. */
export const MAX_BALANCE = 2_000_000_000;

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
  kind: 'purchase' | 'effect_unlocked';
}

/** Coins from one user to another: a gift_sent entry and a gift_received entry. */
export interface TransferRequest extends LedgerRequestBase {
  fromUserId: string;
  toUserId: string;
}

export class InsufficientBalanceError extends AppError {
  constructor() {
    super('CONFLICT', 'insufficient balance');
    this.name = 'InsufficientBalanceError';
  }
}
