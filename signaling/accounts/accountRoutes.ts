// HTTP routes for accounts. Each handler validates its body, states what it
// needs from the caller (nothing, a valid refresh cookie, an account) and
// calls one AccountService action. The refresh token never appears in a
// body; access tokens never in a cookie.
import { Router, type Request, type Response } from 'express';
import { authenticate, requireAccount } from '../auth/authenticate.ts';
import type { TokenKeys } from '../auth/tokenKeys.ts';
import type { StoredImages } from '../http/StoredImages.ts';
import { parseBody, parseInput } from '../http/httpErrors.ts';
import { AppError } from '../errors.ts';
import { FailedAttemptLimit, type FailureLimit } from '../limits/FailedAttemptLimit.ts';
import { ipRateLimit } from '../limits/ipRateLimit.ts';
import type { LimitStore, RateLimit } from '../limits/rateLimits.ts';
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
  /** Overrides of ACCOUNT_RATE_LIMITS. */
  rateLimits?: Partial<AccountRateLimits>;
  /** Where the limits count (cluster mode: Redis, shared by every node). Default: memory. */
  limitStore?: LimitStore;
  /** Where uploaded avatars are kept (DATA_DIR/avatars). */
  avatars: StoredImages;
}

/**
 * Each credential route has its own per-address bucket (a burst of sign-ups
 * does not lock the address out of signing in), and the routes that check a
 * password also count wrong passwords per account, so guessing one account's
 * password from many addresses is as slow as from one. Only failures count,
 * and a success forgets them (FailedAttemptLimit.ts).
 */
export interface AccountRateLimits {
  /** Per address. */
  login: RateLimit;
  /** Wrong passwords per account (its normalised email, whether or not it exists). */
  loginPerAccount: FailureLimit;
  /** Per address. */
  register: RateLimit;
  /** Per address. */
  changePassword: RateLimit;
  /** Wrong current passwords per account (user id). */
  changePasswordPerAccount: FailureLimit;
  /** Refresh and sign-out, per address (unguessable tokens, but database writes). */
  tokens: RateLimit;
  /** Avatar uploads, per address (each writes a file). */
  avatars: RateLimit;
}

export const ACCOUNT_RATE_LIMITS: AccountRateLimits = {
  login: { burst: 20, perS: 1 / 3 },
  loginPerAccount: { failures: 10, windowS: 600 },
  register: { burst: 20, perS: 1 / 3 },
  changePassword: { burst: 20, perS: 1 / 3 },
  changePasswordPerAccount: { failures: 10, windowS: 600 },
  tokens: { burst: 60, perS: 1 },
  avatars: { burst: 10, perS: 1 / 6 },
};

/** Where uploaded avatars are served; an avatarUrl under it names a stored picture. */
const AVATAR_PATH = '/api/avatars/';

/** The stored picture an avatarUrl names, if it is an uploaded one. */
function storedAvatarName(url: string | null): string | undefined {
  return url?.startsWith(AVATAR_PATH) ? url.slice(AVATAR_PATH.length) : undefined;
}

const userIdParam = entityId;

export function accountRoutes(accounts: AccountService, options: AccountRoutesOptions): Router {
  const router = Router();
  const limits = { ...ACCOUNT_RATE_LIMITS, ...options.rateLimits };
  const store = options.limitStore;
  const loginLimit = ipRateLimit('account-login', limits.login, store);
  const registerLimit = ipRateLimit('account-register', limits.register, store);
  const changePasswordLimit = ipRateLimit('account-change-password', limits.changePassword, store);
  const tokenLimit = ipRateLimit('account-tokens', limits.tokens, store);
  const avatarLimit = ipRateLimit('account-avatars', limits.avatars, store);
  const { avatars } = options;
  const loginPerAccount = new FailedAttemptLimit(
    'account-login-failures',
    limits.loginPerAccount,
    'too many wrong passwords for this account: try again later',
    store,
  );
  const changePasswordPerAccount = new FailedAttemptLimit(
    'account-change-password-failures',
    limits.changePasswordPerAccount,
    'too many wrong passwords for this account: try again later',
    store,
  );
  const wrongPassword = (error: unknown) => error instanceof AppError && error.code === 'UNAUTHENTICATED';
  const caller = async (req: Request) => requireAccount(await authenticate(req, options.tokenSecret));
  const ok = (data: unknown) => ({ ok: true, data });
  const signedIn = (res: Response, signIn: SignIn, status = 200) => {
    setRefreshCookie(res, signIn.refresh, options.secureCookies);
    res
      .status(status)
      .set('Cache-Control', 'no-store')
      .json(ok({ token: signIn.token, expiresInS: signIn.expiresInS, user: signIn.user }));
  };

  router.post('/api/auth/register', registerLimit, async (req, res) => {
    signedIn(res, await accounts.register(parseBody(registerBody, req)), 201);
  });

  router.post('/api/auth/login', loginLimit, async (req, res) => {
    const body = parseBody(loginBody, req);
    // The email is normalised by the schema (trimmed, lower-case).
    signedIn(res, await loginPerAccount.attempt(body.email, () => accounts.login(body), wrongPassword));
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
    const changes = parseBody(profileBody, req);
    const before = changes.avatarUrl === undefined ? undefined : await accounts.user(userId);
    const updated = await accounts.updateProfile(userId, changes);
    // An uploaded picture replaced by a link or removed: its file goes too.
    const replaced = storedAvatarName(before?.avatarUrl ?? null);
    if (replaced && before?.avatarUrl !== updated.user.avatarUrl) await avatars.remove(replaced);
    res.json(ok(updated));
  });

  router.post('/api/auth/change-password', changePasswordLimit, async (req, res) => {
    const { userId } = await caller(req);
    const change = parseBody(changePasswordBody, req);
    signedIn(
      res,
      await changePasswordPerAccount.attempt(userId, () => accounts.changePassword(userId, change), wrongPassword),
    );
  });

  router.put('/api/auth/avatar', avatarLimit, avatars.rawBody(), async (req, res) => {
    const { userId } = await caller(req);
    const name = await avatars.store(userId, avatars.bytesOf(req));
    try {
      const { user, replaced } = await accounts.setAvatar(userId, `${AVATAR_PATH}${name}`, storedAvatarName);
      if (replaced) await avatars.remove(replaced);
      res.json(ok(user));
    } catch (error) {
      await avatars.remove(name);
      throw error;
    }
  });

  router.get(`${AVATAR_PATH}:name`, (req, res) => {
    avatars.send(res, String(req.params.name));
  });

  router.get('/api/users/:id/profile', async (req, res) => {
    res.json(ok(await accounts.publicProfile(parseInput(userIdParam, req.params.id))));
  });

  return router;
}
