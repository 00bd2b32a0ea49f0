// Coalesces a session's stock changes into at most one push per
// SHOP_STOCK_PUSH_MS: during a flash sale hundreds of orders a second would
// otherwise be hundreds of pushes to every viewer. Each product keeps only
// its latest numbers, taken from the order batch that committed last, so
// the push after the last order carries the final, exact stock.
import { SHOP_STOCK_PUSH_MS, type StockPush } from '../protocol/index.ts';

type StockItem = StockPush['items'][number];

export class StockTicker {
  readonly #sessionId: string;
  readonly #push: (push: StockPush) => void;
  readonly #pending = new Map<string, StockItem>();
  #timer: NodeJS.Timeout | undefined;
  #lastPushAt = 0;

  constructor(sessionId: string, push: (push: StockPush) => void) {
    this.#sessionId = sessionId;
    this.#push = push;
  }

  changed(item: StockItem): void {
    this.#pending.set(item.productId, item);
    if (this.#timer) return;
    const wait = Math.max(0, this.#lastPushAt + SHOP_STOCK_PUSH_MS - Date.now());
    this.#timer = setTimeout(() => this.#flush(), wait);
  }

  #flush(): void {
    this.#timer = undefined;
    if (this.#pending.size === 0) return;
    this.#lastPushAt = Date.now();
    const items = [...this.#pending.values()];
    this.#pending.clear();
    this.#push({ sessionId: this.#sessionId, items });
  }

  /** Sends what is pending now (the session is ending). */
  close(): void {
    clearTimeout(this.#timer);
    this.#flush();
  }
}
