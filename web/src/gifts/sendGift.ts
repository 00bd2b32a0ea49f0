// One tap on a gift: one `gift:send` with a fresh clientGiftId, retried with
// the same id when it times out (lib/retriedRequest.ts).
import type { AckEmitter, GiftReceipt, GiftRequest } from '../../../signaling/protocol/index.ts';
import { retriedRequest } from '../lib/retriedRequest.ts';

export const GIFT_TIMEOUT_MS = 5_000;
export const GIFT_ATTEMPTS = 3;

export function sendGift(
  socket: AckEmitter,
  gift: Omit<GiftRequest, 'clientGiftId'>,
  { clientGiftId = crypto.randomUUID(), attempts = GIFT_ATTEMPTS, timeoutMs = GIFT_TIMEOUT_MS } = {},
): Promise<GiftReceipt> {
  return retriedRequest(socket, 'gift:send', { ...gift, clientGiftId }, { attempts, timeoutMs });
}
