// Registers a validated request handler on a socket. The one place where
// input is parsed (with the event's schema from the protocol's
// requestSchemas), an expired sign-in is dropped (so no handler acts on a
// token past its expiry), errors become `{ ok: false, error }`, and a
// handler that throws can never take the process down.
import type { Logger } from 'pino';
import { expireIdentity, signInExpired } from './socketIdentity.ts';
import { AppError, toProtocolError } from '../errors.ts';
import { RateLimiter } from '../limits/rateLimits.ts';
import type { Ack, ParsedRequest, RequestEvent, ResponseOf } from '../protocol/index.ts';
import { requestSchemas } from '../protocol/requestSchemas.ts';
import type { RequestSocket } from './socketData.ts';

/** Largest request payload accepted (JSON characters); simulcast rtpParameters are ~3 KB. */
const MAX_REQUEST_CHARS = 32_768;

export type RequestHandler<E extends RequestEvent> = (
  input: ParsedRequest<E>,
) => Promise<ResponseOf<E>> | ResponseOf<E>;

/** Requests one socket may make: a burst of 100, then 20 per second (a 9-host join takes ~30). */
export const REQUESTS_PER_SOCKET = { burst: 100, perS: 20 };
const requestsBySocket = new RateLimiter('socket-requests', REQUESTS_PER_SOCKET);

/** Binds registerRequest to one socket and logger. */
export function requestRegistrar(socket: RequestSocket, logger: Logger) {
  return <E extends RequestEvent>(event: E, handler: RequestHandler<E>) =>
    registerRequest(socket, event, handler, logger);
}

/** Keyed by socket id: the limiter's store forgets an id once its window passes, so closed sockets leave nothing. */
async function allowed(socket: RequestSocket): Promise<boolean> {
  return (await requestsBySocket.take(socket.id)).allowed;
}

export function registerRequest<E extends RequestEvent>(
  socket: RequestSocket,
  event: E,
  handler: RequestHandler<E>,
  logger: Logger,
): void {
  const schema = requestSchemas[event];
  // Untyped on purpose (RequestSocket.on): this is where untrusted client input enters.
  socket.on(event, async (...args: unknown[]) => {
    const ack = args.at(-1);
    if (typeof ack !== 'function') {
      logger.debug({ event }, 'request without ack callback ignored');
      return;
    }
    const reply = ack as (response: Ack<ResponseOf<E>>) => void;
    const data = socket.data;
    // Past its token's expiry the socket is anonymous: handlers that need a
    // sign-in answer UNAUTHENTICATED, anonymous ones (watching, reading chat) still work.
    expireIdentity(data);
    try {
      if (!(await allowed(socket))) throw new AppError('RATE_LIMITED', 'too many requests; slow down');
      const payload = args.length > 1 ? args[0] : {};
      if ((JSON.stringify(payload)?.length ?? 0) > MAX_REQUEST_CHARS) {
        throw new AppError('INVALID_INPUT', `request too large (max ${MAX_REQUEST_CHARS} characters)`);
      }
      const parsed = schema.safeParse(payload);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
        throw new AppError('INVALID_INPUT', `${where}${issue?.message ?? 'invalid input'}`);
      }
      // The schema is the event's own (requestSchemas is keyed by event), so this is its parsed payload.
      reply({ ok: true, data: await handler(parsed.data as ParsedRequest<E>) });
    } catch (error) {
      const failure = toProtocolError(error);
      if (failure.code === 'UNAUTHENTICATED' && signInExpired(data)) {
        failure.message = `${failure.message}; this connection's sign-in expired: send auth:refresh with a fresh token`;
      }
      if (failure.code === 'INTERNAL') logger.error({ event, err: error }, 'request handler failed');
      reply({ ok: false, error: failure });
    }
  });
}
