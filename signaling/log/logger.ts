// Structured JSON logs (pino). Child loggers carry their context (room id,
// worker index) so a line tells where it came from.
import { pino, type Logger } from 'pino';

export type { Logger };

/** Keys whose values must never reach a log line, wherever they nest. */
const secretKeys = [
  'password',
  'token',
  'accessToken',
  'refreshToken',
  'secret',
  'credential',
  'authorization',
  'cookie',
];

export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'stagecast' },
    redact: {
      paths: [...secretKeys, ...secretKeys.map((key) => `*.${key}`), 'req.headers.authorization', 'req.headers.cookie'],
      censor: '[redacted]',
    },
  });
}
