// Gift request payloads as zod schemas (socket `gift:send` and the HTTP gift
// routes), each checked against the protocol's type.
import { z } from 'zod';
import { entityId } from './commonRequests.ts';
import { CLIENT_GIFT_ID_PATTERN, GIFT_MAX_QUANTITY, type GiftRequest } from './gifts.ts';

const giftFields = {
  giftTypeId: z.string().min(1).max(40),
  quantity: z
    .number()
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(GIFT_MAX_QUANTITY, `must be at most ${GIFT_MAX_QUANTITY}`),
  clientGiftId: z.string().regex(CLIENT_GIFT_ID_PATTERN, '1-100 characters of A-Z a-z 0-9 _ -'),
};

export const giftRequest = z.object({
  sessionId: entityId,
  ...giftFields,
  battleId: entityId.optional(),
}) satisfies z.ZodType<GiftRequest>;

/** `POST /api/multihost/:id/gift`: the session is in the path. */
export const sessionGiftBody = z.object(giftFields);

/** `POST /api/pk-battles/:id/gift`: the side's session in the body. */
export const battleGiftBody = z.object({ sessionId: entityId, ...giftFields });
