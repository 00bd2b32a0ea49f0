// Writes orders in batches, each batch one database transaction
// (signaling/wallet/GroupCommit.ts): the buyer pays the seller through the
// ledger, the product's stock (and its flash sale's) is reserved, a voucher's
// use is counted and the ShopOrder row is inserted, all or nothing, order by
// order in the batch: an order that cannot be paid takes no stock from the
// next one. The hot path of a flash sale (bench `shop`: ≥ 500 orders a second
// for one product on SQLite).
//
// Exactness, under the locks of the transaction (wallets first, as every
// coin-moving writer takes them, then on PostgreSQL the products', sales' and
// vouchers' rows; SQLite has one writer):
// - stock, a sale's units, a buyer's units of a sale and a voucher's uses are
//   read once and decided in memory for the whole batch, so no check can be
//   passed twice; the migration's CHECKs stand behind each;
// - a resend (same buyer and clientOrderId) is answered with the first
//   order and moves nothing: twins in flight share one promise, committed
//   ones are found here, and the unique key settles a race with another node.
import crypto from 'node:crypto';
import type { Logger } from 'pino';
import {
  sqliteOpenTransaction,
  type Database,
  type DatabaseProvider,
  type DatabaseTransaction,
} from '../../prisma/database.ts';
import { hotStatements, type HotStatements } from '../../prisma/hotStatements.ts';
import { insertRows } from '../../prisma/insertRows.ts';
import { sql, sqlList, sqlRows } from '../../prisma/rawSql.ts';
import { AppError } from '../errors.ts';
import type { OrderView } from '../protocol/index.ts';
import { GroupCommit } from '../wallet/GroupCommit.ts';
import { storedLedgerKey } from '../wallet/ledgerKeys.ts';
import { lockWallets, TransferPlan, type TransferKinds } from '../wallet/transferBatch.ts';
import { orderView, voucherDiscount, type FlashSaleRow, type OrderRow, type VoucherRow } from './shopViews.ts';

/** An order to write, checked by ShopService (who may buy what, in which session). */
export interface PendingOrder {
  buyerId: string;
  buyerName: string;
  clientOrderId: string;
  sellerId: string;
  productId: string;
  quantity: number;
  sessionId: string | null;
  /** The pin the card showed when the buyer bought (for the pin's figures), or null. */
  pinId: string | null;
  /** The session's flash sale of this product, if one was announced: its row says whether it runs. */
  flashSaleId: string | null;
  /** The buyer asked for the sale's price: refused, not charged the list price, when it does not run. */
  insistOnSale: boolean;
  voucherCode: string | null;
}

export interface WrittenOrder {
  order: OrderView;
  /** The buyer's balance right after the order. */
  balance: number;
  replayed: boolean;
  /** After this order (not meaningful on a replay): the product's stock, the sale's units sold. */
  productStock: number;
  saleSold: number | null;
  saleStock: number | null;
}

const ORDER_KINDS: TransferKinds = { sent: 'order_paid', received: 'order_received' };
/** Orders per transaction at most. */
const MAX_BATCH = 400;

interface ProductState {
  sellerId: string;
  title: string;
  price: number;
  stock: number;
  active: boolean;
  sold: number;
}

export class OrderWriter {
  readonly #database: Database;
  readonly #provider: DatabaseProvider;
  readonly #commits: GroupCommit<PendingOrder, WrittenOrder>;

