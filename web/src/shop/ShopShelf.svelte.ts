// One page's view of a live session's shop (studio or watch page): the
// pinned card, the flash sale, stock as it sells, on the server's clock
// (offset from each push's serverTime). On the watch page a card change is
// held back by the viewer's distance behind the live edge, so the card
// appears when the picture shows the host presenting it (shopLogic.ts
// cardDelayMs); stock and sales are not held back: they are about what can
// be bought now. Asks `live-shopping:state` on every (re)connect: pushes
// missed while away are not replayed.
import type {
  FlashSaleRequest,
  FlashSaleView,
  OrderView,
  ProductView,
  ShopAnalytics,
  ShopCard,
  ShopState,
} from '../../../signaling/protocol/index.ts';
import { clockOffsetMs, serverNowMs } from '../battle/battleLogic.ts';
import { request, RequestFailed, type SignalingSocket } from '../lib/signaling.ts';
import { SocketListeners } from '../lib/SocketListeners.ts';
import { warn } from '../lib/warn.ts';
import { cardDelayMs, sellerErrorWords } from './shopLogic.ts';

/** The clock ticks this often while a card or a sale shows (countdowns round to seconds); not otherwise. */
const TICK_MS = 250;
/** Orders the studio lists as they come in. */
const RECENT_ORDERS = 20;

export class ShopShelf {
  readonly sessionId: string;
  /** The card as this page shows it now (null: nothing pinned). */
  card = $state<ShopCard | null>(null);
  /** The session's current flash sale (also when another product is pinned). */
  sale = $state<FlashSaleView | null>(null);
  offsetMs = $state(0);
  nowMs = $state(Date.now());
  /** Products sold out since this page opened (by id; `sale:<id>` for a sale's units). */
  soldOut = $state<string[]>([]);
  /** Co-hosts the primary host allowed to sell. */
  sellers = $state<string[]>([]);
  /** The session's products for sale (loadProducts; the shopping bag, a co-host's selling). */
  products = $state.raw<ProductView[]>([]);
  /** Hosts only: the session's figures per pin, pushed while they change. */
  figures = $state.raw<ShopAnalytics | undefined>();
  /** Hosts only: the newest orders of this session, newest first. */
  recentOrders = $state.raw<OrderView[]>([]);
  /** A seller's request in flight, and how the last one failed, in words. */
  busy = $state(false);
  problem = $state<string | undefined>();

  readonly #socket: SignalingSocket;
  readonly #listeners: SocketListeners;
  #ticker: ReturnType<typeof setInterval> | undefined;
  readonly #latencyMs: () => number | undefined;
  /** Card changes waiting for the viewer's picture to catch up. */
  readonly #heldBack = new Set<ReturnType<typeof setTimeout>>(); // eslint-disable-line svelte/prefer-svelte-reactivity
  /** Orders the changes by their server time, whatever the delays did to their order. */
  #shownAt = 0;

  /** `latencyMs`: how far the viewer's picture is behind the server (watch page); none in the studio. */
  constructor(socket: SignalingSocket, sessionId: string, latencyMs: () => number | undefined = () => undefined) {
    this.#socket = socket;
    this.sessionId = sessionId;
    this.#latencyMs = latencyMs;
    this.#listeners = new SocketListeners(socket);
    this.#listen();
    if (socket.connected) void this.refresh();
  }

  get serverNow(): number {
    return serverNowMs(this.offsetMs, this.nowMs);
  }

  /** The server's time at this instant (not reactive: for measures, e.g. the viewer's latency). */
  serverTimeNow(): number {
    return serverNowMs(this.offsetMs, Date.now());
  }

  async refresh(): Promise<void> {
    try {
      this.#applyState(await request(this.#socket, 'live-shopping:state', { sessionId: this.sessionId }));
    } catch (error) {
      warn('reading the shop failed (pushes still arrive)', error);
    }
  }

  // --- the sellers' requests (the server checks who may) ---------------------

  pin(target: { productId: string } | { voucherId: string }): Promise<void> {
    return this.#sell(() => request(this.#socket, 'live-shopping:pin', { sessionId: this.sessionId, ...target }));
  }

  unpin(): Promise<void> {
    return this.#sell(() => request(this.#socket, 'live-shopping:unpin', { sessionId: this.sessionId }));
  }

  startSale(sale: Omit<FlashSaleRequest, 'sessionId'>): Promise<void> {
    return this.#sell(() => request(this.#socket, 'live-shopping:flash-sale', { sessionId: this.sessionId, ...sale }));
  }

  endSale(): Promise<void> {
    return this.#sell(() => request(this.#socket, 'live-shopping:end-flash-sale', { sessionId: this.sessionId }));
  }

  allowSeller(userId: string, allowed: boolean): Promise<void> {
    return this.#sell(() =>
      request(this.#socket, 'live-shopping:allow-seller', { sessionId: this.sessionId, userId, allowed }),
    );
  }

