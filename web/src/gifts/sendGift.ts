// One tap on a gift: one `gift:send` with a fresh clientGiftId. A request
// that times out may have been charged: it is sent again with the SAME id,
// which the server answers with the first result (nothing moves twice).
import {
  request,
  RequestFailed,
  type AckEmitter,
  type GiftReceipt,
  type GiftRequest,
} from '../../../signaling/protocol/index.ts';

export const GIFT_TIMEOUT_MS = 5_000;
export const GIFT_ATTEMPTS = 3;

export async function sendGift(
  socket: AckEmitter,
  gift: Omit<GiftRequest, 'clientGiftId'>,
  { clientGiftId = crypto.randomUUID(), attempts = GIFT_ATTEMPTS, timeoutMs = GIFT_TIMEOUT_MS } = {},
): Promise<GiftReceipt> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await request(socket, 'gift:send', { ...gift, clientGiftId }, timeoutMs);
    } catch (error) {
      if (!(error instanceof RequestFailed && error.code === 'TIMEOUT') || attempt >= attempts) throw error;
    }
  }
}
