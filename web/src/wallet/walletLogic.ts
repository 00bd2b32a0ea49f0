// A wallet's history in words: what each ledger entry was (a gift of which
// kind, an order, a reward) and its amount signed. Pure.
import type { GiftTypeView, LedgerEntry, LedgerKind } from '../../../signaling/protocol/index.ts';
import { effectDefinition } from '../../../signaling/protocol/index.ts';

const KIND_WORDS: Record<LedgerKind, string> = {
  topup: 'Coins added',
  gift_sent: 'Gift sent',
  gift_received: 'Gift received',
  reward: 'Battle reward',
  purchase: 'Purchase',
  order_paid: 'Order paid',
  order_received: 'Sale',
  refund_paid: 'Refund given',
  order_refunded: 'Refund received',
  effect_unlocked: 'Effect unlocked',
};

/** What an entry was, e.g. "Gift sent: Rose" (the reference says which gift). */
export function entryWords(entry: LedgerEntry, gifts: readonly GiftTypeView[]): string {
  const words = KIND_WORDS[entry.kind];
  const [what, id] = (entry.reference ?? '').split(':', 2);
  if (what === 'gift' && id) return `${words}: ${gifts.find((gift) => gift.id === id)?.name ?? id}`;
  if (what === 'effect' && id) return `${words}: ${effectDefinition(id)?.name ?? id}`;
  return words;
}

/** "+250" or "−40" (a real minus sign). */
export function signedAmount(amount: number): string {
  return amount > 0 ? `+${amount}` : amount < 0 ? `\u2212${-amount}` : '0';
}

/** Whether the entry belongs to a shop order (the orders page has it). */
export function isOrderEntry(entry: LedgerEntry): boolean {
  return entry.reference?.startsWith('order:') ?? false;
}
