// HTTP helpers for tests of accounts: JSON requests with a bearer token and
// the refresh cookie, and sign-up in one call.
import { REFRESH_COOKIE, type AccountUser } from '../signaling/protocol/index.ts';

export interface HttpResult<T = unknown> {
  status: number;
  body: { ok: true; data: T } | { ok: false; error: { code: string; message: string } };
  /** The refresh cookie's Set-Cookie header, if the response set or cleared it. */
  refreshSetCookie: string | undefined;
  /** The refresh token the response set ('' when it cleared the cookie). */
  refreshToken: string | undefined;
}

export async function request<T = unknown>(
  baseUrl: string,
  method: string,
  path: string,
  options: { token?: string; refreshToken?: string; body?: unknown; forwardedFor?: string } = {},
): Promise<HttpResult<T>> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: {
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...(options.refreshToken ? { cookie: `${REFRESH_COOKIE}=${options.refreshToken}` } : {}),
      // Through a server with TRUST_PROXY=loopback: many users from many addresses (per-address limits).
      ...(options.forwardedFor ? { 'x-forwarded-for': options.forwardedFor } : {}),
      ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body:
      options.body === undefined
        ? undefined
        : typeof options.body === 'string'
          ? options.body
          : JSON.stringify(options.body),
  });
  const refreshSetCookie = response.headers.getSetCookie().find((cookie) => cookie.startsWith(`${REFRESH_COOKIE}=`));
  const refreshToken = refreshSetCookie?.slice(REFRESH_COOKIE.length + 1).split(';')[0];
  return { status: response.status, body: (await response.json()) as never, refreshSetCookie, refreshToken };
}

export interface SignedInAccount {
  token: string;
  refreshToken: string;
  user: AccountUser;
  email: string;
  password: string;
}

let accountCount = 0;

/** Registers a fresh account (unique email) and returns its tokens. */
export async function registerAccount(
  baseUrl: string,
  fields: { email?: string; password?: string; displayName?: string; forwardedFor?: string } = {},
): Promise<SignedInAccount> {
  accountCount += 1;
  const email = fields.email ?? `user${accountCount}-${process.pid}@example.test`;
  const password = fields.password ?? 'correct horse battery';
  const result = await request<{ token: string; user: AccountUser }>(baseUrl, 'POST', '/api/auth/register', {
    body: { email, password, displayName: fields.displayName ?? `User ${accountCount}` },
    ...(fields.forwardedFor ? { forwardedFor: fields.forwardedFor } : {}),
  });
  if (!result.body.ok || !result.refreshToken) throw new Error(`register failed: ${JSON.stringify(result.body)}`);
  return {
    token: result.body.data.token,
    refreshToken: result.refreshToken,
    user: result.body.data.user,
    email,
    password,
  };
}
