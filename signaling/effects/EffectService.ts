// The effects catalogue for one account, premium effects bought through the
// ledger, and the account's last choice. The pictures and sounds are made in
// the host's browser (web/src/studio/effects/); what the server guards is
// money and entitlement: a premium effect is paid once, in the transaction
// that records it, and a choice that uses a locked effect is refused.
//
// Once per account and effect, whatever the client resends: the ledger's
// idempotency key is the effect's id (`effect-<id>`), not a key of the
// client's, so two clicks, two tabs or a retried request after a lost answer
// all find the first payment and charge nothing more.
import type { Logger } from 'pino';
import type { Database } from '../../prisma/database.ts';
import { AppError } from '../errors.ts';
import { effectChoiceBody } from '../protocol/effectRequests.ts';
import {
  EFFECT_CATALOGUE,
  effectDefinition,
  EFFECTS_OFF,
  effectsUsed,
  type EffectChoice,
  type EffectDefinition,
  type EffectKind,
  type EffectUnlockReceipt,
  type EffectView,
} from '../protocol/effects.ts';
import type { Ledger } from '../wallet/Ledger.ts';
import { InsufficientBalanceError } from '../wallet/LedgerTypes.ts';

const TRANSACTION_OPTIONS = { maxWait: 15_000, timeout: 15_000 };

export class EffectService {
  readonly #database: Database;
  readonly #ledger: Ledger;
  readonly #logger: Logger;

  constructor(database: Database, ledger: Ledger, logger: Logger) {
    this.#database = database;
    this.#ledger = ledger;
    this.#logger = logger.child({ component: 'effects' });
  }

  /** The catalogue (of one kind, if asked), with what this account (or guest: free ones only) may use. */
  async list(userId: string | undefined, kind?: EffectKind): Promise<EffectView[]> {
    const unlocked = new Set(userId ? await this.unlockedIds(userId) : []);
    return EFFECT_CATALOGUE.filter((effect) => !kind || effect.kind === kind).map((effect) => ({
      ...effect,
      unlocked: effect.priceCoins === 0 || unlocked.has(effect.id),
    }));
  }

  async unlockedIds(userId: string): Promise<string[]> {
    const rows = await this.#database.effectUnlock.findMany({
      where: { userId },
      select: { effectId: true },
      orderBy: { createdAt: 'asc' },
    });
    return rows.map((row) => row.effectId);
  }

  /** Buys a premium effect once; free or owned ones charge nothing. */
  async unlock(userId: string, effectId: string): Promise<EffectUnlockReceipt> {
    const effect = knownEffect(effectId);
    if (effect.priceCoins === 0 || (await this.#owns(userId, effect.id))) {
      return { effectId: effect.id, charged: false, balance: await this.#balance(userId) };
    }
    await this.#ledger.ensureWallet(userId);
    try {
      return await this.#database.$transaction(async (tx) => {
        const receipt = await this.#ledger.spendWithin(tx, {
          userId,
          amount: effect.priceCoins,
          kind: 'effect_unlocked',
          idempotencyKey: `effect-${effect.id}`,
          reference: `effect:${effect.id}`,
        });
        // A twin request paid first (it waited for the wallet's lock): its row is there, nothing more to write.
        if (receipt.replayed) return { effectId: effect.id, charged: false, balance: receipt.balance };
        await tx.effectUnlock.create({ data: { userId, effectId: effect.id, transactionId: receipt.entry.id } });
        return { effectId: effect.id, charged: true, balance: receipt.balance };
      }, TRANSACTION_OPTIONS);
    } catch (error) {
      if (!(error instanceof InsufficientBalanceError)) throw error;
      const balance = await this.#balance(userId);
      throw new AppError(
        'INSUFFICIENT_COINS',
        `${effect.name} costs ${effect.priceCoins} coins and your wallet holds ${balance}`,
      );
    }
  }

  /** The account's last choice; all off when it has none (or a stored one no longer fits the catalogue). */
  async choice(userId: string): Promise<EffectChoice> {
    const row = await this.#database.effectChoice.findUnique({ where: { userId } });
    if (!row) return EFFECTS_OFF;
    let stored: unknown;
    try {
      stored = JSON.parse(row.choice);
    } catch {
      stored = undefined;
    }
    const parsed = effectChoiceBody.safeParse(stored);
    if (parsed.success) return parsed.data;
    this.#logger.warn({ userId }, 'a stored effect choice does not fit the catalogue: effects off');
    return EFFECTS_OFF;
  }

  /** Keeps the choice for next time; refused (EFFECT_LOCKED) when it uses a premium effect not unlocked. */
  async saveChoice(userId: string, choice: EffectChoice): Promise<EffectChoice> {
    const owned = new Set(await this.unlockedIds(userId));
    const locked = effectsUsed(choice)
      .map((id) => knownEffect(id))
      .filter((effect) => effect.priceCoins > 0 && !owned.has(effect.id));
    if (locked.length > 0) {
      const names = locked.map((effect) => `${effect.name} (${effect.priceCoins} coins)`).join(', ');
      throw new AppError('EFFECT_LOCKED', `unlock ${names} first`);
    }
    await this.#keep(userId, choice);
    return choice;
  }

  /**
   * Makes `url` the account's background picture (its choice keeps everything
   * else, including whether the picture is shown); answers the picture it
   * replaced, whose file the caller removes.
   */
  async setBackgroundImage(userId: string, url: string): Promise<{ choice: EffectChoice; replaced: string | null }> {
    const before = await this.choice(userId);
    const choice = { ...before, backgroundImage: url };
    await this.#keep(userId, choice);
    return { choice, replaced: before.backgroundImage === url ? null : before.backgroundImage };
  }

  async #keep(userId: string, choice: EffectChoice): Promise<void> {
    const stored = JSON.stringify(choice);
    await this.#database.effectChoice.upsert({
      where: { userId },
      create: { userId, choice: stored },
      update: { choice: stored },
    });
  }

  async #owns(userId: string, effectId: string): Promise<boolean> {
    const row = await this.#database.effectUnlock.findUnique({ where: { userId_effectId: { userId, effectId } } });
    return row !== null;
  }

  async #balance(userId: string): Promise<number> {
    return (await this.#ledger.summary(userId, 0)).balance;
  }
}

function knownEffect(effectId: string): EffectDefinition {
  const effect = effectDefinition(effectId);
  if (!effect) throw new AppError('NOT_FOUND', 'no such effect');
  return effect;
}
