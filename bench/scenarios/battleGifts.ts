// The gift phase's books: every gift request the viewers sent (new gifts
// and resends of an earlier clientGiftId), how each was answered, the score
// pushes a few watcher sockets of each side received, and from those, after
// the battle's final scores are read, what the `battle` scenario reports.
//
// Every gift is one rose (1 coin), so a side's score counts its gifts and
// `lost`/`doubled` are gifts.
//
// When a gift became visible (`scoreVisibleMs`): a score push carries the
// sides' totals, not which gifts they hold, and concurrent gifts from many
// sockets commit in batches. Each side's accepted gifts are put in the order
// they were sent; gift g of that order is taken as visible at a watcher at
// the first push, received after g was sent, whose score for g's side is at
// least the sum of g and every accepted gift to that side sent before it.
// Commits follow arrival at the server, which follows sending closely (the
// requests leave one process in order, and a batch holds whatever queued
// while the previous one was writing), so the error is the reordering
// between sockets: a few ms either way, never hiding a gift that was not
// counted (the final score is checked against the acks separately).
import { summarizeTail, type TailPercentiles } from '../stats.ts';

export type Side = 0 | 1;

export interface GiftSend {
  viewer: number;
  side: Side;
  clientGiftId: string;
  value: number;
  /** performance.now() when the request left. */
  sentAt: number;
  /** A resend of an earlier request's clientGiftId. */
  resend: boolean;
}

export type GiftAnswer = { ok: true; replayed: boolean } | { ok: false; code: string };

interface ScorePush {
  at: number;
  scores: [number, number];
}

export interface GiftFigures {
  giftsSent: number;
  giftsAccepted: number;
  resendsSent: number;
  /** Resends answered as the first send (nothing moved). */
  resendsReplayed: number;
  /** Resends that wrote a gift (their first send had been refused): counted once, as accepted. */
  resendsWritten: number;
  /** Every refused request, by the protocol's code (TIMEOUT: no answer in time). */
  errors: Record<string, number>;
  /** Per side: the accepted gifts' value, and the battle's final score. */
  expectedScores: [number, number];
  finalScores: [number, number];
  /** Accepted gifts missing from the final scores. */
  lost: number;
  /** Final scores above the accepted gifts (a gift counted twice), beyond what timed-out requests could explain. */
  doubled: number;
  /** clientGiftIds for which two requests both answered "written" (a resend that moved coins again). */
  doubleWrites: number;
  scoreVisibleMs: TailPercentiles;
  scoreVisibleSamples: number;
  /** (gift, watcher) pairs whose push never came. */
  scoreNeverSeen: number;
  scorePushesPerWatcher: number;
}

export class GiftBook {
  readonly #sends: GiftSend[] = [];
  readonly #answers: (GiftAnswer | undefined)[] = [];
  /** Pushes per watcher, in arrival order. */
  readonly #watchers: { side: Side; pushes: ScorePush[] }[] = [];

  /** Records a request as it leaves; returns its number. */
  send(gift: GiftSend): number {
    this.#sends.push(gift);
    this.#answers.push(undefined);
    return this.#sends.length - 1;
  }

  answer(index: number, answer: GiftAnswer): void {
    this.#answers[index] = answer;
  }

  get pending(): number {
    return this.#answers.filter((answer) => answer === undefined).length;
  }

  get accepted(): number {
    return this.#answers.filter((answer) => answer?.ok && !answer.replayed).length;
  }

  /** A watcher socket of `side`; returns the function that records each push it receives. */
  watcher(side: Side): (scores: [number, number], at: number) => void {
    const watcher = { side, pushes: [] as ScorePush[] };
    this.#watchers.push(watcher);
    return (scores, at) => watcher.pushes.push({ at, scores: [scores[0], scores[1]] });
  }

