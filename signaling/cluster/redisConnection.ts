// Opens an ioredis connection and waits until it is up, so a wrong REDIS_URL
// fails at start with the reason rather than at the first command. After
// that ioredis reconnects by itself (and resubscribes a subscriber); errors
// while Redis is away are logged, never thrown at the process.
import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from '../log/logger.ts';

export async function connectRedis(
  url: string,
  purpose: string,
  logger: Logger | undefined,
  options: RedisOptions = {},
): Promise<Redis> {
  const redis = new Redis(url, { ...options, lazyConnect: true });
  // The cause of a failed first connection comes as an 'error' event; connect() only says "Connection is closed".
  let connectError: Error | undefined;
  const onConnectError = (error: Error) => (connectError = error);
  redis.on('error', onConnectError);
  try {
    await redis.connect();
  } catch (error) {
    redis.disconnect();
    const reason = (connectError ?? (error as Error)).message;
    throw new Error(`cannot reach Redis at REDIS_URL for ${purpose}: ${reason}`, { cause: error });
  }
  redis.off('error', onConnectError);
  redis.on('error', (error: Error) => logger?.warn({ err: error, purpose }, 'Redis connection error'));
  return redis;
}
