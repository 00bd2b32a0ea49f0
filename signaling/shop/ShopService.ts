// Live shopping: who may do what, and each live session's shelf — the one
// card pinned above its chat, its flash sale, the stock pushes and the
// figures per pin. Orders are written by OrderWriter (one ledger
// transaction each, batched); the rows outside that path by ShopStore.
//
// A session's shelf lives with the session, on the node that owns it (the
// cluster routes every `live-shopping` request and route there). The
// products belong to the session's primary host: they pin and sell, and so
// does a co-host they allow. Anyone with an account buys, but not from
// themselves.
import type { Logger } from 'pino';
import type { Identity } from '../auth/identityToken.ts';
import { AppError } from '../errors.ts';
import type { Session } from '../multihost/Session.ts';
import type { SessionService } from '../multihost/SessionService.ts';
import {
  isGuestUserId,
  type FlashSaleRequest,
  type InteractionRequest,
  type OrderReceipt,
  type OrderRequest,
  type PinRequest,
  type ProductChange,
  type ProductInput,
  type ProductView,
  type SellerRequest,
  type ShopAnalytics,
  type ShopCard,
  type ShopState,
  type VoucherInput,
  type VoucherView,
} from '../protocol/index.ts';
import type { OrderWriter, WrittenOrder } from './OrderWriter.ts';
import { PinAudience } from './PinAudience.ts';
import type { ShopPushes } from './ShopPushes.ts';
import type { ShopStore } from './ShopStore.ts';
import { flashSaleView, productView, voucherView, type FlashSaleRow } from './shopViews.ts';
import { StockTicker } from './StockTicker.ts';

/** Sessions the lists across sessions name at most. */
const LIST_LIMIT = 50;
/** Pin counts are written and the hosts' figures pushed at most this often while they change. */
const FIGURES_EVERY_MS = 1_000;

/** One live session's shelf. */
interface Shelf {
  sessionId: string;
  /** The session's primary host, whose products it sells. */
  sellerId: string;
  card: ShopCard | null;
  audience: PinAudience | null;
  sale: FlashSaleRow | null;
  saleTimers: NodeJS.Timeout[];
  /** Co-hosts the primary host allowed to pin and run sales. */
  sellers: Set<string>;
  stock: StockTicker;
  figuresDirty: boolean;
  /**
   * The shelf's changes (pins, sales) one at a time: each reads the shelf,
   * then writes rows, then changes it; two at once would both close the same
   * pin and leave one of their own open, or start two sales.
   */
  changes: Promise<unknown>;
}

export interface ShopServiceOptions {
  store: ShopStore;
  writer: OrderWriter;
  sessions: SessionService;
  pushes: ShopPushes;
  /** Flash sales' clocks run this many times faster (tests, bench: SHOP_TIME_SCALE). */
  timeScale?: number;
  logger: Logger;
}

export class ShopService {
  readonly #store: ShopStore;
  readonly #writer: OrderWriter;
  readonly #sessions: SessionService;
  readonly #pushes: ShopPushes;
  readonly #logger: Logger;
  readonly #timeScale: number;
  readonly #shelves = new Map<string, Shelf>();
  /** A product's seller never changes: buying does not read the product twice. */
  readonly #sellerOf = new Map<string, string>();
  readonly #figuresTimer: NodeJS.Timeout;

  constructor(options: ShopServiceOptions) {
    this.#store = options.store;
    this.#writer = options.writer;
    this.#sessions = options.sessions;
    this.#pushes = options.pushes;
    this.#logger = options.logger.child({ component: 'shop' });
    this.#timeScale = options.timeScale ?? 1;
    this.#sessions.on('ended', (session) => void this.#closeShelf(session.id, 'session-ended'));
    this.#sessions.on('movedAway', (session) => void this.#closeShelf(session.id, undefined));
    this.#figuresTimer = setInterval(() => void this.#saveFigures(), FIGURES_EVERY_MS);
    this.#figuresTimer.unref();
  }

  // --- a seller's catalogue ----------------------------------------------------

