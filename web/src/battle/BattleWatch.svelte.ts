// One page's view of the battle a session is in (studio or watch page): the
// state the server pushes (`pk-battle:*`), the scores while live, the clock
// offset measured from each push's serverTime, and — for the primary host —
// the battle requests, with failures in words. Asks `pk-battle:current` on
// every (re)connect: pushes missed while away are not replayed.
import type { BattleState, QuickMatchResult, ServerToClientEvents } from '../../../signaling/protocol/index.ts';
import { request, RequestFailed, type SignalingSocket } from '../lib/signaling.ts';
import { SocketListeners } from '../lib/SocketListeners.ts';
import { warn } from '../lib/warn.ts';
import {
  applyScores,
  battleErrorWords,
  clockOffsetMs,
  closedWords,
  isBattleActive,
  isNewerState,
  serverNowMs,
} from './battleLogic.ts';

const PHASE_PUSHES = [
  'pk-battle:invited',
  'pk-battle:created',
  'pk-battle:declined',
  'pk-battle:expired',
  'pk-battle:cancelled',
  'pk-battle:countdown',
  'pk-battle:started',
  'pk-battle:result',
  'pk-battle:ended',
] as const satisfies readonly (keyof ServerToClientEvents)[];

/** The clock ticks this often while a battle is shown (the display rounds to seconds). */
const TICK_MS = 250;

export class BattleWatch {
  readonly sessionId: string;
  /** The latest battle this session is or was in (null: none since this page opened). */
  battle = $state.raw<BattleState | null>(null);
  /** Server clock minus this browser's (ms). */
  offsetMs = $state(0);
  /** This browser's clock, ticking while a battle is active. */
  nowMs = $state(Date.now());
  /** In the quick-match queue. */
  waitingForMatch = $state(false);
  /** A request in flight (buttons wait). */
  busy = $state(false);
  problem = $state<string | undefined>();
  /** How the last invitation closed without a battle (declined, expired, withdrawn), in words. */
  notice = $state<string | undefined>();

  readonly #socket: SignalingSocket;
  readonly #listeners: SocketListeners;
  #ticker: ReturnType<typeof setInterval> | undefined;

  constructor(socket: SignalingSocket, sessionId: string) {
    this.#socket = socket;
    this.sessionId = sessionId;
    this.#listeners = new SocketListeners(socket);
    this.#listen();
    if (socket.connected) void this.refresh();
  }

  /** The server's time now (for clocks). */
  get serverNow(): number {
    return serverNowMs(this.offsetMs, this.nowMs);
  }

  get active(): BattleState | null {
    return isBattleActive(this.battle) ? this.battle : null;
  }

  /** An invitation to this session waiting for its primary host's answer. */
  get incoming(): BattleState | null {
    const battle = this.battle;
    return battle?.phase === 'invited' && battle.sides[1].sessionId === this.sessionId ? battle : null;
  }

  /** This session's own invitation, not answered yet. */
  get outgoing(): BattleState | null {
    const battle = this.battle;
    return battle?.phase === 'invited' && battle.sides[0].sessionId === this.sessionId ? battle : null;
  }

  /** Asks which battle the session is in now (on load and after a reconnect). */
  async refresh(): Promise<void> {
    try {
      const current = await request(this.#socket, 'pk-battle:current', { sessionId: this.sessionId });
      if (current) this.#apply(current, Date.now());
      // Over while this page was away: nothing to show any more.
      else if (isBattleActive(this.battle)) this.battle = null;
    } catch (error) {
      warn('asking for the current battle failed (pushes still arrive)', error);
    }
  }

  invite(opponentSessionId: string, durationS: number): Promise<void> {
    return this.#ask(async () => {
      this.notice = undefined;
      const battle = await request(this.#socket, 'pk-battle:invite', {
        sessionId: this.sessionId,
        opponentSessionId,
        durationS,
      });
      this.#apply(battle, Date.now());
    });
  }

  quickMatch(durationS: number): Promise<void> {
    return this.#ask(async () => {
      this.notice = undefined;
      const result: QuickMatchResult = await request(this.#socket, 'pk-battle:quick-match', {
        sessionId: this.sessionId,
        durationS,
      });
      if (result.status === 'matched') {
        this.waitingForMatch = false;
        this.#apply(result.battle, Date.now());
      } else this.waitingForMatch = true;
    });
  }

  leaveQueue(): Promise<void> {
    return this.#ask(async () => {
      await request(this.#socket, 'pk-battle:leave-queue', { sessionId: this.sessionId });
      this.waitingForMatch = false;
    });
  }

  accept(): Promise<void> {
    return this.#answer('pk-battle:accept');
  }

  decline(): Promise<void> {
    return this.#answer('pk-battle:decline');
  }

  /** Withdraws this session's invitation, or forfeits the battle under way. */
  cancel(): Promise<void> {
    return this.#answer('pk-battle:cancel');
  }

  dismissNotice(): void {
    this.notice = undefined;
  }

  destroy(): void {
    clearInterval(this.#ticker);
    this.#ticker = undefined;
    this.#listeners.removeAll();
  }

  async #answer(event: 'pk-battle:accept' | 'pk-battle:decline' | 'pk-battle:cancel'): Promise<void> {
    const battleId = this.battle?.id;
    if (!battleId) return;
    await this.#ask(async () => this.#apply(await request(this.#socket, event, { battleId }), Date.now()));
  }

  async #ask(action: () => Promise<void>): Promise<void> {
    this.busy = true;
    try {
      await action();
      this.problem = undefined;
    } catch (error) {
      this.problem =
        error instanceof RequestFailed ? battleErrorWords(error.code, error.reason) : (error as Error).message;
    } finally {
      this.busy = false;
    }
  }

  #involvesUs(battle: BattleState): boolean {
    return battle.sides.some((side) => side.sessionId === this.sessionId);
  }

  #apply(battle: BattleState, receivedAtMs: number): void {
    if (!this.#involvesUs(battle) || !isNewerState(this.battle, battle)) return;
    this.offsetMs = clockOffsetMs(battle.serverTime, receivedAtMs);
    this.nowMs = receivedAtMs;
    this.battle = battle;
    if (battle.phase !== 'invited') this.waitingForMatch = false;
    const closed = closedWords(battle, this.sessionId);
    if (closed) this.notice = closed;
    this.#tick();
  }

  /** The clock runs while a battle is active, and stops with it. */
  #tick(): void {
    const active = isBattleActive(this.battle);
    if (active && !this.#ticker) this.#ticker = setInterval(() => (this.nowMs = Date.now()), TICK_MS);
    if (!active && this.#ticker) {
      clearInterval(this.#ticker);
      this.#ticker = undefined;
    }
  }

  #listen(): void {
    const on = this.#listeners.on.bind(this.#listeners);
    this.#listeners.onConnect(() => void this.refresh());
    for (const event of PHASE_PUSHES) on(event, ({ battle }) => this.#apply(battle, Date.now()));
    on('pk-battle:gift', (push) => {
      const battle = this.battle;
      if (!battle || battle.id !== push.battleId) return;
      this.offsetMs = clockOffsetMs(push.serverTime, Date.now());
      this.battle = applyScores(battle, push);
    });
  }
}
