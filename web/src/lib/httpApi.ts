// The HTTP API as the browser calls it: JSON in, `{ ok, data | error }` out,
// Bearer identity token. Failures become an ApiError carrying the protocol's
// error code, so callers branch on codes, not on status numbers.
import type { Ack, ErrorCode } from '../../../signaling/protocol/index.ts';
import { usableToken } from './accessToken.ts';

export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface ApiCall {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as it is (an upload), with `contentType`. */
  rawBody?: Blob;
  contentType?: string;
  /** An account's token is swapped for its renewed one when needed (accessToken.ts). */
  token?: string | undefined;
}

export async function callApi<T>(
  path: string,
  { method = 'GET', body, rawBody, contentType, token }: ApiCall = {},
): Promise<T> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (rawBody !== undefined && contentType) headers['content-type'] = contentType;
  const current = await usableToken(token);
  if (current) headers.authorization = `Bearer ${current}`;
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      ...(body !== undefined ? { body: JSON.stringify(body) } : rawBody !== undefined ? { body: rawBody } : {}),
    });
  } catch (error) {
    throw new ApiError('UNAVAILABLE', `cannot reach the server (${(error as Error).message})`);
  }
  let result: Ack<T>;
  try {
    result = (await response.json()) as Ack<T>;
  } catch {
    throw new ApiError('INTERNAL', `unexpected answer from the server (HTTP ${response.status})`);
  }
  if (!result.ok) throw new ApiError(result.error.code, result.error.message);
  return result.data;
}
