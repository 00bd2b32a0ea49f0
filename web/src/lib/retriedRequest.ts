// A request that moves coins, made safe to repeat: it carries the client's
// key (clientGiftId, clientOrderId), so one that timed out — and may have
// been charged — is sent again with the SAME key, which the server answers
// with the first result (nothing moves twice).
import {
  request,
  RequestFailed,
  type AckEmitter,
  type RequestEvent,
  type RequestOf,
  type ResponseOf,
} from '../../../signaling/protocol/index.ts';

export async function retriedRequest<E extends RequestEvent>(
  socket: AckEmitter,
  event: E,
  payload: RequestOf<E>,
  { attempts, timeoutMs }: { attempts: number; timeoutMs: number },
): Promise<ResponseOf<E>> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await request(socket, event, payload, timeoutMs);
    } catch (error) {
      if (!(error instanceof RequestFailed && error.code === 'TIMEOUT') || attempt >= attempts) throw error;
    }
  }
}
