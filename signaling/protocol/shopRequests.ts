// Live shopping request payloads as zod schemas (socket `live-shopping:*` and
// the HTTP routes under /api/shop and /api/live-shopping), each checked
// against the protocol's type.
import { z } from 'zod';
import { entityId } from './commonRequests.ts';
import {
  CLIENT_ORDER_ID_PATTERN,
  FLASH_SALE_COUNTDOWN_S,
  FLASH_SALE_DURATION_S,
  ORDER_MAX_QUANTITY,
  PRODUCT_DESCRIPTION_MAX,
  PRODUCT_TITLE_MAX,
  SHOP_MAX_COINS,
  SHOP_MAX_STOCK,
  VOUCHER_CODE_PATTERN,
  type FlashSaleRequest,
  type InteractionRequest,
  type OrderRequest,
  type PinRequest,
  type SellerRequest,
  type ProductChange,
  type ProductInput,
  type VoucherInput,
} from './shop.ts';

const wholeNumber = (min: number, max: number, unit: string) =>
  z
    .number()
    .int('must be a whole number')
    .min(min, `must be at least ${min} ${unit}`)
    .max(max, `must be at most ${max} ${unit}`);

const price = wholeNumber(1, SHOP_MAX_COINS, 'coins');
const stock = wholeNumber(0, SHOP_MAX_STOCK, 'units');
const title = z.string().trim().min(1, 'must not be empty').max(PRODUCT_TITLE_MAX);
const description = z.string().max(PRODUCT_DESCRIPTION_MAX);

export const productInput = z.object({
  title,
  description: description.default(''),
  price,
  stock,
}) satisfies z.ZodType<Required<ProductInput>, ProductInput>;

export const productChange = z
  .object({ title, description, price, stock, active: z.boolean() })
  .partial()
  .refine((change) => Object.keys(change).length > 0, 'name at least one field to change') satisfies z.ZodType<
  ProductChange,
  ProductChange
>;

const isoTime = z.iso.datetime({ offset: true, message: 'must be an ISO date-time' });

export const voucherInput = z
  .object({
    code: z
      .string()
      .trim()
      .transform((code) => code.toUpperCase())
      .pipe(z.string().regex(VOUCHER_CODE_PATTERN, '3-20 letters or digits')),
    kind: z.enum(['percent', 'fixed']),
    amount: wholeNumber(1, SHOP_MAX_COINS, 'coins or percent'),
    minSpend: wholeNumber(0, SHOP_MAX_COINS, 'coins').default(0),
    startsAt: isoTime,
    endsAt: isoTime,
    totalUses: wholeNumber(1, SHOP_MAX_STOCK, 'uses'),
    perUserUses: wholeNumber(1, 100, 'uses').default(1),
  })
  .refine((voucher) => voucher.kind === 'fixed' || voucher.amount <= 100, {
    path: ['amount'],
    message: 'a percentage must be at most 100',
  })
  .refine((voucher) => Date.parse(voucher.endsAt) > Date.parse(voucher.startsAt), {
    path: ['endsAt'],
    message: 'must be after startsAt',
  }) satisfies z.ZodType<Required<VoucherInput>, VoucherInput>;

export const voucherChange = z.object({ active: z.boolean() });

export const pinRequest = z
  .object({ sessionId: entityId, productId: entityId.optional(), voucherId: entityId.optional() })
  .refine((pin) => (pin.productId === undefined) !== (pin.voucherId === undefined), {
    message: 'name either productId or voucherId',
  }) satisfies z.ZodType<PinRequest>;

export const flashSaleRequest = z.object({
  sessionId: entityId,
  productId: entityId,
  dealPrice: price,
  countdownS: wholeNumber(FLASH_SALE_COUNTDOWN_S.min, FLASH_SALE_COUNTDOWN_S.max, 's'),
  durationS: wholeNumber(FLASH_SALE_DURATION_S.min, FLASH_SALE_DURATION_S.max, 's'),
  stock: wholeNumber(1, SHOP_MAX_STOCK, 'units'),
  perUserLimit: wholeNumber(1, ORDER_MAX_QUANTITY, 'units'),
}) satisfies z.ZodType<FlashSaleRequest>;

const orderFields = {
  productId: entityId,
  quantity: wholeNumber(1, ORDER_MAX_QUANTITY, 'units'),
  clientOrderId: z.string().regex(CLIENT_ORDER_ID_PATTERN, '1-100 characters of A-Z a-z 0-9 _ -'),
  flashSaleId: entityId.optional(),
  voucherCode: z
    .string()
    .trim()
    .transform((code) => code.toUpperCase())
    .pipe(z.string().regex(VOUCHER_CODE_PATTERN, '3-20 letters or digits'))
    .optional(),
};

export const orderRequest = z.object({ sessionId: entityId, ...orderFields }) satisfies z.ZodType<
  OrderRequest,
  OrderRequest
>;

/** `POST /api/live-shopping/:id/orders`: the session is in the path. */
export const orderBody = z.object(orderFields);

export const interactionRequest = z.object({
  sessionId: entityId,
  pinId: entityId,
  kind: z.enum(['impression', 'click']),
}) satisfies z.ZodType<InteractionRequest>;

/** `POST /api/live-shopping/:id/interactions`. */
export const interactionBody = z.object({ pinId: entityId, kind: z.enum(['impression', 'click']) });

export const sellerRequest = z.object({
  sessionId: entityId,
  userId: entityId,
  allowed: z.boolean(),
}) satisfies z.ZodType<SellerRequest>;

/** `POST /api/live-shopping/:id/sellers`. */
export const sellerBody = sellerRequest.omit({ sessionId: true });

/** `GET /api/live-shopping/top/performers?days=`: sessions that started within the last `days`. */
export const performersQuery = z.object({ days: z.coerce.number().int().min(1).max(365).default(7) });

/** `GET /api/shop/orders?as=`. */
export const ordersQuery = z.object({ as: z.enum(['buyer', 'seller']).default('buyer') });

/** Session-scoped bodies over HTTP (the session is in the path). */
export const pinBody = z
  .object({ productId: entityId.optional(), voucherId: entityId.optional() })
  .refine((pin) => (pin.productId === undefined) !== (pin.voucherId === undefined), {
    message: 'name either productId or voucherId',
  });
export const flashSaleBody = flashSaleRequest.omit({ sessionId: true });