  constructor(database: Database, provider: DatabaseProvider, logger: Logger) {
    this.#database = database;
    this.#provider = provider;
    this.#commits = new GroupCommit({
      database,
      logger,
      name: 'order-writer',
      maxBatch: MAX_BATCH,
      keyOf: (order) => `${order.buyerId}:${order.clientOrderId}`,
      replayOf: (written, order) => {
        if (!sameOrder(written.order, order)) throw differentOrder();
        return { ...written, replayed: true };
      },
      usersOf: (order) => [order.buyerId, order.sellerId],
      writeWithin: (tx, orders) => this.#writeWithin(tx, orders),
      failure: 'the order could not be placed: nothing was charged; try again',
    });
  }

  write(order: PendingOrder): Promise<WrittenOrder> {
    return this.#commits.write(order);
  }

  async #writeWithin(tx: DatabaseTransaction, orders: PendingOrder[]): Promise<(WrittenOrder | AppError)[]> {
    const now = new Date();
    await lockWallets(
      tx,
      orders.flatMap((order) => [order.buyerId, order.sellerId]),
      this.#provider,
    );
    const statements = hotStatements(tx, sqliteOpenTransaction(this.#database));
    const productIds = [...new Set(orders.map((order) => order.productId))];
    const saleIds = [...new Set(orders.flatMap((order) => (order.flashSaleId ? [order.flashSaleId] : [])))];
    const voucherKeys = [
      ...new Map(
        orders.flatMap((order) =>
          order.voucherCode ? [[`${order.sellerId}:${order.voucherCode}`, [order.sellerId, order.voucherCode]]] : [],
        ),
      ).values(),
    ] as [string, string][];
    if (this.#provider === 'postgresql') await lockRows(statements, productIds, saleIds, voucherKeys);

    const earlier = await this.#earlierOrders(statements, tx, orders);
    const products = new Map<string, ProductState>(
      (
        await tx.product.findMany({
          where: { id: { in: productIds } },
          select: { id: true, sellerId: true, title: true, price: true, stock: true, active: true },
        })
      ).map((row) => [row.id, { ...row, sold: 0 }]),
    );
    const sales = new Map<string, FlashSaleRow>(
      saleIds.length === 0
        ? []
        : (await tx.flashSale.findMany({ where: { id: { in: saleIds } } })).map((row) => [row.id, row]),
    );
    const vouchers = new Map<string, VoucherRow & { usedNow: number }>(
      voucherKeys.length === 0
        ? []
        : (
            await tx.voucher.findMany({
              where: { OR: voucherKeys.map(([sellerId, code]) => ({ sellerId, code })) },
            })
          ).map((row) => [`${row.sellerId}:${row.code}`, { ...row, usedNow: 0 }]),
    );
    const buyerIds = [...new Set(orders.map((order) => order.buyerId))];
    const boughtInSale = await this.#unitsBoughtInSales(tx, saleIds, buyerIds);
    const voucherUses = await this.#voucherUses(
      tx,
      [...vouchers.values()].map((voucher) => voucher.id),
      buyerIds,
    );
    const plan = await TransferPlan.read(
      statements,
      orders.flatMap((order) => [order.buyerId, order.sellerId]),
    );

    const rows: OrderRow[] = [];
    const results = orders.map((order): WrittenOrder | AppError => {
      const row = earlier.get(`${order.buyerId}:${order.clientOrderId}`);
      if (row) {
        // A free order (a 100 % voucher) wrote no entry: the buyer's balance now is what it left.
        const replayed = { ...row.written, balance: row.balanceAfter ?? plan.balanceOf(order.buyerId), replayed: true };
        return sameOrder(row.written.order, order) ? replayed : differentOrder();
      }
      const product = products.get(order.productId);
      if (!product || product.sellerId !== order.sellerId) return new AppError('NOT_FOUND', 'no such product');
      if (!product.active) return new AppError('CONFLICT', 'this product is no longer for sale');
      if (order.buyerId === product.sellerId) return new AppError('NOT_ALLOWED', 'you cannot buy your own product');

      let unitPrice = product.price;
      const sale = order.flashSaleId ? sales.get(order.flashSaleId) : undefined;
      const saleRuns =
        sale !== undefined &&
        sale.productId === order.productId &&
        sale.endedAt === null &&
        sale.startsAt <= now &&
        now < sale.endsAt;
      if (order.insistOnSale && !saleRuns) {
        return new AppError(
          'CONFLICT',
          sale && now < sale.startsAt && sale.endedAt === null
            ? 'the flash sale has not started yet: nothing was bought'
            : 'the flash sale is over: nothing was bought at its price',
        );
      }
      const saleKey = saleRuns ? `${sale.id}:${order.buyerId}` : '';
      if (saleRuns) {
        const left = sale.stock - sale.sold;
        if (left < order.quantity) {
          return new AppError('SOLD_OUT', left === 0 ? 'sold out' : `only ${left} left at the sale price`);
        }
        const bought = boughtInSale.get(saleKey) ?? 0;
        if (bought + order.quantity > sale.perUserLimit) {
          return new AppError(
            'LIMIT_REACHED',
            `the flash sale allows ${sale.perUserLimit} per buyer` + (bought > 0 ? `; you have bought ${bought}` : ''),
          );
        }
        unitPrice = sale.dealPrice;
      }
      if (product.stock < order.quantity) {
        return new AppError('SOLD_OUT', product.stock === 0 ? 'sold out' : `only ${product.stock} left`);
      }
      const subtotal = unitPrice * order.quantity;

      let discount = 0;
      const voucher = order.voucherCode ? vouchers.get(`${order.sellerId}:${order.voucherCode}`) : undefined;
      if (order.voucherCode) {
        const refusal = voucher
          ? voucherRefusal(voucher, subtotal, voucherUses.get(`${voucher.id}:${order.buyerId}`) ?? 0, now)
          : new AppError('NOT_FOUND', `no voucher ${order.voucherCode} from this seller`);
        if (refusal) return refusal;
        discount = voucherDiscount(voucher!, subtotal);
      }
      const total = subtotal - discount;
      const orderId = crypto.randomUUID();
      if (total > 0) {
        const paid = plan.try(
          {
            fromUserId: order.buyerId,
            toUserId: order.sellerId,
            amount: total,
            idempotencyKey: order.clientOrderId,
            reference: `order:${orderId}`,
          },
          ORDER_KINDS,
        );
        if (!paid.ok) return paid.error;
      }

      product.stock -= order.quantity;
      product.sold += order.quantity;
      if (saleRuns) {
        sale.sold += order.quantity;
        boughtInSale.set(saleKey, (boughtInSale.get(saleKey) ?? 0) + order.quantity);
      }
      if (voucher) {
        voucher.used += 1;
        voucher.usedNow += 1;
        const key = `${voucher.id}:${order.buyerId}`;
        voucherUses.set(key, (voucherUses.get(key) ?? 0) + 1);
      }
      const orderRow: OrderRow = {
        id: orderId,
        buyerId: order.buyerId,
        buyerName: order.buyerName,
        sellerId: order.sellerId,
        productId: order.productId,
        clientOrderId: order.clientOrderId,
        sessionId: order.sessionId,
        pinId: order.pinId,
        flashSaleId: saleRuns ? sale.id : null,
        voucherId: voucher?.id ?? null,
        quantity: order.quantity,
        unitPrice,
        discount,
        total,
        status: 'paid',
        createdAt: now,
        updatedAt: now,
      };
      rows.push(orderRow);
      return {
        order: orderView(orderRow, product.title),
        balance: plan.balanceOf(order.buyerId),
        replayed: false,
        productStock: product.stock,
        saleSold: saleRuns ? sale.sold : null,
        saleStock: saleRuns ? sale.stock : null,
      };
    });
    if (rows.length === 0) return results;

    await plan.write(statements);
    for (const [productId, product] of products) {
      if (product.sold === 0) continue;
      await statements.execute(
        sql`UPDATE "Product" SET "stock" = "stock" - ${product.sold}, "updatedAt" = ${now} WHERE "id" = ${productId}`,
      );
    }
    const soldBySale = new Map<string, number>();
    for (const row of rows) {
      if (row.flashSaleId) soldBySale.set(row.flashSaleId, (soldBySale.get(row.flashSaleId) ?? 0) + row.quantity);
    }
    for (const [saleId, units] of soldBySale) {
      await statements.execute(sql`UPDATE "FlashSale" SET "sold" = "sold" + ${units} WHERE "id" = ${saleId}`);
    }
    for (const voucher of vouchers.values()) {
      if (voucher.usedNow === 0) continue;
      await statements.execute(
        sql`UPDATE "Voucher" SET "used" = "used" + ${voucher.usedNow} WHERE "id" = ${voucher.id}`,
      );
    }
    await insertRows(statements, 'ShopOrder', rows);
    return results;
  }

  /** Orders of this batch's keys committed before, as their first answer (with the balance their entry left). */
  async #earlierOrders(
    statements: HotStatements,
    tx: DatabaseTransaction,
    orders: PendingOrder[],
  ): Promise<Map<string, { written: WrittenOrder; balanceAfter: number | undefined }>> {
    const keys = [...new Map(orders.map((order) => [`${order.buyerId}:${order.clientOrderId}`, order])).values()];
    // The exact (buyerId, clientOrderId) pairs, one lookup each in the unique index.
    const seen = await statements.query<{ id: string }>(
      sql`SELECT "id" FROM "ShopOrder" WHERE ("buyerId", "clientOrderId") IN (VALUES ${sqlRows(
        keys.map((order) => [order.buyerId, order.clientOrderId]),
      )})`,
    );
    if (seen.length === 0) return new Map();
    const rows = await tx.shopOrder.findMany({
      where: { id: { in: seen.map((row) => row.id) } },
      include: { product: { select: { title: true } } },
    });
    const entries = await tx.coinTransaction.findMany({
      where: {
        idempotencyKey: { in: rows.map((row) => storedLedgerKey('order_paid', row.buyerId, row.clientOrderId)) },
      },
      select: { idempotencyKey: true, balanceAfter: true },
    });
    const balanceAfter = new Map(entries.map((entry) => [entry.idempotencyKey, entry.balanceAfter]));
    return new Map(
      rows.map((row) => [
        `${row.buyerId}:${row.clientOrderId}`,
        {
          written: {
            order: orderView(row, row.product.title),
            balance: 0,
            replayed: true,
            productStock: 0,
            saleSold: null,
            saleStock: null,
          },
          balanceAfter: balanceAfter.get(storedLedgerKey('order_paid', row.buyerId, row.clientOrderId)),
        },
      ]),
    );
  }

  /** Units each buyer bought in each sale so far, by `<saleId>:<buyerId>` (cancelled orders do not count). */
  async #unitsBoughtInSales(
    tx: DatabaseTransaction,
    saleIds: string[],
    buyerIds: string[],
  ): Promise<Map<string, number>> {
    if (saleIds.length === 0) return new Map();
    const groups = await tx.shopOrder.groupBy({
      by: ['flashSaleId', 'buyerId'],
      where: { flashSaleId: { in: saleIds }, buyerId: { in: buyerIds }, status: { not: 'cancelled' } },
      _sum: { quantity: true },
    });
    return new Map(groups.map((group) => [`${group.flashSaleId}:${group.buyerId}`, group._sum.quantity ?? 0]));
  }

  /** Orders each buyer placed with each voucher, by `<voucherId>:<buyerId>`. */
  async #voucherUses(tx: DatabaseTransaction, voucherIds: string[], buyerIds: string[]): Promise<Map<string, number>> {
    if (voucherIds.length === 0) return new Map();
    const groups = await tx.shopOrder.groupBy({
      by: ['voucherId', 'buyerId'],
      where: { voucherId: { in: voucherIds }, buyerId: { in: buyerIds } },
      _count: { _all: true },
    });
    return new Map(groups.map((group) => [`${group.voucherId}:${group.buyerId}`, group._count._all]));
  }
}

