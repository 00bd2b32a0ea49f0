// The refresh token travels only in this cookie: httpOnly (scripts cannot
// read it), SameSite=Strict (other sites cannot send it) and scoped to
// /api/auth (no other request carries it).
import type { CookieOptions, Request, Response } from 'express';
import { REFRESH_COOKIE } from '../protocol/accounts.ts';
import type { RefreshGrant } from './AccountTypes.ts';

function cookieOptions(secure: boolean): CookieOptions {
  return { httpOnly: true, sameSite: 'strict', secure, path: '/api/auth' };
}

export function setRefreshCookie(res: Response, grant: RefreshGrant, secure: boolean): void {
  res.cookie(REFRESH_COOKIE, grant.token, { ...cookieOptions(secure), expires: grant.expiresAt });
}

export function clearRefreshCookie(res: Response, secure: boolean): void {
  res.clearCookie(REFRESH_COOKIE, cookieOptions(secure));
}

export function readRefreshCookie(req: Request): string | undefined {
  for (const pair of (req.get('cookie') ?? '').split(';')) {
    const separator = pair.indexOf('=');
    if (separator > 0 && pair.slice(0, separator).trim() === REFRESH_COOKIE) {
      const value = pair.slice(separator + 1).trim();
      // Our tokens are base64url; anything else is not ours.
      return /^[A-Za-z0-9_-]{1,200}$/.test(value) ? value : undefined;
    }
  }
  return undefined;
}
