// HTTP routes for live shopping: a seller's catalogue, vouchers and orders
// under /api/shop, and a live session's shelf under /api/live-shopping/:id
// (seed routes; in a cluster the session's owner serves these). Each handler
// authenticates, validates, and calls one ShopService action, which checks
// the permission the action needs.
import { Router, type Request } from 'express';
import { authenticate, optionalIdentity } from '../auth/authenticate.ts';
import type { TokenKeys } from '../auth/tokenKeys.ts';
import { parseBody, parseInput } from '../http/httpErrors.ts';
import { KeyedRateLimit } from '../limits/ipRateLimit.ts';
import type { LimitStore } from '../limits/rateLimits.ts';
import { entityId } from '../protocol/commonRequests.ts';
import {
  flashSaleBody,
  interactionBody,
  orderBody,
  ordersQuery,
  pinBody,
  productChange,
  performersQuery,
  productInput,
  sellerBody,
  voucherChange,
  voucherInput,
} from '../protocol/shopRequests.ts';
import type { StoredImages } from '../http/StoredImages.ts';
import type { ShopService } from './ShopService.ts';

/**
 * Per account, as a socket's requests are limited per socket: orders over HTTP
 * (a burst for a flash sale's rush, then 10 a second) and picture uploads
 * (each up to 2 MB written to disk).
 */
const ORDERS_PER_USER = { burst: 40, perS: 10 };
const UPLOADS_PER_USER = { burst: 10, perS: 1 / 6 };

export function shopRoutes(
  shop: ShopService,
  images: StoredImages,
  tokenKeys: TokenKeys,
  limitStore: LimitStore = undefined,
): Router {
  const router = Router();
  const ordersPerUser = new KeyedRateLimit(
    'shop-orders',
    ORDERS_PER_USER,
    'too many orders at once: wait a moment',
    limitStore,
  );
  const uploadsPerUser = new KeyedRateLimit(
    'shop-uploads',
    UPLOADS_PER_USER,
    'too many pictures uploaded: wait a minute',
    limitStore,
  );
  const caller = (req: Request) => authenticate(req, tokenKeys);
  const idOf = (req: Request) => parseInput(entityId, req.params.id);
  const ok = (data: unknown) => ({ ok: true, data });

  // --- catalogue -------------------------------------------------------------

  router.get('/api/shop/products', async (req, res) => {
    res.json(ok(await shop.products(await caller(req))));
  });

  router.post('/api/shop/products', async (req, res) => {
    res.status(201).json(ok(await shop.createProduct(await caller(req), parseBody(productInput, req))));
  });

  router.patch('/api/shop/products/:id', async (req, res) => {
    res.json(ok(await shop.updateProduct(await caller(req), idOf(req), parseBody(productChange, req))));
  });

  router.put('/api/shop/products/:id/image', images.rawBody(), async (req, res) => {
    const identity = await caller(req);
    await uploadsPerUser.take(identity.userId);
    const productId = idOf(req);
    const name = await images.store(productId, images.bytesOf(req));
    try {
      const { product, replaced } = await shop.setProductImage(identity, productId, name);
      if (replaced) await images.remove(replaced);
      res.json(ok(product));
    } catch (error) {
      // Not the caller's product (or no product): the file goes again, nothing is left half-written.
      await images.remove(name);
      throw error;
    }
  });

  router.get('/api/shop/images/:name', (req, res) => {
    images.send(res, String(req.params.name));
  });

  router.get('/api/shop/vouchers', async (req, res) => {
    res.json(ok(await shop.vouchers(await caller(req))));
  });

  router.post('/api/shop/vouchers', async (req, res) => {
    res.status(201).json(ok(await shop.createVoucher(await caller(req), parseBody(voucherInput, req))));
  });

  router.patch('/api/shop/vouchers/:id', async (req, res) => {
    const { active } = parseBody(voucherChange, req);
    res.json(ok(await shop.setVoucherActive(await caller(req), idOf(req), active)));
  });

  // --- orders ------------------------------------------------------------------

  router.get('/api/shop/orders', async (req, res) => {
    const { as } = parseInput(ordersQuery, req.query);
    res.json(ok(await shop.orders(await caller(req), as)));
  });

  router.post('/api/shop/orders/:id/ship', async (req, res) => {
    res.json(ok(await shop.ship(await caller(req), idOf(req))));
  });

  router.post('/api/shop/orders/:id/cancel', async (req, res) => {
    res.json(ok(await shop.cancel(await caller(req), idOf(req))));
  });

  // --- across sessions (seed routes; before /:id, which they would match) ------

  router.get('/api/live-shopping/active/list', async (_req, res) => {
    res.json(ok(await shop.shoppingSessions()));
  });

  router.get('/api/live-shopping/top/performers', async (req, res) => {
    const { days } = parseInput(performersQuery, req.query);
    res.json(ok(await shop.topPerformers(days)));
  });

  // --- a live session's shelf ------------------------------------------------

  router.get('/api/live-shopping/:id', (req, res) => {
    res.json(ok(shop.state(idOf(req))));
  });

  router.post('/api/live-shopping/:id/products/pin', async (req, res) => {
    const identity = await caller(req);
    res.json(ok(await shop.pin(identity, { sessionId: idOf(req), ...parseBody(pinBody, req) })));
  });

  router.post('/api/live-shopping/:id/unpin', async (req, res) => {
    res.json(ok(await shop.unpin(await caller(req), idOf(req))));
  });

  router.post('/api/live-shopping/:id/flash-sale', async (req, res) => {
    const identity = await caller(req);
    res
      .status(201)
      .json(ok(await shop.startFlashSale(identity, { sessionId: idOf(req), ...parseBody(flashSaleBody, req) })));
  });

  router.post('/api/live-shopping/:id/flash-sale/end', async (req, res) => {
    res.json(ok(await shop.endFlashSale(await caller(req), idOf(req))));
  });

  router.post('/api/live-shopping/:id/sellers', async (req, res) => {
    const identity = await caller(req);
    res.json(ok(shop.allowSeller(identity, { sessionId: idOf(req), ...parseBody(sellerBody, req) })));
  });

  router.get('/api/live-shopping/:id/products', async (req, res) => {
    res.json(ok(await shop.sessionProducts(idOf(req))));
  });

  router.post('/api/live-shopping/:id/orders', async (req, res) => {
    const identity = await caller(req);
    await ordersPerUser.take(identity.userId);
    const receipt = await shop.buy(identity, { sessionId: idOf(req), ...parseBody(orderBody, req) });
    res.status(receipt.replayed ? 200 : 201).json(ok(receipt));
  });

  router.post('/api/live-shopping/:id/interactions', async (req, res) => {
    const identity = await optionalIdentity(req, tokenKeys);
    const viewerKey = identity?.userId ?? `ip:${req.ip ?? 'unknown'}`;
    shop.interaction(viewerKey, { sessionId: idOf(req), ...parseBody(interactionBody, req) });
    res.json(ok(null));
  });

  router.get('/api/live-shopping/:id/analytics', async (req, res) => {
    res.json(ok(await shop.analytics(await caller(req), idOf(req))));
  });

  return router;
}
