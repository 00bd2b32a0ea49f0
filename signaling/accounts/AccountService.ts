// Accounts: sign-up, sign-in, token refresh and sign-out, profile and
// password. Access tokens are short-lived identity tokens (the format guests
// get, plus the account's role); refresh tokens rotate (RefreshTokens.ts).
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Database } from '../../prisma/database.ts';
import { prismaErrorCode, prismaErrorCodes } from '../../prisma/prismaErrors.ts';
import { signIdentityToken } from '../auth/identityToken.ts';
import { roles, type AccountUser, type PublicProfile, type Role } from '../protocol/accounts.ts';
import type { TokenKeys } from '../auth/tokenKeys.ts';
import { AppError } from '../errors.ts';
import { checkStoredRow } from '../storedRow.ts';
import type { ChangePasswordBody, LoginBody, ProfileChanges, RegisterBody } from '../protocol/accountRequests.ts';
import type { AccountServiceOptions, SignIn } from './AccountTypes.ts';
import { hashPassword, needsRehash, verifyPassword } from './passwordHash.ts';
import { RefreshTokens } from './RefreshTokens.ts';

const DEFAULT_ACCESS_TOKEN_TTL_S = 15 * 60;
const DEFAULT_REFRESH_TOKEN_TTL_S = 30 * 24 * 3600;

/** A User row as read (without the password hash). */
export interface UserRow {
  id: string;
  email: string;
  displayName: string;
  role: string;
  bio: string;
  avatarUrl: string | null;
  createdAt: Date;
}

export class AccountService {
  readonly #database: Database;
  readonly #tokenKeys: TokenKeys;
  readonly #logger: Logger;
  readonly #accessTokenTtlS: number;
  readonly #refreshTokens: RefreshTokens;
  /** Hash checked when no account matches, so a wrong email costs as long as a wrong password. */
  #decoyHash: Promise<string> | undefined;

