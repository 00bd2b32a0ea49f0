// Gifts: who may send what to whom, and what happens once it is written.
// A signed-in account sends a catalogue gift to a live session's primary
// host; during that session's live battle it scores for that side (the
// receiving host is the side's primary host). The coins, the Gift row and
// the score are one transaction (GiftWriter); the pushes follow the commit.
import type { Logger } from 'pino';
import type { Identity } from '../auth/identityToken.ts';
import { AppError } from '../errors.ts';
import type { SessionService } from '../multihost/SessionService.ts';
import {
  isGuestUserId,
  type GiftReceipt,
  type GiftRequest,
  type GiftTypeView,
  type GiftView,
} from '../protocol/index.ts';
import type { Ledger } from '../wallet/Ledger.ts';
import { GiftFeed, type GiftLook } from './GiftFeed.ts';
import type { GiftPushes } from './GiftPushes.ts';
import type { GiftWriter } from './GiftWriter.ts';

/** What gifts need of battles (BattleService). */
export interface BattleGifts {
  /** The battle a session is in while it scores (live), with its sides. */
  liveBattleOf(sessionId: string): { id: string; sides: readonly { sessionId: string; hostId: string }[] } | undefined;
  /** A gift that scored in a battle was committed. */
  giftAccepted(gift: GiftView, look: GiftLook): void;
}

/** The catalogue changes only with a migration; re-read now and then all the same. */
const CATALOGUE_TTL_MS = 60_000;

export interface GiftServiceOptions {
  writer: GiftWriter;
  ledger: Ledger;
  sessions: SessionService;
  battles: BattleGifts;
  pushes: GiftPushes;
  logger: Logger;
}

export class GiftService {
  readonly #writer: GiftWriter;
  readonly #ledger: Ledger;
  readonly #sessions: SessionService;
  readonly #battles: BattleGifts;
  readonly #pushes: GiftPushes;
  readonly #logger: Logger;
  readonly #feeds = new Map<string, GiftFeed>();
  #catalogue: { types: Map<string, GiftTypeView>; readAtMs: number } | undefined;

  constructor(options: GiftServiceOptions) {
    this.#writer = options.writer;
    this.#ledger = options.ledger;
    this.#sessions = options.sessions;
    this.#battles = options.battles;
    this.#pushes = options.pushes;
    this.#logger = options.logger.child({ component: 'gifts' });
    this.#sessions.on('ended', (session) => {
      this.#feeds.get(session.id)?.close();
      this.#feeds.delete(session.id);
    });
  }

  async catalogue(): Promise<GiftTypeView[]> {
    return [...(await this.#catalogueTypes()).values()];
  }

  async send(caller: Identity, request: GiftRequest): Promise<GiftReceipt> {
    if (caller.role === undefined || isGuestUserId(caller.userId)) {
      throw new AppError('UNAUTHENTICATED', 'sign in with an account to send gifts');
    }
    const giftType = (await this.#catalogueTypes()).get(request.giftTypeId);
    if (!giftType) throw new AppError('INVALID_INPUT', `giftTypeId: no gift "${request.giftTypeId}"`);

    const battle = this.#battles.liveBattleOf(request.sessionId);
    if (request.battleId !== undefined && battle?.id !== request.battleId) {
      throw new AppError('BATTLE_NOT_ACTIVE', 'the battle is not live: the gift was not sent');
    }
    let receiverId: string;
    if (battle) {
      receiverId = battle.sides.find((side) => side.sessionId === request.sessionId)!.hostId;
    } else {
      const session = this.#sessions.find(request.sessionId);
      if (!session || session.status !== 'live') throw new AppError('CONFLICT', 'the session is not live');
      receiverId = session.primaryHostId;
    }
    if (isGuestUserId(receiverId)) {
      throw new AppError('NOT_ALLOWED', 'this host is signed in as a guest and cannot receive gifts');
    }
    if (receiverId === caller.userId) throw new AppError('INVALID_INPUT', 'you cannot send gifts to yourself');

    const written = await this.#writer.write({
      senderId: caller.userId,
      senderName: caller.displayName,
      clientGiftId: request.clientGiftId,
      receiverId,
      sessionId: request.sessionId,
      battleId: battle?.id ?? null,
      giftTypeId: giftType.id,
      quantity: request.quantity,
      unitValue: giftType.coinValue,
    });
    if (!written.replayed) this.#announce(written.gift, giftType);
    return written;
  }

  #announce(gift: GiftView, look: GiftLook): void {
    if (gift.battleId) {
      this.#battles.giftAccepted(gift, look);
      return;
    }
    let feed = this.#feeds.get(gift.sessionId);
    if (!feed) {
      const sessionId = gift.sessionId;
      feed = new GiftFeed((streaks, omitted) => this.#pushes.sessionGifts({ sessionId, streaks, omitted }));
      this.#feeds.set(sessionId, feed);
    }
    feed.add(gift, look);
  }

  async #catalogueTypes(): Promise<Map<string, GiftTypeView>> {
    if (this.#catalogue && Date.now() - this.#catalogue.readAtMs < CATALOGUE_TTL_MS) return this.#catalogue.types;
    const types = new Map((await this.#ledger.giftTypes()).map((type) => [type.id, type]));
    this.#catalogue = { types, readAtMs: Date.now() };
    this.#logger.debug({ gifts: types.size }, 'gift catalogue read');
    return types;
  }

  close(): void {
    for (const feed of this.#feeds.values()) feed.close();
    this.#feeds.clear();
  }
}
