// The shop's rows outside the order hot path (OrderWriter): sellers'
// products and vouchers, pins, flash sales, order history, shipping and
// cancelling (a refund through the ledger, with the stock put back, in one
// transaction), and the figures per pin.
import crypto from 'node:crypto';
import type { Logger } from 'pino';
import type { Database, DatabaseProvider } from '../../prisma/database.ts';
import { hotStatements } from '../../prisma/hotStatements.ts';
import { prismaErrorCode, prismaErrorCodes } from '../../prisma/prismaErrors.ts';
import { AppError } from '../errors.ts';
import type {
  OrderView,
  PinAnalytics,
  ShopPerformerView,
  ShoppingSessionView,
  ProductChange,
  ProductInput,
  ShopAnalytics,
  VoucherInput,
} from '../protocol/index.ts';
import { ensureWallets, lockWallets, TransferPlan } from '../wallet/transferBatch.ts';
import { orderView, type FlashSaleRow, type ProductRow, type VoucherRow } from './shopViews.ts';

/** Orders a history page lists. */
const ORDERS_PAGE = 100;

export interface NewPin {
  sessionId: string;
  kind: 'product' | 'voucher';
  productId: string | null;
  voucherId: string | null;
  pinnedBy: string;
  pinnedAt: Date;
}

export interface NewFlashSale {
  productId: string;
  sessionId: string;
  dealPrice: number;
  startsAt: Date;
  endsAt: Date;
  stock: number;
  perUserLimit: number;
}

export class ShopStore {
  readonly #database: Database;
  readonly #provider: DatabaseProvider;
  readonly #logger: Logger;

  constructor(database: Database, provider: DatabaseProvider, logger: Logger) {
    this.#database = database;
    this.#provider = provider;
    this.#logger = logger.child({ component: 'shop-store' });
  }

  // --- products ------------------------------------------------------------

