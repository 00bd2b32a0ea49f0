// Refresh tokens: opaque random strings handed out in a cookie; only their
// SHA-256 is stored. Each sign-in starts a family; every refresh rotates the
// token (the old row is revoked and points at the new one). A revoked token
// presented again means someone kept a copy, the thief or the owner, and
// the server cannot tell which: the whole family (that sign-in) is revoked.
import crypto from 'node:crypto';
import type { Logger } from 'pino';
import type { Database } from '../../prisma/database.ts';
import { AppError } from '../errors.ts';
import type { RefreshGrant } from './AccountTypes.ts';

type Writer = Pick<Database, 'refreshToken'>;

export class RefreshTokens {
  readonly #database: Database;
  readonly #logger: Logger;
  readonly #ttlMs: number;

  constructor(database: Database, logger: Logger, ttlS: number) {
    this.#database = database;
    this.#logger = logger;
    this.#ttlMs = ttlS * 1000;
  }

  /** A token in a new family (a sign-in). Also drops the user's expired rows. */
  async issue(userId: string, writer: Writer = this.#database, now = new Date()): Promise<RefreshGrant> {
    await writer.refreshToken.deleteMany({ where: { userId, expiresAt: { lt: now } } });
    const grant = this.#newGrant(now);
    await writer.refreshToken.create({
      data: { userId, familyId: crypto.randomUUID(), tokenHash: hashToken(grant.token), expiresAt: grant.expiresAt },
    });
    return grant;
  }

  /** Exchanges a valid token for its successor; reuse revokes the family. 401 otherwise. */
  async rotate(presented: string | undefined, now = new Date()): Promise<{ userId: string; grant: RefreshGrant }> {
    const row = presented
      ? await this.#database.refreshToken.findUnique({ where: { tokenHash: hashToken(presented) } })
      : null;
    if (!row) throw invalid();
    if (row.revokedAt) {
      await this.#revokeReused(row);
      throw invalid();
    }
    if (row.expiresAt <= now) throw invalid();

    const grant = this.#newGrant(now);
    const rotated = await this.#database.$transaction(async (tx) => {
      // Conditional: of two requests racing with the same token, one wins.
      const claimed = await tx.refreshToken.updateMany({
        where: { id: row.id, revokedAt: null },
        data: { revokedAt: now },
      });
      if (claimed.count === 0) return false;
      const next = await tx.refreshToken.create({
        data: {
          userId: row.userId,
          familyId: row.familyId,
          tokenHash: hashToken(grant.token),
          expiresAt: grant.expiresAt,
        },
      });
      await tx.refreshToken.update({ where: { id: row.id }, data: { replacedBy: next.id } });
      return true;
    });
    if (!rotated) {
      await this.#revokeReused(row);
      throw invalid();
    }
    return { userId: row.userId, grant };
  }

  /** Sign-out: revokes the token's family. Unknown tokens are ignored. */
  async revokeFamilyOf(presented: string | undefined, now = new Date()): Promise<void> {
    if (!presented) return;
    const row = await this.#database.refreshToken.findUnique({ where: { tokenHash: hashToken(presented) } });
    if (row) await this.#revokeFamily(row.familyId, now);
  }

  /** Every sign-in of the user (e.g. after a password change). */
  async revokeAllOf(userId: string, writer: Writer = this.#database, now = new Date()): Promise<void> {
    await writer.refreshToken.updateMany({ where: { userId, revokedAt: null }, data: { revokedAt: now } });
  }

  async #revokeReused(row: { userId: string; familyId: string }): Promise<void> {
    await this.#revokeFamily(row.familyId, new Date());
    this.#logger.warn({ userId: row.userId, familyId: row.familyId }, 'revoked refresh token reused: sign-in revoked');
  }

  async #revokeFamily(familyId: string, now: Date): Promise<void> {
    await this.#database.refreshToken.updateMany({ where: { familyId, revokedAt: null }, data: { revokedAt: now } });
  }

  #newGrant(now: Date): RefreshGrant {
    return { token: crypto.randomBytes(32).toString('base64url'), expiresAt: new Date(now.getTime() + this.#ttlMs) };
  }
}

/** A 256-bit random token needs no slow hash: SHA-256 makes a stolen table useless. */
function hashToken(token: string): string {
  return crypto.createHash('sha256').update(token).digest('hex');
}

function invalid(): AppError {
  return new AppError('UNAUTHENTICATED', 'sign in again (missing, expired or revoked refresh token)');
}