  figures(finalScores: [number, number]): GiftFigures {
    const errors: Record<string, number> = {};
    const writesById = new Map<string, number>();
    /** The request that wrote each accepted clientGiftId (or, for a replay-only id, its first ok answer). */
    const countedById = new Map<string, number>();
    const timedOutValue: [number, number] = [0, 0];
    let resendsReplayed = 0;
    let resendsWritten = 0;
    this.#sends.forEach((gift, index) => {
      const answer = this.#answers[index];
      if (!answer || !answer.ok) {
        const code = answer ? answer.code : 'UNANSWERED';
        errors[code] = (errors[code] ?? 0) + 1;
        if (code === 'TIMEOUT' || code === 'UNANSWERED') timedOutValue[gift.side] += gift.value;
        return;
      }
      if (gift.resend) {
        if (answer.replayed) resendsReplayed++;
        else resendsWritten++;
      }
      if (!answer.replayed) writesById.set(gift.clientGiftId, (writesById.get(gift.clientGiftId) ?? 0) + 1);
      // Counted once: at the request that wrote it (a replay-only id, e.g. a first send that timed out, at its first answer).
      const counted = countedById.get(gift.clientGiftId);
      const countedWasReplay = counted !== undefined && (this.#answers[counted] as { replayed: boolean }).replayed;
      if (counted === undefined || (countedWasReplay && !answer.replayed)) countedById.set(gift.clientGiftId, index);
    });

    const expectedScores: [number, number] = [0, 0];
    const bySide: [GiftSend[], GiftSend[]] = [[], []];
    for (const index of [...countedById.values()].sort((a, b) => a - b)) {
      const gift = this.#sends[index]!;
      expectedScores[gift.side] += gift.value;
      bySide[gift.side].push(gift);
    }
    const lost = [0, 1].reduce((total, side) => total + Math.max(0, expectedScores[side]! - finalScores[side]!), 0);
    const doubled = [0, 1].reduce(
      (total, side) => total + Math.max(0, finalScores[side]! - expectedScores[side]! - timedOutValue[side]!),
      0,
    );

    const samples: number[] = [];
    let neverSeen = 0;
    for (const watcher of this.#watchers) {
      let cumulative = 0;
      for (const gift of bySide[watcher.side]) {
        cumulative += gift.value;
        const at = firstPushShowing(watcher.pushes, watcher.side, cumulative, gift.sentAt);
        if (at === undefined) neverSeen++;
        else samples.push(at - gift.sentAt);
      }
    }
    const originals = this.#sends.filter((gift) => !gift.resend);
    return {
      giftsSent: originals.length,
      giftsAccepted: this.#answers.filter(
        (answer, index) => answer?.ok && !answer.replayed && !this.#sends[index]!.resend,
      ).length,
      resendsSent: this.#sends.length - originals.length,
      resendsReplayed,
      resendsWritten,
      errors,
      expectedScores,
      finalScores,
      lost,
      doubled,
      doubleWrites: [...writesById.values()].filter((writes) => writes > 1).length,
      scoreVisibleMs: summarizeTail(samples, 1),
      scoreVisibleSamples: samples.length,
      scoreNeverSeen: neverSeen,
      scorePushesPerWatcher:
        this.#watchers.length === 0
          ? 0
          : Math.round(
              this.#watchers.reduce((total, watcher) => total + watcher.pushes.length, 0) / this.#watchers.length,
            ),
    };
  }
}

/** When the first push received at or after `sentAt` shows `side` at `score` or more (pushes only rise). */
export function firstPushShowing(
  pushes: readonly ScorePush[],
  side: Side,
  score: number,
  sentAt: number,
): number | undefined {
  const byScore = firstIndex(pushes, (push) => push.scores[side] >= score);
  const byTime = firstIndex(pushes, (push) => push.at >= sentAt);
  const index = Math.max(byScore, byTime);
  return pushes[index]?.at;
}

/** The first index where a monotone predicate holds (pushes.length when never). */
function firstIndex(pushes: readonly ScorePush[], holds: (push: ScorePush) => boolean): number {
  let low = 0;
  let high = pushes.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (holds(pushes[middle]!)) high = middle;
    else low = middle + 1;
  }
  return low;
}
