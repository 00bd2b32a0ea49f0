// Banners an account keeps to show again: the producer's lower thirds
// ("Ada Lovelace · first programmer") typed once, picked from a list in
// later shows. Kept per account (a channel is its owner's stage), at most
// MAX_SAVED_BANNERS, newest first; saving the same words again keeps one.
import type { Database } from '../../prisma/database.ts';
import { AppError } from '../errors.ts';
import { MAX_SAVED_BANNERS, type SavedBannerView } from '../protocol/index.ts';

export class SavedBanners {
  readonly #database: Database;

  constructor(database: Database) {
    this.#database = database;
  }

  async list(ownerId: string): Promise<SavedBannerView[]> {
    const rows = await this.#database.savedBanner.findMany({
      where: { ownerId },
      orderBy: { createdAt: 'desc' },
      take: MAX_SAVED_BANNERS,
    });
    return rows.map(toView);
  }

  /** Keeps `text` (already kept: the one saved before); past the limit: LIMIT_REACHED, nothing written. */
  async save(ownerId: string, text: string): Promise<SavedBannerView> {
    return this.#database.$transaction(async (tx) => {
      const existing = await tx.savedBanner.findUnique({ where: { ownerId_text: { ownerId, text } } });
      if (existing) return toView(existing);
      if ((await tx.savedBanner.count({ where: { ownerId } })) >= MAX_SAVED_BANNERS) {
        throw new AppError('LIMIT_REACHED', `you keep ${MAX_SAVED_BANNERS} banners at most: delete one first`);
      }
      return toView(await tx.savedBanner.create({ data: { ownerId, text } }));
    });
  }

  /** Deletes one of the owner's banners (another's, or none: NOT_FOUND). */
  async remove(ownerId: string, id: string): Promise<void> {
    const { count } = await this.#database.savedBanner.deleteMany({ where: { id, ownerId } });
    if (count === 0) throw new AppError('NOT_FOUND', 'no such saved banner');
  }
}

function toView(row: { id: string; text: string; createdAt: Date }): SavedBannerView {
  return { id: row.id, text: row.text, createdAt: row.createdAt.toISOString() };
}
