// HTTP routes for accounts. Each handler validates its body, states what it
// needs from the caller (nothing, a valid refresh cookie, an account) and
// calls one AccountService action. The refresh token never appears in a
// body; access tokens never in a cookie.
import { Router, type Request, type Response } from 'express';
import { authenticate, requireAccount } from '../auth/authenticate.ts';
import type { TokenKeys } from '../auth/tokenKeys.ts';
import { parseBody, parseInput } from '../http/httpErrors.ts';
import { ipRateLimit } from '../limits/ipRateLimit.ts';
import type { RateLimit } from '../limits/rateLimits.ts';
import { changePasswordBody, loginBody, profileBody, registerBody } from '../protocol/accountRequests.ts';
import type { AccountService } from './AccountService.ts';
import type { SignIn } from './AccountTypes.ts';
import { clearRefreshCookie, readRefreshCookie, setRefreshCookie } from './refreshCookie.ts';
import { entityId } from '../protocol/commonRequests.ts';

export interface AccountRoutesOptions {
  /** The keys that verify access tokens (named for the secret they come from: TOKEN_SECRET). */
  tokenSecret: TokenKeys;
  /** Mark the refresh cookie Secure (HTTPS only). Set it in production. */
  secureCookies: boolean;
  /** Per-address limits. */
  rateLimits?: {
    /** Routes that check a password or create an account. Default: bursts of 20, then one every 3 s. */
    credentials?: RateLimit;
    /** Refresh and sign-out (unguessable tokens, but database writes). Default: bursts of 60, then 1/s. */
    tokens?: RateLimit;
  };
}

const userIdParam = entityId;

export function accountRoutes(accounts: AccountService, options: AccountRoutesOptions): Router {
  const router = Router();
  const credentialLimit = ipRateLimit(
    'account-credentials',
    options.rateLimits?.credentials ?? { burst: 20, perS: 1 / 3 },
  );
  const tokenLimit = ipRateLimit('account-tokens', options.rateLimits?.tokens ?? { burst: 60, perS: 1 });
  const caller = async (req: Request) => requireAccount(await authenticate(req, options.tokenSecret));
  const ok = (data: unknown) => ({ ok: true, data });
  const signedIn = (res: Response, signIn: SignIn, status = 200) => {
    setRefreshCookie(res, signIn.refresh, options.secureCookies);
    res
      .status(status)
      .set('Cache-Control', 'no-store')
      .json(ok({ token: signIn.token, expiresInS: signIn.expiresInS, user: signIn.user }));
  };

  router.post('/api/auth/register', credentialLimit, async (req, res) => {
    signedIn(res, await accounts.register(parseBody(registerBody, req)), 201);
  });

  router.post('/api/auth/login', credentialLimit, async (req, res) => {
    signedIn(res, await accounts.login(parseBody(loginBody, req)));
  });

  router.post('/api/auth/refresh', tokenLimit, async (req, res) => {
    try {
      signedIn(res, await accounts.refresh(readRefreshCookie(req)));
    } catch (error) {
      clearRefreshCookie(res, options.secureCookies);
      throw error;
    }
  });

  router.post('/api/auth/logout', tokenLimit, async (req, res) => {
    await accounts.logout(readRefreshCookie(req));
    clearRefreshCookie(res, options.secureCookies);
    res.json(ok(null));
  });

  router.get('/api/auth/user', async (req, res) => {
    res.set('Cache-Control', 'no-store').json(ok(await accounts.user((await caller(req)).userId)));
  });

  router.put('/api/auth/profile', async (req, res) => {
    const { userId } = await caller(req);
    res.json(ok(await accounts.updateProfile(userId, parseBody(profileBody, req))));
  });

  router.post('/api/auth/change-password', credentialLimit, async (req, res) => {
    const { userId } = await caller(req);
    signedIn(res, await accounts.changePassword(userId, parseBody(changePasswordBody, req)));
  });

  router.get('/api/users/:id/profile', async (req, res) => {
    res.json(ok(await accounts.publicProfile(parseInput(userIdParam, req.params.id))));
  });

  return router;
}