/** On PostgreSQL, the rows an order batch decides on, locked until it commits (a write takes the row's lock). */
async function lockRows(
  statements: HotStatements,
  productIds: string[],
  saleIds: string[],
  voucherKeys: [string, string][],
): Promise<void> {
  await statements.execute(sql`UPDATE "Product" SET "stock" = "stock" WHERE "id" IN (${sqlList(productIds)})`);
  if (saleIds.length > 0) {
    await statements.execute(sql`UPDATE "FlashSale" SET "sold" = "sold" WHERE "id" IN (${sqlList(saleIds)})`);
  }
  if (voucherKeys.length > 0) {
    await statements.execute(
      sql`UPDATE "Voucher" SET "used" = "used" WHERE ("sellerId", "code") IN (VALUES ${sqlRows(voucherKeys)})`,
    );
  }
}

function voucherRefusal(voucher: VoucherRow, subtotal: number, usesByBuyer: number, now: Date): AppError | undefined {
  if (!voucher.active) return new AppError('CONFLICT', `voucher ${voucher.code} is no longer valid`);
  if (now < voucher.startsAt) return new AppError('CONFLICT', `voucher ${voucher.code} is not valid yet`);
  if (now >= voucher.endsAt) return new AppError('CONFLICT', `voucher ${voucher.code} has expired`);
  if (voucher.used >= voucher.totalUses) return new AppError('LIMIT_REACHED', `voucher ${voucher.code} is used up`);
  if (usesByBuyer >= voucher.perUserUses) {
    return new AppError('LIMIT_REACHED', `you have already used voucher ${voucher.code}`);
  }
  if (subtotal < voucher.minSpend) {
    return new AppError('CONFLICT', `voucher ${voucher.code} needs an order of at least ${voucher.minSpend} coins`);
  }
  return undefined;
}

/** The same key for another order is a client bug, not a resend. */
function sameOrder(order: OrderView, pending: PendingOrder): boolean {
  return order.productId === pending.productId && order.quantity === pending.quantity;
}

function differentOrder(): AppError {
  return new AppError('CONFLICT', 'clientOrderId was already used for a different order');
}
