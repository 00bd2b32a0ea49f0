// The HTTP boundary's one error handler: every error leaves as
// `{ ok: false, error: { code, message } }` with the matching status.
import type { ErrorRequestHandler, Request } from 'express';
import type { Logger } from 'pino';
import type { z } from 'zod';
import { AppError, httpStatusByCode, RateLimitedError, toProtocolError } from '../errors.ts';

export function parseBody<S extends z.ZodType>(schema: S, req: Request): z.infer<S> {
  return parseInput(schema, req.body ?? {});
}

export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
  throw new AppError('INVALID_INPUT', `${where}${issue?.message ?? 'invalid input'}`);
}

export function httpErrorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    let appError = error;
    // body-parser's errors (malformed JSON, too large) carry a 4xx status.
    const status = (error as { status?: unknown }).status;
    if (!(error instanceof AppError) && typeof status === 'number' && status >= 400 && status < 500) {
      appError = new AppError('INVALID_INPUT', status === 413 ? 'request body too large' : 'malformed request body');
    }
    const body = toProtocolError(appError);
    if (body.code === 'INTERNAL') logger.error({ err: error, method: req.method, path: req.path }, 'request failed');
    // Every 429 says when to come back (1 s when the limit did not say).
    if (body.code === 'RATE_LIMITED' && !res.get('Retry-After')) {
      const retryAfterMs = error instanceof RateLimitedError ? error.retryAfterMs : 1000;
      res.set('Retry-After', String(Math.max(1, Math.ceil(retryAfterMs / 1000))));
    }
    res.status(httpStatusByCode[body.code]).json({ ok: false, error: body });
  };
}
