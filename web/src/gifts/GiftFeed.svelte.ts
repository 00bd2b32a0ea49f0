// The gift bubbles a page shows for one session: streaks pushed by
// `gift:received` (outside battles) and `pk-battle:gift` (in a battle, both
// sides' gifts), merged per streakId and faded a few seconds after their
// last growth. Read-only: the studio shows it, the watch page too.
import type { GiftStreak, ServerToClientEvents } from '../../../signaling/protocol/index.ts';
import type { SignalingSocket } from '../lib/signaling.ts';
import { expireStreaks, mergeStreaks, type ShownStreak } from './giftLogic.ts';

const SWEEP_MS = 500;

export class GiftFeed {
  readonly sessionId: string;
  streaks = $state.raw<ShownStreak[]>([]);

  readonly #cleanups: (() => void)[] = [];
  #sweeper: ReturnType<typeof setInterval> | undefined;

  constructor(socket: SignalingSocket, sessionId: string) {
    this.sessionId = sessionId;
    const onGifts: ServerToClientEvents['gift:received'] = (push) => {
      if (push.sessionId === sessionId) this.add(push.streaks);
    };
    // Only the battles this session is in are pushed to its pages.
    const onBattleGifts: ServerToClientEvents['pk-battle:gift'] = (push) => this.add(push.streaks);
    socket.on('gift:received', onGifts);
    socket.on('pk-battle:gift', onBattleGifts);
    this.#cleanups.push(
      () => socket.off('gift:received', onGifts),
      () => socket.off('pk-battle:gift', onBattleGifts),
    );
  }

  /** Streaks this page learned of (pushed, or its own gift's receipt). */
  add(streaks: readonly GiftStreak[]): void {
    if (streaks.length === 0) return;
    this.streaks = mergeStreaks(this.streaks, streaks, Date.now());
    this.#sweeper ??= setInterval(() => {
      this.streaks = expireStreaks(this.streaks, Date.now());
      if (this.streaks.length === 0) {
        clearInterval(this.#sweeper);
        this.#sweeper = undefined;
      }
    }, SWEEP_MS);
  }

  destroy(): void {
    clearInterval(this.#sweeper);
    for (const cleanup of this.#cleanups) cleanup();
  }
}
