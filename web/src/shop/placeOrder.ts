// One Buy: one `live-shopping:buy` with a fresh clientOrderId, retried with
// the same id when it times out (lib/retriedRequest.ts: never charged twice),
// and its refusal in words.
import { RequestFailed, type OrderReceipt, type OrderRequest } from '../../../signaling/protocol/index.ts';
import { retriedRequest } from '../lib/retriedRequest.ts';
import type { SignalingSocket } from '../lib/signaling.ts';
import { orderErrorWords } from './shopLogic.ts';

const ORDER_TIMEOUT_MS = 5_000;
const ORDER_ATTEMPTS = 3;

export function placeOrder(socket: SignalingSocket, order: Omit<OrderRequest, 'clientOrderId'>): Promise<OrderReceipt> {
  return retriedRequest(
    socket,
    'live-shopping:buy',
    { ...order, clientOrderId: crypto.randomUUID() },
    { attempts: ORDER_ATTEMPTS, timeoutMs: ORDER_TIMEOUT_MS },
  );
}

export function orderProblem(error: unknown): string {
  return error instanceof RequestFailed ? orderErrorWords(error.code, error.reason) : (error as Error).message;
}