  async createProduct(sellerId: string, input: Required<ProductInput>): Promise<ProductRow> {
    const now = new Date();
    return this.#database.product.create({
      data: { id: crypto.randomUUID(), sellerId, ...input, createdAt: now, updatedAt: now },
    });
  }

  async updateProduct(sellerId: string, productId: string, change: ProductChange): Promise<ProductRow> {
    await this.#ownProduct(sellerId, productId);
    return this.#database.product.update({ where: { id: productId }, data: { ...change, updatedAt: new Date() } });
  }

  /** Sets the product's picture; answers the file it replaced (for the caller to delete), or null. */
  async setImage(
    sellerId: string,
    productId: string,
    image: string,
  ): Promise<{ product: ProductRow; replaced: string | null }> {
    const before = await this.#ownProduct(sellerId, productId);
    const product = await this.#database.product.update({
      where: { id: productId },
      data: { image, updatedAt: new Date() },
    });
    return { product, replaced: before.image };
  }

  product(productId: string): Promise<ProductRow | null> {
    return this.#database.product.findUnique({ where: { id: productId } });
  }

  productsOf(sellerId: string): Promise<ProductRow[]> {
    return this.#database.product.findMany({ where: { sellerId }, orderBy: [{ createdAt: 'desc' }, { id: 'asc' }] });
  }

  async #ownProduct(sellerId: string, productId: string): Promise<ProductRow> {
    const product = await this.product(productId);
    // Another seller's product is as good as none: its id says nothing to the caller.
    if (!product || product.sellerId !== sellerId) throw new AppError('NOT_FOUND', 'no such product');
    return product;
  }

  // --- vouchers ------------------------------------------------------------

  async createVoucher(sellerId: string, input: Required<VoucherInput>): Promise<VoucherRow> {
    try {
      return await this.#database.voucher.create({
        data: {
          id: crypto.randomUUID(),
          sellerId,
          ...input,
          startsAt: new Date(input.startsAt),
          endsAt: new Date(input.endsAt),
          createdAt: new Date(),
        },
      });
    } catch (error) {
      if (prismaErrorCode(error) === prismaErrorCodes.uniqueViolation) {
        throw new AppError('CONFLICT', `you already have a voucher ${input.code}`);
      }
      throw error;
    }
  }

  async setVoucherActive(sellerId: string, voucherId: string, active: boolean): Promise<VoucherRow> {
    const voucher = await this.voucher(voucherId);
    if (!voucher || voucher.sellerId !== sellerId) throw new AppError('NOT_FOUND', 'no such voucher');
    return this.#database.voucher.update({ where: { id: voucherId }, data: { active } });
  }

  voucher(voucherId: string): Promise<VoucherRow | null> {
    return this.#database.voucher.findUnique({ where: { id: voucherId } });
  }

  vouchersOf(sellerId: string): Promise<VoucherRow[]> {
    return this.#database.voucher.findMany({ where: { sellerId }, orderBy: [{ createdAt: 'desc' }, { id: 'asc' }] });
  }

  // --- pins and flash sales --------------------------------------------------

  async openPin(pin: NewPin): Promise<string> {
    const id = crypto.randomUUID();
    await this.#database.shopPin.create({ data: { id, ...pin } });
    return id;
  }

  async closePin(pinId: string, at: Date): Promise<void> {
    await this.#database.shopPin.update({ where: { id: pinId }, data: { unpinnedAt: at } });
  }

  /** Adds viewers' impressions and clicks counted since the last call. */
  async addPinCounts(pinId: string, impressions: number, clicks: number): Promise<void> {
    if (impressions === 0 && clicks === 0) return;
    await this.#database.shopPin.update({
      where: { id: pinId },
      data: { impressions: { increment: impressions }, clicks: { increment: clicks } },
    });
  }

  /** A flash sale; its units must be in stock now (the orders reserve them as they sell). */
  async createFlashSale(sale: NewFlashSale): Promise<FlashSaleRow> {
    return this.#database.$transaction(async (tx) => {
      // Write first: the product's lock (PostgreSQL) or the writer lock (SQLite) until this commits.
      const product = await tx.product.update({ where: { id: sale.productId }, data: { stock: { increment: 0 } } });
      if (product.stock < sale.stock) {
        throw new AppError('INVALID_INPUT', `stock: only ${product.stock} in stock for the sale`);
      }
      return tx.flashSale.create({ data: { id: crypto.randomUUID(), ...sale, createdAt: new Date() } });
    });
  }

  /** Ends a sale early; a sale already over stays as it ended. */
  async endFlashSale(saleId: string, at: Date, reason: 'host' | 'sold-out' | 'session-ended'): Promise<FlashSaleRow> {
    await this.#database.flashSale.updateMany({
      where: { id: saleId, endedAt: null, endsAt: { gt: at } },
      data: { endedAt: at, endReason: reason },
    });
    return this.#database.flashSale.findUniqueOrThrow({ where: { id: saleId } });
  }

  flashSale(saleId: string): Promise<FlashSaleRow | null> {
    return this.#database.flashSale.findUnique({ where: { id: saleId } });
  }

  // --- orders ----------------------------------------------------------------

  async ordersOf(userId: string, as: 'buyer' | 'seller'): Promise<OrderView[]> {
    const rows = await this.#database.shopOrder.findMany({
      where: as === 'buyer' ? { buyerId: userId } : { sellerId: userId },
      include: { product: { select: { title: true } } },
      orderBy: [{ createdAt: 'desc' }, { id: 'asc' }],
      take: ORDERS_PAGE,
    });
    return rows.map((row) => orderView(row, row.product.title));
  }

  async ship(sellerId: string, orderId: string): Promise<OrderView> {
    const order = await this.#sellersOrder(sellerId, orderId);
    if (order.status !== 'paid') throw new AppError('CONFLICT', `the order is ${order.status}: it cannot be shipped`);
    const changed = await this.#database.shopOrder.updateMany({
      where: { id: orderId, status: 'paid' },
      data: { status: 'shipped', updatedAt: new Date() },
    });
    if (changed.count === 0) throw new AppError('CONFLICT', 'the order changed meanwhile: reload it');
    return this.#orderView(orderId);
  }

  /**
   * Cancels a paid order: the seller refunds the buyer through the ledger and
   * the units go back in stock, in one transaction. A second cancel finds
   * the order cancelled and moves nothing (the refund's ledger key is the
   * order's id, so it could not be paid twice either).
   */
  async cancel(sellerId: string, orderId: string): Promise<OrderView> {
    const order = await this.#sellersOrder(sellerId, orderId);
    if (order.status !== 'paid') throw new AppError('CONFLICT', `the order is ${order.status}: it cannot be cancelled`);
    await ensureWallets(this.#database, [order.buyerId, order.sellerId]);
    await this.#database.$transaction(async (tx) => {
      await lockWallets(tx, [order.buyerId, order.sellerId], this.#provider);
      const statements = hotStatements(tx);
      const current = await tx.shopOrder.findUniqueOrThrow({ where: { id: orderId } });
      if (current.status !== 'paid') throw new AppError('CONFLICT', `the order is ${current.status}: nothing changed`);
      if (current.total > 0) {
        const plan = await TransferPlan.read(statements, [order.buyerId, order.sellerId]);
        const refund = plan.try(
          {
            fromUserId: order.sellerId,
            toUserId: order.buyerId,
            amount: current.total,
            idempotencyKey: order.id,
            reference: `order:${order.id}`,
          },
          { sent: 'refund_paid', received: 'order_refunded' },
        );
        if (!refund.ok) {
          throw refund.error.code === 'INSUFFICIENT_COINS'
            ? new AppError(
                'INSUFFICIENT_COINS',
                `refunding this order takes ${current.total} coins: your wallet holds fewer`,
              )
            : refund.error;
        }
        await plan.write(statements);
      }
      await tx.shopOrder.update({ where: { id: orderId }, data: { status: 'cancelled', updatedAt: new Date() } });
      await tx.product.update({ where: { id: order.productId }, data: { stock: { increment: current.quantity } } });
    });
    this.#logger.info({ orderId, sellerId }, 'order cancelled and refunded');
    return this.#orderView(orderId);
  }

  async #sellersOrder(sellerId: string, orderId: string) {
    const order = await this.#database.shopOrder.findUnique({ where: { id: orderId } });
    if (!order || order.sellerId !== sellerId) throw new AppError('NOT_FOUND', 'no such order');
    return order;
  }

  async #orderView(orderId: string): Promise<OrderView> {
    const row = await this.#database.shopOrder.findUniqueOrThrow({
      where: { id: orderId },
      include: { product: { select: { title: true } } },
    });
    return orderView(row, row.product.title);
  }

  // --- figures ---------------------------------------------------------------

  /** Live sessions with an open pin, newest pin first (every node's: the rows are shared). */
  async shoppingSessions(limit: number): Promise<ShoppingSessionView[]> {
    const pins = await this.#database.shopPin.findMany({
      where: { unpinnedAt: null },
      orderBy: { pinnedAt: 'desc' },
      take: limit,
    });
    const sessions = await this.#database.liveSession.findMany({
      where: { id: { in: pins.map((pin) => pin.sessionId) }, status: 'live' },
    });
    const sessionOf = new Map(sessions.map((session) => [session.id, session]));
    const titles = await this.#titlesOf(pins);
    return pins.flatMap((pin) => {
      const session = sessionOf.get(pin.sessionId);
      if (!session) return [];
      return [
        {
          sessionId: session.id,
          title: session.title,
          primaryHostId: session.primaryHostId,
          primaryHostName: session.primaryHostName,
          pinned: titles.get(pin.productId ?? pin.voucherId ?? '') ?? '',
          pinnedAt: pin.pinnedAt.toISOString(),
        },
      ];
    });
  }

  /** Sessions started since `since` by coins taken (cancelled orders left out), best first. */
  async topPerformers(since: Date, limit: number): Promise<ShopPerformerView[]> {
    const groups = await this.#database.shopOrder.groupBy({
      by: ['sessionId'],
      where: { status: { not: 'cancelled' }, sessionId: { not: null }, createdAt: { gte: since } },
      _count: { _all: true },
      _sum: { total: true },
      orderBy: { _sum: { total: 'desc' } },
      take: limit,
    });
    const sessions = await this.#database.liveSession.findMany({
      where: { id: { in: groups.flatMap((group) => (group.sessionId ? [group.sessionId] : [])) } },
    });
    const sessionOf = new Map(sessions.map((session) => [session.id, session]));
    return groups.flatMap((group) => {
      const session = group.sessionId ? sessionOf.get(group.sessionId) : undefined;
      if (!session) return [];
      return [
        {
          sessionId: session.id,
          title: session.title,
          primaryHostId: session.primaryHostId,
          primaryHostName: session.primaryHostName,
          orders: group._count._all,
          revenue: group._sum.total ?? 0,
        },
      ];
    });
  }

  /** The primary host of a session, also after it ended. */
  async sessionSeller(sessionId: string): Promise<string | undefined> {
    const session = await this.#database.liveSession.findUnique({ where: { id: sessionId } });
    return session?.primaryHostId;
  }

  /** A session's pins with what each drew, and the session's totals (cancelled orders left out). */
  async analytics(sessionId: string): Promise<ShopAnalytics> {
    const pins = await this.#database.shopPin.findMany({ where: { sessionId }, orderBy: { pinnedAt: 'asc' } });
    const byPin = await this.#database.shopOrder.groupBy({
      by: ['pinId'],
      where: { sessionId, status: { not: 'cancelled' } },
      _count: { _all: true },
      _sum: { quantity: true, total: true },
    });
    const ordersOf = new Map(byPin.map((group) => [group.pinId, group]));
    const titles = await this.#titlesOf(pins);
    const pinFigures: PinAnalytics[] = pins.map((pin) => {
      const orders = ordersOf.get(pin.id);
      const count = orders?._count._all ?? 0;
      return {
        pinId: pin.id,
        kind: pin.kind === 'voucher' ? 'voucher' : 'product',
        productId: pin.productId,
        voucherId: pin.voucherId,
        title: titles.get(pin.productId ?? pin.voucherId ?? '') ?? '',
        pinnedAt: pin.pinnedAt.toISOString(),
        unpinnedAt: pin.unpinnedAt?.toISOString() ?? null,
        impressions: pin.impressions,
        clicks: pin.clicks,
        orders: count,
        units: orders?._sum.quantity ?? 0,
        revenue: orders?._sum.total ?? 0,
        conversion: pin.impressions === 0 ? 0 : count / pin.impressions,
      };
    });
    const sum = (pick: (group: (typeof byPin)[number]) => number) => byPin.reduce((total, g) => total + pick(g), 0);
    const impressions = pins.reduce((total, pin) => total + pin.impressions, 0);
    const orders = sum((group) => group._count._all);
    return {
      sessionId,
      pins: pinFigures,
      totals: {
        impressions,
        clicks: pins.reduce((total, pin) => total + pin.clicks, 0),
        orders,
        units: sum((group) => group._sum.quantity ?? 0),
        revenue: sum((group) => group._sum.total ?? 0),
        conversion: impressions === 0 ? 0 : orders / impressions,
      },
    };
  }

  async #titlesOf(pins: { productId: string | null; voucherId: string | null }[]): Promise<Map<string, string>> {
    const productIds = pins.flatMap((pin) => (pin.productId ? [pin.productId] : []));
    const voucherIds = pins.flatMap((pin) => (pin.voucherId ? [pin.voucherId] : []));
    const [products, vouchers] = await Promise.all([
      this.#database.product.findMany({ where: { id: { in: productIds } }, select: { id: true, title: true } }),
      this.#database.voucher.findMany({ where: { id: { in: voucherIds } }, select: { id: true, code: true } }),
    ]);
    return new Map([
      ...products.map((product): [string, string] => [product.id, product.title]),
      ...vouchers.map((voucher): [string, string] => [voucher.id, `Voucher ${voucher.code}`]),
    ]);
  }
}
