// The store the configuration asks for: Redis sorted sets shared by every
// node when REDIS_URL is set, else this process's memory.
import type { Config } from '../../config/config.ts';
import type { Logger } from '../../log/logger.ts';
import { InProcessLeaderboard } from './InProcessLeaderboard.ts';
import type { Leaderboard } from './Leaderboard.ts';
import { RedisLeaderboard } from './RedisLeaderboard.ts';

export async function leaderboardFromConfig(config: Pick<Config, 'redisUrl'>, logger: Logger): Promise<Leaderboard> {
  if (!config.redisUrl) return new InProcessLeaderboard();
  return RedisLeaderboard.connect(config.redisUrl, { logger });
}
