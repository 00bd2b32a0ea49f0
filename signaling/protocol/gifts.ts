// Gifts: a viewer's coins to a session's host, from the catalogue. Each
// request is one ledger transaction, idempotent on the sender's clientGiftId.
// Pushes group a sender's run of the same gift into one growing streak.

export interface GiftTypeView {
  /** A stable slug, e.g. `rose`. */
  id: string;
  name: string;
  /** Coins per unit. */
  coinValue: number;
  /** An emoji, or a path under the web app. */
  icon: string;
}

/** Units one request may send. */
export const GIFT_MAX_QUANTITY = 99;

/** A sender's gifts of one type less than this far apart are one streak (a combo). */
export const GIFT_STREAK_WINDOW_MS = 3_000;

/** clientGiftId: the sender's key, 1–100 characters of A-Z a-z 0-9 _ - (a UUID works). */
export const CLIENT_GIFT_ID_PATTERN = /^[A-Za-z0-9_-]{1,100}$/;

export interface GiftRequest {
  /** The session whose primary host receives the gift; in a battle, the side it scores for. */
  sessionId: string;
  giftTypeId: string;
  /** Whole units, 1–GIFT_MAX_QUANTITY. */
  quantity: number;
  clientGiftId: string;
  /** Set to insist the gift counts for this battle: refused with BATTLE_NOT_ACTIVE when it is not live. */
  battleId?: string;
}

/** One accepted gift. */
export interface GiftView {
  id: string;
  clientGiftId: string;
  senderId: string;
  senderName: string;
  receiverId: string;
  sessionId: string;
  /** The battle it scored in, or null. */
  battleId: string | null;
  giftTypeId: string;
  quantity: number;
  /** Coins moved (unit value × quantity), and the side's score gained in a battle. */
  value: number;
  createdAt: string;
}

export interface GiftReceipt {
  gift: GiftView;
  /** The sender's balance right after the gift (on a replay: right after the first). */
  balance: number;
  /** True when this clientGiftId was sent before: nothing moved this time. */
  replayed: boolean;
}

/** A sender's streak of one gift in one session, as the pushes show it. */
export interface GiftStreak {
  /** `<senderId>:<giftTypeId>:<n>`: the same key while the streak grows. */
  streakId: string;
  sessionId: string;
  battleId: string | null;
  senderId: string;
  senderName: string;
  giftTypeId: string;
  name: string;
  icon: string;
  /** Units in the streak so far. */
  count: number;
  /** Coins' worth of the streak so far. */
  value: number;
  /** ISO time of the latest gift in it. */
  lastAt: string;
}

/** Pushed to a session's audience and hosts, at most a few times a second. */
export interface GiftsPush {
  sessionId: string;
  /** Streaks that grew since the last push, most valuable first. */
  streaks: GiftStreak[];
  /** Streaks that grew but did not fit in this push (the busiest moments). */
  omitted: number;
}