  async products(caller: Identity): Promise<ProductView[]> {
    return (await this.#store.productsOf(account(caller, 'sell').userId)).map(productView);
  }

  async createProduct(caller: Identity, input: Required<ProductInput>): Promise<ProductView> {
    const seller = account(caller, 'sell');
    const product = productView(await this.#store.createProduct(seller.userId, input));
    this.#pushes.product(seller.userId, product);
    return product;
  }

  async updateProduct(caller: Identity, productId: string, change: ProductChange): Promise<ProductView> {
    const seller = account(caller, 'sell');
    const product = productView(await this.#store.updateProduct(seller.userId, productId, change));
    this.#productChanged(seller.userId, product);
    return product;
  }

  /** After a new picture: answers the file it replaced. */
  async setProductImage(
    caller: Identity,
    productId: string,
    image: string,
  ): Promise<{ product: ProductView; replaced: string | null }> {
    const seller = account(caller, 'sell');
    const { product, replaced } = await this.#store.setImage(seller.userId, productId, image);
    const view = productView(product);
    this.#productChanged(seller.userId, view);
    return { product: view, replaced };
  }

  async vouchers(caller: Identity): Promise<VoucherView[]> {
    return (await this.#store.vouchersOf(account(caller, 'sell').userId)).map(voucherView);
  }

  async createVoucher(caller: Identity, input: Required<VoucherInput>): Promise<VoucherView> {
    const seller = account(caller, 'sell');
    const voucher = voucherView(await this.#store.createVoucher(seller.userId, input));
    this.#pushes.voucher(seller.userId, voucher);
    return voucher;
  }

  async setVoucherActive(caller: Identity, voucherId: string, active: boolean): Promise<VoucherView> {
    const seller = account(caller, 'sell');
    const voucher = voucherView(await this.#store.setVoucherActive(seller.userId, voucherId, active));
    this.#pushes.voucher(seller.userId, voucher);
    for (const shelf of this.#shelves.values()) {
      if (shelf.card?.voucher?.id === voucherId) this.#showCard(shelf, { ...shelf.card, voucher });
    }
    return voucher;
  }

  // --- a live session's shelf ------------------------------------------------

  state(sessionId: string): ShopState {
    const shelf = this.#shelves.get(sessionId);
    return {
      sessionId,
      card: shelf?.card ?? null,
      sale: shelf?.sale ? flashSaleView(shelf.sale) : null,
      sellers: shelf ? [...shelf.sellers] : [],
      serverTime: new Date().toISOString(),
    };
  }

  /** The primary host lets a co-host pin and run sales (or stops them). */
  allowSeller(caller: Identity, request: SellerRequest): ShopState {
    const session = this.#liveSession(request.sessionId);
    session.assertPrimary(caller, 'choose who sells');
    if (session.roleOf(request.userId) !== 'co-host') {
      throw new AppError('NOT_FOUND', 'no such co-host in this session');
    }
    const shelf = this.#shelf(session);
    if (request.allowed) shelf.sellers.add(request.userId);
    else shelf.sellers.delete(request.userId);
    this.#pushes.sellers(session.id, [...shelf.sellers]);
    return this.state(session.id);
  }

  /** The session's shelf: its primary host's products for sale. */
  async sessionProducts(sessionId: string): Promise<ProductView[]> {
    const session = this.#sessions.find(sessionId);
    if (!session) throw new AppError('NOT_FOUND', 'no such live session');
    const products = await this.#store.productsOf(session.primaryHostId);
    return products.filter((product) => product.active).map(productView);
  }

  async pin(caller: Identity, request: PinRequest): Promise<ShopState> {
    const session = this.#liveSession(request.sessionId);
    this.#assertSeller(session, caller);
    const shelf = this.#shelf(session);
    return this.#oneAtATime(shelf, () => this.#pin(shelf, session, caller, request));
  }

  async #pin(shelf: Shelf, session: Session, caller: Identity, request: PinRequest): Promise<ShopState> {
    const pinnedAt = new Date();
    let card: Omit<ShopCard, 'pinId'>;
    if (request.productId !== undefined) {
      const product = await this.#sessionProduct(session, request.productId);
      if (!product.active) throw new AppError('CONFLICT', 'this product is not for sale: make it active first');
      const sale = shelf.sale?.productId === product.id ? flashSaleView(shelf.sale) : null;
      card = { sessionId: session.id, kind: 'product', product, sale, voucher: null, pinnedAt: pinnedAt.toISOString() };
    } else {
      const row = await this.#store.voucher(request.voucherId!);
      if (!row || row.sellerId !== session.primaryHostId) throw new AppError('NOT_FOUND', 'no such voucher');
      if (!row.active) throw new AppError('CONFLICT', 'this voucher is not active');
      card = {
        sessionId: session.id,
        kind: 'voucher',
        product: null,
        sale: null,
        voucher: voucherView(row),
        pinnedAt: pinnedAt.toISOString(),
      };
    }
    await this.#unpinCurrent(shelf, pinnedAt);
    const pinId = await this.#store.openPin({
      sessionId: session.id,
      kind: card.kind,
      productId: card.product?.id ?? null,
      voucherId: card.voucher?.id ?? null,
      pinnedBy: caller.userId,
      pinnedAt,
    });
    shelf.audience = new PinAudience();
    this.#showCard(shelf, { pinId, ...card });
    shelf.figuresDirty = true;
    this.#logger.info({ sessionId: session.id, pinId, kind: card.kind }, 'pinned');
    return this.state(session.id);
  }

  async unpin(caller: Identity, sessionId: string): Promise<ShopState> {
    const session = this.#liveSession(sessionId);
    this.#assertSeller(session, caller);
    const shelf = this.#shelf(session);
    return this.#oneAtATime(shelf, async () => {
      if (!shelf.card) throw new AppError('CONFLICT', 'nothing is pinned');
      await this.#unpinCurrent(shelf, new Date());
      this.#showCard(shelf, null);
      return this.state(sessionId);
    });
  }

  async startFlashSale(caller: Identity, request: FlashSaleRequest): Promise<ShopState> {
    const session = this.#liveSession(request.sessionId);
    this.#assertSeller(session, caller);
    const shelf = this.#shelf(session);
    return this.#oneAtATime(shelf, () => this.#startFlashSale(shelf, session, caller, request));
  }

  async #startFlashSale(
    shelf: Shelf,
    session: Session,
    caller: Identity,
    request: FlashSaleRequest,
  ): Promise<ShopState> {
    const now = new Date();
    if (shelf.sale && saleOpen(shelf.sale, now)) {
      throw new AppError('CONFLICT', 'a flash sale is already on: end it first');
    }
    const product = await this.#sessionProduct(session, request.productId);
    if (!product.active) throw new AppError('CONFLICT', 'this product is not for sale: make it active first');
    if (request.dealPrice >= product.price) {
      throw new AppError('INVALID_INPUT', `dealPrice: must be below the list price (${product.price} coins)`);
    }
    const secondMs = 1000 / this.#timeScale;
    const startsAt = new Date(now.getTime() + request.countdownS * secondMs);
    const sale = await this.#store.createFlashSale({
      productId: product.id,
      sessionId: session.id,
      dealPrice: request.dealPrice,
      startsAt,
      endsAt: new Date(startsAt.getTime() + request.durationS * secondMs),
      stock: request.stock,
      perUserLimit: request.perUserLimit,
    });
    this.#clearSaleTimers(shelf);
    shelf.sale = sale;
    this.#announceSale(shelf);
    // Pushed again as the countdown ends and as the sale ends: clients count down from the times, and
    // a page that missed a push learns the phase anyway.
    for (const at of [sale.startsAt, sale.endsAt]) {
      const timer = setTimeout(() => this.#announceSale(shelf), Math.max(0, at.getTime() - Date.now()));
      timer.unref();
      shelf.saleTimers.push(timer);
    }
    if (shelf.card?.product?.id === product.id) {
      this.#showCard(shelf, { ...shelf.card, sale: flashSaleView(sale) });
    } else {
      await this.#pin(shelf, session, caller, { sessionId: session.id, productId: product.id });
    }
    this.#logger.info({ sessionId: session.id, saleId: sale.id, productId: product.id }, 'flash sale announced');
    return this.state(session.id);
  }

  async endFlashSale(caller: Identity, sessionId: string): Promise<ShopState> {
    const session = this.#liveSession(sessionId);
    this.#assertSeller(session, caller);
    const shelf = this.#shelf(session);
    return this.#oneAtATime(shelf, async () => {
      if (!shelf.sale || !saleOpen(shelf.sale, new Date())) throw new AppError('CONFLICT', 'no flash sale is on');
      await this.#endSale(shelf, 'host');
      return this.state(sessionId);
    });
  }

  // --- buying -----------------------------------------------------------------

  async buy(caller: Identity, request: OrderRequest): Promise<OrderReceipt> {
    const buyer = account(caller, 'buy');
    const session = this.#liveSession(request.sessionId);
    const sellerId = await this.#sellerOfProduct(request.productId);
    if (sellerId !== session.primaryHostId) throw new AppError('NOT_FOUND', "no such product in this session's shop");
    if (sellerId === buyer.userId) throw new AppError('NOT_ALLOWED', 'you cannot buy your own product');
    const shelf = this.#shelves.get(session.id);
    const sale = shelf?.sale?.productId === request.productId ? shelf.sale : undefined;
    if (request.flashSaleId !== undefined && request.flashSaleId !== sale?.id) {
      throw new AppError('CONFLICT', 'the flash sale is over: nothing was bought at its price');
    }
    const written = await this.#writer.write({
      buyerId: buyer.userId,
      buyerName: buyer.displayName,
      clientOrderId: request.clientOrderId,
      sellerId,
      productId: request.productId,
      quantity: request.quantity,
      sessionId: session.id,
      pinId: shelf?.card?.product?.id === request.productId ? shelf.card.pinId : null,
      flashSaleId: sale?.id ?? null,
      insistOnSale: request.flashSaleId !== undefined,
      voucherCode: request.voucherCode ?? null,
    });
    if (!written.replayed && shelf) this.#sold(shelf, written);
    const { order, balance, replayed } = written;
    return { order, balance, replayed };
  }

  /** A viewer's page reports the card on screen, or opened. */
  interaction(viewerKey: string, request: InteractionRequest): void {
    const shelf = this.#shelves.get(request.sessionId);
    if (!shelf?.card || shelf.card.pinId !== request.pinId) {
      throw new AppError('CONFLICT', 'that card is no longer pinned');
    }
    if (shelf.audience?.add(viewerKey, request.kind)) shelf.figuresDirty = true;
  }

  async analytics(caller: Identity, sessionId: string): Promise<ShopAnalytics> {
    const session = this.#sessions.find(sessionId);
    if (session) session.assertHost(caller);
    else await this.#assertPastPrimary(caller, sessionId);
    const shelf = this.#shelves.get(sessionId);
    if (shelf) await this.#savePinCounts(shelf);
    return this.#store.analytics(sessionId);
  }

  // --- across sessions -----------------------------------------------------------

  shoppingSessions() {
    return this.#store.shoppingSessions(LIST_LIMIT);
  }

  topPerformers(days: number) {
    return this.#store.topPerformers(new Date(Date.now() - days * 86_400_000), LIST_LIMIT);
  }

  // --- orders after the stream ---------------------------------------------

  orders(caller: Identity, as: 'buyer' | 'seller') {
    return this.#store.ordersOf(account(caller, 'see orders').userId, as);
  }

  ship(caller: Identity, orderId: string) {
    return this.#store.ship(account(caller, 'sell').userId, orderId);
  }

  async cancel(caller: Identity, orderId: string) {
    const order = await this.#store.cancel(account(caller, 'sell').userId, orderId);
    const product = await this.#store.product(order.productId);
    if (product) this.#productChanged(order.sellerId, productView(product));
    return order;
  }

  close(): void {
    clearInterval(this.#figuresTimer);
    for (const shelf of this.#shelves.values()) {
      this.#clearSaleTimers(shelf);
      shelf.stock.close();
    }
    this.#shelves.clear();
  }

  // --- internals ---------------------------------------------------------------

  #sold(shelf: Shelf, written: WrittenOrder): void {
    const { order } = written;
    shelf.stock.changed({
      productId: order.productId,
      stock: written.productStock,
      saleId: order.flashSaleId,
      saleSold: written.saleSold,
    });
    this.#pushes.order(shelf.sessionId, order.sellerId, order);
    shelf.figuresDirty = true;
    const card = shelf.card;
    if (card?.product?.id === order.productId) {
      card.product = { ...card.product, stock: written.productStock };
      if (card.sale && card.sale.id === order.flashSaleId) card.sale = { ...card.sale, sold: written.saleSold ?? 0 };
    }
    if (shelf.sale && shelf.sale.id === order.flashSaleId && written.saleSold !== null) {
      shelf.sale.sold = written.saleSold;
      if (written.saleSold >= shelf.sale.stock) {
        this.#pushes.soldOut(shelf.sessionId, order.productId, shelf.sale.id);
        void this.#endSale(shelf, 'sold-out').catch((error: unknown) =>
          this.#logger.error({ err: error, sessionId: shelf.sessionId }, 'ending a sold-out flash sale failed'),
        );
      }
    }
    if (written.productStock === 0) this.#pushes.soldOut(shelf.sessionId, order.productId, null);
  }

  async #endSale(shelf: Shelf, reason: 'host' | 'sold-out' | 'session-ended'): Promise<void> {
    const current = shelf.sale;
    if (!current) return;
    this.#clearSaleTimers(shelf);
    const ended = await this.#store.endFlashSale(current.id, new Date(), reason);
    if (shelf.sale?.id !== ended.id) return;
    // The orders' own count may be ahead of the row read here only if an order committed in between: keep the higher.
    shelf.sale = { ...ended, sold: Math.max(ended.sold, current.sold) };
    this.#announceSale(shelf);
    if (shelf.card?.sale?.id === ended.id) this.#showCard(shelf, { ...shelf.card, sale: flashSaleView(shelf.sale) });
  }

  #announceSale(shelf: Shelf): void {
    if (shelf.sale) this.#pushes.sale(shelf.sessionId, flashSaleView(shelf.sale), new Date().toISOString());
  }

  #showCard(shelf: Shelf, card: ShopCard | null): void {
    shelf.card = card;
    this.#pushes.card(shelf.sessionId, card, new Date().toISOString());
  }

  async #unpinCurrent(shelf: Shelf, at: Date): Promise<void> {
    const card = shelf.card;
    if (!card) return;
    await this.#savePinCounts(shelf);
    await this.#store.closePin(card.pinId, at);
    shelf.audience = null;
    shelf.figuresDirty = true;
  }

  async #savePinCounts(shelf: Shelf): Promise<void> {
    if (!shelf.card || !shelf.audience) return;
    const unsaved = shelf.audience.takeUnsaved();
    try {
      await this.#store.addPinCounts(shelf.card.pinId, unsaved.impressions, unsaved.clicks);
    } catch (error) {
      shelf.audience.restore(unsaved);
      throw error;
    }
  }

  /** Every second: pin counts written and the hosts' figures pushed, for shelves that changed. */
  async #saveFigures(): Promise<void> {
    for (const shelf of this.#shelves.values()) {
      if (!shelf.figuresDirty) continue;
      shelf.figuresDirty = false;
      try {
        await this.#savePinCounts(shelf);
        this.#pushes.analytics(shelf.sellerId, await this.#store.analytics(shelf.sessionId));
      } catch (error) {
        shelf.figuresDirty = true;
        this.#logger.warn({ err: error, sessionId: shelf.sessionId }, 'saving shop figures failed: trying again');
      }
    }
  }

  async #closeShelf(sessionId: string, saleReason: 'session-ended' | undefined): Promise<void> {
    const shelf = this.#shelves.get(sessionId);
    if (!shelf) return;
    this.#shelves.delete(sessionId);
    this.#clearSaleTimers(shelf);
    shelf.stock.close();
    // A pin or sale being written finishes first: its rows are closed below with the rest.
    await shelf.changes;
    try {
      if (saleReason && shelf.sale && saleOpen(shelf.sale, new Date())) {
        await this.#store.endFlashSale(shelf.sale.id, new Date(), saleReason);
      }
      await this.#unpinCurrent(shelf, new Date());
      this.#pushes.analytics(shelf.sellerId, await this.#store.analytics(sessionId));
    } catch (error) {
      this.#logger.error({ err: error, sessionId }, "closing a session's shop failed");
    }
  }

  #productChanged(sellerId: string, product: ProductView): void {
    this.#pushes.product(sellerId, product);
    for (const shelf of this.#shelves.values()) {
      if (shelf.card?.product?.id === product.id) this.#showCard(shelf, { ...shelf.card, product });
    }
  }

  /** Runs a change of the shelf after the ones before it (whatever became of them). */
  #oneAtATime<T>(shelf: Shelf, change: () => Promise<T>): Promise<T> {
    const result = shelf.changes.then(change, change);
    shelf.changes = result.catch(() => undefined);
    return result;
  }

  #clearSaleTimers(shelf: Shelf): void {
    for (const timer of shelf.saleTimers) clearTimeout(timer);
    shelf.saleTimers = [];
  }

  #shelf(session: Session): Shelf {
    let shelf = this.#shelves.get(session.id);
    if (!shelf) {
      const sessionId = session.id;
      shelf = {
        sessionId,
        sellerId: session.primaryHostId,
        card: null,
        audience: null,
        sale: null,
        saleTimers: [],
        sellers: new Set(),
        stock: new StockTicker(sessionId, (push) => this.#pushes.stock(push)),
        figuresDirty: false,
        changes: Promise.resolve(),
      };
      this.#shelves.set(sessionId, shelf);
    }
    return shelf;
  }

  #liveSession(sessionId: string): Session {
    const session = this.#sessions.find(sessionId);
    if (!session || session.status !== 'live') throw new AppError('CONFLICT', 'the session is not live');
    return session;
  }

  #assertSeller(session: Session, caller: Identity): void {
    if (caller.userId === session.primaryHostId) return;
    if (this.#shelves.get(session.id)?.sellers.has(caller.userId) && session.roleOf(caller.userId) === 'co-host') {
      return;
    }
    throw new AppError('NOT_ALLOWED', 'only the primary host (or a co-host they allow) can sell in this session');
  }

  async #assertPastPrimary(caller: Identity, sessionId: string): Promise<void> {
    const figures = await this.#store.sessionSeller(sessionId);
    if (figures !== caller.userId)
      throw new AppError('NOT_ALLOWED', "only the session's primary host sees its figures");
  }

  /** A product of the session's primary host, as pinned or sold there. */
  async #sessionProduct(session: Session, productId: string): Promise<ProductView> {
    const row = await this.#store.product(productId);
    if (!row || row.sellerId !== session.primaryHostId) {
      throw new AppError('NOT_FOUND', "no such product in the primary host's catalogue");
    }
    this.#sellerOf.set(row.id, row.sellerId);
    return productView(row);
  }

  async #sellerOfProduct(productId: string): Promise<string> {
    const known = this.#sellerOf.get(productId);
    if (known) return known;
    const row = await this.#store.product(productId);
    if (!row) throw new AppError('NOT_FOUND', 'no such product');
    this.#sellerOf.set(productId, row.sellerId);
    return row.sellerId;
  }
}

function account(caller: Identity, action: string): Identity {
  if (caller.role === undefined || isGuestUserId(caller.userId)) {
    throw new AppError('UNAUTHENTICATED', `sign in with an account to ${action}`);
  }
  return caller;
}

/** Counting down or running. */
function saleOpen(sale: FlashSaleRow, now: Date): boolean {
  return sale.endedAt === null && now < sale.endsAt;
}