  async loadProducts(): Promise<void> {
    try {
      this.products = await request(this.#socket, 'live-shopping:products', { sessionId: this.sessionId });
    } catch (error) {
      warn("reading the session's products failed", error);
    }
  }

  async loadFigures(): Promise<void> {
    try {
      this.figures = await request(this.#socket, 'live-shopping:analytics', { sessionId: this.sessionId });
    } catch (error) {
      warn('reading the shop figures failed', error);
    }
  }

  async #sell(action: () => Promise<ShopState>): Promise<void> {
    this.busy = true;
    try {
      this.#applyState(await action());
      this.problem = undefined;
    } catch (error) {
      this.problem =
        error instanceof RequestFailed ? sellerErrorWords(error.code, error.reason) : (error as Error).message;
    } finally {
      this.busy = false;
    }
  }

  destroy(): void {
    clearInterval(this.#ticker);
    this.#ticker = undefined;
    for (const timer of this.#heldBack) clearTimeout(timer);
    this.#listeners.removeAll();
  }

  #applyState(state: ShopState): void {
    if (state.sessionId !== this.sessionId) return;
    this.offsetMs = clockOffsetMs(state.serverTime, Date.now());
    this.#shownAt = Date.parse(state.serverTime);
    this.card = state.card;
    this.sale = state.sale;
    this.sellers = state.sellers;
    this.#tick();
  }

  /** The clock runs while a card or a sale shows, and stops with them. */
  #tick(): void {
    const showing = this.card !== null || this.sale !== null;
    if (showing && !this.#ticker) {
      this.nowMs = Date.now();
      this.#ticker = setInterval(() => (this.nowMs = Date.now()), TICK_MS);
    }
    if (!showing && this.#ticker) {
      clearInterval(this.#ticker);
      this.#ticker = undefined;
    }
  }

  /** A product of the shelf changed (the seller's own pushes): kept if still for sale. */
  #keepProduct(product: ProductView): void {
    if (this.products.length === 0) return;
    if (!product.active) this.products = this.products.filter((item) => item.id !== product.id);
    else if (this.products.some((item) => item.id === product.id)) {
      this.products = this.products.map((item) => (item.id === product.id ? product : item));
    } else this.products = [product, ...this.products];
  }

  #showCard(card: ShopCard | null, serverTime: string): void {
    const at = Date.parse(serverTime);
    const show = () => {
      if (at < this.#shownAt) return;
      this.#shownAt = at;
      this.card = card && this.sale && card.product?.id === this.sale.productId ? { ...card, sale: this.sale } : card;
      this.#tick();
    };
    const delay = cardDelayMs(this.#latencyMs());
    if (delay === 0) return show();
    const timer = setTimeout(() => {
      this.#heldBack.delete(timer);
      show();
    }, delay);
    this.#heldBack.add(timer);
  }

  #listen(): void {
    const on = this.#listeners.on.bind(this.#listeners);
    this.#listeners.onConnect(() => void this.refresh());
    on('live-shopping:product-pinned', ({ sessionId, card, serverTime }) => {
      if (sessionId !== this.sessionId) return;
      this.offsetMs = clockOffsetMs(serverTime, Date.now());
      this.#showCard(card, serverTime);
    });
    on('live-shopping:flash-sale', ({ sessionId, sale, serverTime }) => {
      if (sessionId !== this.sessionId) return;
      this.offsetMs = clockOffsetMs(serverTime, Date.now());
      this.sale = sale;
      if (this.card?.product?.id === sale.productId) this.card = { ...this.card, sale };
      this.#tick();
    });
    on('live-shopping:stock', ({ sessionId, items }) => {
      if (sessionId !== this.sessionId) return;
      for (const item of items) {
        const card = this.card;
        if (card?.product?.id === item.productId) {
          this.card = {
            ...card,
            product: { ...card.product, stock: item.stock },
            sale:
              card.sale && card.sale.id === item.saleId
                ? { ...card.sale, sold: item.saleSold ?? card.sale.sold }
                : card.sale,
          };
        }
        this.products = this.products.map((product) =>
          product.id === item.productId ? { ...product, stock: item.stock } : product,
        );
        if (this.sale && this.sale.id === item.saleId && item.saleSold !== null) {
          this.sale = { ...this.sale, sold: item.saleSold };
        }
      }
    });
    on('live-shopping:sellers', ({ sessionId, sellers }) => {
      if (sessionId === this.sessionId) this.sellers = sellers;
    });
    on('live-shopping:product-added', ({ product }) => this.#keepProduct(product));
    on('live-shopping:analytics', (figures) => {
      if (figures.sessionId === this.sessionId) this.figures = figures;
    });
    on('live-shopping:order', ({ sessionId, order }) => {
      if (sessionId === this.sessionId) this.recentOrders = [order, ...this.recentOrders].slice(0, RECENT_ORDERS);
    });
    on('live-shopping:sold-out', ({ sessionId, productId, saleId }) => {
      if (sessionId !== this.sessionId) return;
      this.soldOut = [...this.soldOut, saleId ? `sale:${saleId}` : productId];
    });
  }
}