  constructor(database: Database, tokenKeys: TokenKeys, logger: Logger, options: AccountServiceOptions = {}) {
    this.#database = database;
    this.#tokenKeys = tokenKeys;
    this.#logger = logger.child({ component: 'accounts' });
    this.#accessTokenTtlS = options.accessTokenTtlS ?? DEFAULT_ACCESS_TOKEN_TTL_S;
    this.#refreshTokens = new RefreshTokens(
      database,
      this.#logger,
      options.refreshTokenTtlS ?? DEFAULT_REFRESH_TOKEN_TTL_S,
    );
  }

  /** A new account (role user) with an empty wallet, signed in. */
  async register(body: RegisterBody): Promise<SignIn> {
    const passwordHash = await hashPassword(body.password);
    try {
      const user = await this.#database.user.create({
        data: { email: body.email, displayName: body.displayName, passwordHash, wallet: { create: {} } },
      });
      this.#logger.info({ userId: user.id }, 'account registered');
      return await this.#signIn(user);
    } catch (error) {
      if (prismaErrorCode(error) === prismaErrorCodes.uniqueViolation) {
        throw new AppError('CONFLICT', 'an account with this email already exists');
      }
      throw error;
    }
  }

  async login(body: LoginBody): Promise<SignIn> {
    const user = await this.#database.user.findUnique({ where: { email: body.email } });
    if (!user) {
      await verifyPassword(body.password, await this.#decoy());
      throw wrongCredentials();
    }
    if (!(await verifyPassword(body.password, user.passwordHash))) throw wrongCredentials();
    if (needsRehash(user.passwordHash)) {
      await this.#database.user.update({
        where: { id: user.id },
        data: { passwordHash: await hashPassword(body.password) },
      });
    }
    return this.#signIn(user);
  }

  /** Rotates the refresh token and mints an access token from the account as it is now. */
  async refresh(refreshToken: string | undefined): Promise<SignIn> {
    const { userId, grant } = await this.#refreshTokens.rotate(refreshToken);
    const user = await this.#database.user.findUnique({ where: { id: userId } });
    if (!user) throw new AppError('UNAUTHENTICATED', 'sign in again (account not found)');
    return this.#signIn(user, grant);
  }

  async logout(refreshToken: string | undefined): Promise<void> {
    await this.#refreshTokens.revokeFamilyOf(refreshToken);
  }

  async user(userId: string): Promise<AccountUser> {
    return toAccountUser(await this.#findUser(userId), this.#logger);
  }

  async publicProfile(userId: string): Promise<PublicProfile> {
    const user = await this.#findUser(userId);
    return {
      userId: user.id,
      displayName: user.displayName,
      bio: user.bio,
      avatarUrl: user.avatarUrl,
      createdAt: user.createdAt.toISOString(),
    };
  }

  /** Also returns a fresh access token: the old one carries the old display name. */
  async updateProfile(userId: string, changes: ProfileChanges): Promise<{ token: string; user: AccountUser }> {
    await this.#findUser(userId);
    const user = await this.#database.user.update({ where: { id: userId }, data: changes });
    return { token: await this.#accessToken(user), user: toAccountUser(user, this.#logger) };
  }

  /**
   * An uploaded picture as the avatar (`url` where it is served); answers the
   * account and the stored picture it replaced, if the old avatar was one.
   */
  async setAvatar(
    userId: string,
    url: string,
    storedNameOf: (url: string | null) => string | undefined,
  ): Promise<{ user: AccountUser; replaced: string | undefined }> {
    const before = await this.#findUser(userId);
    const user = await this.#database.user.update({ where: { id: userId }, data: { avatarUrl: url } });
    return { user: toAccountUser(user, this.#logger), replaced: storedNameOf(before.avatarUrl) };
  }

  /** Every sign-in of the account is revoked; the caller gets a new one. */
  async changePassword(userId: string, body: ChangePasswordBody): Promise<SignIn> {
    const user = await this.#database.user.findUnique({ where: { id: userId } });
    if (!user) throw new AppError('NOT_FOUND', 'no such user');
    if (!(await verifyPassword(body.currentPassword, user.passwordHash))) {
      throw new AppError('NOT_ALLOWED', 'the current password is wrong');
    }
    const passwordHash = await hashPassword(body.newPassword);
    const grant = await this.#database.$transaction(async (tx) => {
      await tx.user.update({ where: { id: userId }, data: { passwordHash } });
      await this.#refreshTokens.revokeAllOf(userId, tx);
      return this.#refreshTokens.issue(userId, tx);
    });
    this.#logger.info({ userId }, 'password changed: other sign-ins revoked');
    return this.#signIn(user, grant);
  }

  async #signIn(user: UserRow, grant?: SignIn['refresh']): Promise<SignIn> {
    return {
      token: await this.#accessToken(user),
      expiresInS: this.#accessTokenTtlS,
      user: toAccountUser(user, this.#logger),
      refresh: grant ?? (await this.#refreshTokens.issue(user.id)),
    };
  }

  #accessToken(user: UserRow): Promise<string> {
    return signIdentityToken(
      { userId: user.id, displayName: user.displayName, role: roleOf(user, this.#logger) },
      this.#tokenKeys,
      this.#accessTokenTtlS,
    );
  }

  async #findUser(userId: string): Promise<UserRow> {
    const user = await this.#database.user.findUnique({ where: { id: userId } });
    if (!user) throw new AppError('NOT_FOUND', 'no such user');
    return user;
  }

  #decoy(): Promise<string> {
    this.#decoyHash ??= hashPassword('decoy password, never matches anything useful');
    return this.#decoyHash;
  }
}

/** The column a User row stores as a string. */
const userColumns = z.object({ role: z.enum(roles) });

/**
 * The account's role. One outside the set is an INTERNAL error: granting
 * "user" instead would hide a broken row (and a role this version does not
 * know may be meant to grant more, or less).
 */
function roleOf(user: UserRow, logger: Logger): Role {
  return checkStoredRow(userColumns, user, `User ${user.id}`, logger).role;
}

/** An account as the API shows it; a row whose role does not parse is an INTERNAL error. */
export function toAccountUser(user: UserRow, logger: Logger): AccountUser {
  return {
    userId: user.id,
    email: user.email,
    displayName: user.displayName,
    role: roleOf(user, logger),
    bio: user.bio,
    avatarUrl: user.avatarUrl,
    createdAt: user.createdAt.toISOString(),
  };
}

function wrongCredentials(): AppError {
  return new AppError('UNAUTHENTICATED', 'wrong email or password');
}
