// PK battles: two live sessions head to head. This service owns each
// battle's state machine (battlePhase.ts) and its timers, writes every phase
// change to the database before announcing it (BattleStore), opens and
// closes the battle's media (the sessions' tracks piped into each other's
// routers, BattleMedia), keeps the live scores for the pushes (the database
// keeps the exact ones: GiftWriter raises them with the coins), and ends a
// battle cleanly whatever happens to its sessions. It takes plain values
// and holds no sockets (BattlePushes).
//
// Changes to one battle run one after another (a queue per battle): a timer
// that fires while a host's cancel is being written finds the new phase.
//
// In a cluster the two sessions may have different owners (BattleRelay).
// The owner of the inviting session runs the battle as above; the invited
// session's owner keeps a follower's copy, updated by the owner after each
// change: enough to score its viewers' gifts (written there, paced into the
// owner's feed), to compose its HLS battle layout, to answer about its
// session, and to hold its half of the media.
import crypto from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { Identity } from '../auth/identityToken.ts';
import { AppError } from '../errors.ts';
import { GiftFeed, type GiftLook } from '../gifts/GiftFeed.ts';
import type { BattleGifts } from '../gifts/GiftService.ts';
import type { Session } from '../multihost/Session.ts';
import type { SessionService } from '../multihost/SessionService.ts';
import {
  type SessionState,
  BATTLE_COUNTDOWN_S,
  BATTLE_INVITE_TTL_S,
  BATTLE_RESULT_S,
  isGuestUserId,
  type BattleInviteRequest,
  type BattleState,
  type GiftView,
  type QuickMatchRequest,
  type QuickMatchResult,
} from '../protocol/index.ts';
import { canHappen, isFinal, nextPhase, type BattleEvent } from './battlePhase.ts';
import type { BattlePhaseEvent, BattlePushes } from './BattlePushes.ts';
import type { BattleStore } from './BattleStore.ts';
import type { OpponentHost } from './opponentHosts.ts';
import type { BattlePeer, BattleRelay, BattleSessionFacts } from './BattleRelay.ts';
import type { PipeAddress } from '../../sfu/NodePipe.ts';
import type { Leaderboard } from './leaderboards/Leaderboard.ts';
import { InProcessQuickMatchQueue, type QuickMatchQueue } from './quickMatch/QuickMatchQueue.ts';
import type { PeerProducer } from '../../sfu/MediaRoomTypes.ts';
import type { BattleCompositionView } from '../broadcast/compositionOf.ts';

/** A battle's media between its two sessions, open from the countdown to the end (BattleMedia). */
export interface BattleMediaLink {
  /** The opponent's hosts and their tracks in this session's router (for the compositor). */
  opponentsIn(sessionId: string): OpponentHost[];
  /** The opponent's producer (its id in the opponent's router) as forwarded into this session's router. */
  forwardedInto(sessionId: string, sourceProducerId: string): PeerProducer | undefined;
  /** The opponent session's state as this session's side knows it (undefined once it ended). */
  opponentState(sessionId: string): SessionState | undefined;
  close(): void;
}

export interface BattleMediaHooks {
  /** A session's media room closed under the battle (its worker died). */
  lost(): void;
  /** The opponent's tracks in a router changed. */
  changed(): void;
}

/** Opens a battle's media; `peer` when the opponent session is owned by another node. */
export type OpenBattleMedia = (
  battle: BattleState,
  hooks: BattleMediaHooks,
  peer: BattlePeer | undefined,
) => Promise<BattleMediaLink>;

/** Cluster mode: the follower's half of a cross-node battle's media, answering the owner's. */
export type AcceptBattleMedia = (
  battle: BattleState,
  session: Session,
  peer: BattlePeer,
  remote: PipeAddress,
  hooks: BattleMediaHooks,
) => Promise<BattleMediaLink & { address: PipeAddress }>;

export interface BattleServiceOptions {
  sessions: SessionService;
  store: BattleStore;
  pushes: BattlePushes;
  openMedia: OpenBattleMedia;
  leaderboard: Leaderboard;
  /** BATTLE_TIME_SCALE: clocks run this many times faster (tests, bench). Default 1. */
  timeScale?: number;
  /** Cluster mode: battles whose sessions are owned by different nodes, and one quick-match queue for all. */
  crossNode?: { relay: BattleRelay; acceptMedia: AcceptBattleMedia; quickMatch: QuickMatchQueue };
  logger: Logger;
}

export type BattleServiceEvents = {
  /** A battle's phase changed (the compositor switches layouts on it). */
  changed: [battle: BattleState];
  /** A live battle's scores changed (paced like the gift pushes, ≤ 10 a second). */
  scores: [battle: BattleState];
};

interface ActiveBattle {
  /** `follower`: this node owns only the invited session and follows the owner's state. */
  role: 'owner' | 'follower';
  /** The node owning the other session, when it is not this one. */
  peer: BattlePeer | undefined;
  stopWatchingPeer: (() => void) | undefined;
  state: BattleState;
  timer: NodeJS.Timeout | undefined;
  media: Promise<BattleMediaLink | undefined> | undefined;
  /** Once open. */
  mediaLink: BattleMediaLink | undefined;
  /** The owner's: paces the scores and streaks for everyone. */
  feed: GiftFeed | undefined;
  /** Changes to this battle, one after another. */
  queue: Promise<unknown>;
}

const phaseEvents: Record<BattleState['phase'], BattlePhaseEvent> = {
  invited: 'pk-battle:created',
  declined: 'pk-battle:declined',
  expired: 'pk-battle:expired',
  cancelled: 'pk-battle:cancelled',
  countdown: 'pk-battle:countdown',
  live: 'pk-battle:started',
  result: 'pk-battle:result',
  ended: 'pk-battle:ended',
};

export class BattleService extends EventEmitter<BattleServiceEvents> implements BattleGifts {
  readonly #sessions: SessionService;
  readonly #store: BattleStore;
  readonly #pushes: BattlePushes;
  readonly #openMedia: OpenBattleMedia;
  readonly #leaderboard: Leaderboard;
  readonly #relay: BattleRelay | undefined;
  readonly #acceptMedia: AcceptBattleMedia | undefined;
  readonly #scale: number;
  readonly #logger: Logger;
  readonly #battles = new Map<string, ActiveBattle>();
  /** Sessions in a battle that has not ended (also its invitation and result), by session id. */
  readonly #battleOfSession = new Map<string, string>();
  readonly #quickMatchQueue: QuickMatchQueue;
  #closing = false;

  constructor(options: BattleServiceOptions) {
    super();
    this.#sessions = options.sessions;
    this.#store = options.store;
    this.#pushes = options.pushes;
    this.#openMedia = options.openMedia;
    this.#leaderboard = options.leaderboard;
    this.#relay = options.crossNode?.relay;
    this.#acceptMedia = options.crossNode?.acceptMedia;
    this.#quickMatchQueue = options.crossNode?.quickMatch ?? new InProcessQuickMatchQueue();
    this.#scale = options.timeScale ?? 1;
    this.#logger = options.logger.child({ component: 'battles' });
    this.#sessions.on('ended', (session) => this.#onSessionEnded(session));
    // A session moving to another node takes no battle with it: the battle ends as if the session had.
    this.#sessions.on('movedAway', (session) => this.#onSessionEnded(session));
    if (this.#relay) this.#serveRelay(this.#relay);
  }

  // --- lookup ----------------------------------------------------------------

  async get(battleId: string): Promise<BattleState> {
    const active = this.#battles.get(battleId);
    if (active) return snapshot(active.state);
    const stored = await this.#store.find(battleId);
    if (!stored) throw new AppError('NOT_FOUND', 'no such battle');
    return stored;
  }

  /** The battle a session is in (from the invitation to the end of the result phase), or null. */
  current(sessionId: string): BattleState | null {
    const battleId = this.#battleOfSession.get(sessionId);
    const active = battleId === undefined ? undefined : this.#battles.get(battleId);
    return active ? snapshot(active.state) : null;
  }

  /** Battles under way or showing their result. */
  listActive(): BattleState[] {
    // A follower's copy is listed by the battle's owner.
    return [...this.#battles.values()]
      .filter(({ role }) => role === 'owner')
      .filter(({ state }) => state.phase === 'countdown' || state.phase === 'live' || state.phase === 'result')
      .map(({ state }) => snapshot(state));
  }

  /** The opponent's hosts in a battling session's router, while the battle's media is open. */
  opponentsIn(sessionId: string): OpponentHost[] {
    const battleId = this.#battleOfSession.get(sessionId);
    return (battleId === undefined ? undefined : this.#battles.get(battleId))?.mediaLink?.opponentsIn(sessionId) ?? [];
  }

  /** What the broadcast composes of the battle a session is in (BroadcastService's BattlePictures). */
  viewFor(sessionId: string): BattleCompositionView | undefined {
    const battleId = this.#battleOfSession.get(sessionId);
    const active = battleId === undefined ? undefined : this.#battles.get(battleId);
    const link = active?.mediaLink;
    if (!active || !link) return undefined;
    // The opponent's session ended (it forfeited): its picture is gone with it.
    const opponent = link.opponentState(sessionId);
    if (!opponent) return undefined;
    return {
      battle: snapshot(active.state),
      opponent,
      findOpponentProducer: (producerId) => link.forwardedInto(sessionId, producerId),
    };
  }

  listForHost(userId: string): Promise<BattleState[]> {
    return this.#store.listForHost(userId);
  }

  get store(): BattleStore {
    return this.#store;
  }

  // --- BattleGifts -------------------------------------------------------------

  liveBattleOf(sessionId: string): { id: string; sides: BattleState['sides'] } | undefined {
    const battleId = this.#battleOfSession.get(sessionId);
    const active = battleId === undefined ? undefined : this.#battles.get(battleId);
    return active?.state.phase === 'live' ? { id: active.state.id, sides: active.state.sides } : undefined;
  }

  giftAccepted(gift: GiftView, look: GiftLook): void {
    const active = gift.battleId === null ? undefined : this.#battles.get(gift.battleId);
    if (!active) return;
    if (active.role === 'follower') {
      // Written here (this node owns the session it was sent to); scored and paced by the owner.
      active.peer?.send('battle:gift', { gift, look });
      return;
    }
    const side = active.state.sides.find((candidate) => candidate.sessionId === gift.sessionId);
    if (!side) return;
    // The scores the pushes show; the result reads the database's (the same sums).
    side.score += gift.value;
    active.feed?.add(gift, look);
    this.#leaderboard
      .recordGift({
        senderId: gift.senderId,
        senderName: gift.senderName,
        hostId: side.hostId,
        hostName: side.hostName,
        value: gift.value,
        at: new Date(gift.createdAt),
      })
      .catch((error: unknown) =>
        this.#logger.warn({ err: error }, 'the leaderboard missed a gift (the next rebuild has it)'),
      );
  }

  // --- requests ----------------------------------------------------------------

  async invite(caller: Identity, request: Required<BattleInviteRequest>): Promise<BattleState> {
    const own = this.#battleReadySession(caller, request.sessionId);
    if (request.opponentSessionId === request.sessionId) {
      throw new AppError('INVALID_INPUT', 'a session cannot battle itself');
    }
    const { facts: opponent, peer } = await this.#opponentSession(caller, request.opponentSessionId);
    const state = this.#newState(factsOf(own), opponent, caller.userId, request.durationS);
    const active = await this.#register(state, peer);
    this.#pushes.invited(opponent.primaryHostId, snapshot(state));
    this.#pushes.phase('pk-battle:created', snapshot(state));
    this.#schedule(active);
    this.#logger.info({ battleId: state.id, sessions: [own.id, opponent.id] }, 'battle invitation sent');
    return snapshot(state);
  }

  accept(caller: Identity, battleId: string): Promise<BattleState> {
    return this.#act(battleId, async (active) => {
      const sides = await this.#sidesFacts(active);
      if (sides[1]?.primaryHostId !== caller.userId) {
        throw new AppError('NOT_ALLOWED', 'only the invited host can accept this battle');
      }
      active.state.sides.forEach((side, position) => {
        if (sides[position]?.status !== 'live')
          throw new AppError('CONFLICT', `${side.sessionTitle} is no longer live`);
      });
      return this.#transition(active, 'accept');
    });
  }

  decline(caller: Identity, battleId: string): Promise<BattleState> {
    return this.#act(battleId, async (active) => {
      if ((await this.#sidesFacts(active))[1]?.primaryHostId !== caller.userId) {
        throw new AppError('NOT_ALLOWED', 'only the invited host can decline this battle');
      }
      return this.#transition(active, 'decline');
    });
  }

  /** Either side's primary host: withdraws or turns down an invitation, or forfeits. */
  cancel(caller: Identity, battleId: string): Promise<BattleState> {
    return this.#act(battleId, async (active) => {
      const side = (await this.#sidesFacts(active)).findIndex((facts) => facts?.primaryHostId === caller.userId);
      if (side < 0) throw new AppError('NOT_ALLOWED', "only the battling sessions' primary hosts can cancel a battle");
      if (active.state.phase === 'invited' && side === 1) return this.#transition(active, 'decline');
      if (active.state.phase === 'result') throw new AppError('CONFLICT', 'the battle is already over');
      return this.#transition(active, 'cancel', side === 0 ? 0 : 1);
    });
  }

  /**
   * Pairs the session with the first live session already waiting (on any
   * node), or queues it. The battle runs on the waiting session's node when
   * that is this one (it is side 0, as if it had invited), else here with the
   * caller's session as side 0.
   */
  async quickMatch(caller: Identity, request: Required<QuickMatchRequest>): Promise<QuickMatchResult> {
    const own = this.#battleReadySession(caller, request.sessionId);
    await this.#quickMatchQueue.remove(own.id);
    for (
      let waiting = await this.#quickMatchQueue.takeFirst();
      waiting;
      waiting = await this.#quickMatchQueue.takeFirst()
    ) {
      if (waiting.sessionId === own.id) continue;
      const found = await this.#factsOf(waiting.sessionId).catch(() => undefined);
      const opponent = found?.facts;
      if (!found || !opponent || opponent.status !== 'live' || this.#battleOfSession.has(opponent.id)) continue;
      if (opponent.primaryHostId === caller.userId) continue;
      const [first, second] = found.peer ? [factsOf(own), opponent] : [opponent, factsOf(own)];
      const state = this.#newState(first, second, first.primaryHostId, waiting.durationS);
      let active: ActiveBattle;
      try {
        active = await this.#register(state, found.peer);
      } catch (error) {
        // The waiting session was taken by another battle meanwhile: the next one.
        if (error instanceof AppError && error.code === 'CONFLICT' && !this.#battleOfSession.has(own.id)) continue;
        throw error;
      }
      this.#pushes.phase('pk-battle:created', snapshot(state));
      const battle = await this.#act(state.id, () => this.#transition(active, 'accept'));
      return { status: 'matched', battle };
    }
    await this.#quickMatchQueue.add({ sessionId: own.id, durationS: request.durationS });
    return { status: 'waiting' };
  }

  async leaveQueue(caller: Identity, sessionId: string): Promise<void> {
    this.#sessions.get(sessionId).assertPrimary(caller, 'leave the quick-match queue');
    await this.#quickMatchQueue.remove(sessionId);
  }

  // --- start-up and shutdown ---------------------------------------------------

  /** Closes what a previous run left unfinished (its sessions have ended with it). */
  async recoverInterrupted(): Promise<void> {
    const closed = await this.#store.closeInterrupted(new Date());
    if (closed > 0)
      this.#logger.warn({ battles: closed }, 'battles left unfinished by the last run closed as interrupted');
  }

  /** Server shutdown: every battle ends as interrupted (no winner from a stopping server). */
  async closeAll(): Promise<void> {
    this.#closing = true;
    // A follower's session stops with this server: the owner interrupts the battle, as one node would.
    for (const active of [...this.#battles.values()]) {
      if (active.role !== 'follower') continue;
      active.peer?.send('battle:lost', { battleId: active.state.id });
      this.#finish(active);
    }
    await Promise.all(
      [...this.#battles.values()]
        .filter(({ role }) => role === 'owner')
        .map(({ state }) => state.id)
        .map((battleId) =>
          this.#act(battleId, (active) => this.#transition(active, 'interrupt')).catch((error: unknown) =>
            this.#logger.warn({ err: error, battleId }, 'interrupting a battle at shutdown failed'),
          ),
        ),
    );
  }

  // --- the machine ---------------------------------------------------------------

  async #register(state: BattleState, peer: BattlePeer | undefined): Promise<ActiveBattle> {
    for (const side of state.sides) {
      if (this.#battleOfSession.has(side.sessionId)) {
        throw new AppError('CONFLICT', `${side.sessionTitle} is already in a battle`);
      }
    }
    const active: ActiveBattle = {
      role: 'owner',
      peer,
      stopWatchingPeer: undefined,
      state,
      timer: undefined,
      media: undefined,
      mediaLink: undefined,
      queue: Promise.resolve(),
      // The feed paces the scores for everyone (≤ 10 a second): the audiences' push and the compositors' overlay.
      feed: new GiftFeed((streaks, omitted) => {
        this.#pushes.gifts(
          state.sides.map((side) => side.sessionId),
          {
            battleId: state.id,
            scores: [active.state.sides[0].score, active.state.sides[1].score],
            streaks,
            omitted,
            serverTime: new Date().toISOString(),
          },
        );
        this.emit('scores', snapshot(active.state));
        active.peer?.send('battle:scores', {
          battleId: state.id,
          scores: [active.state.sides[0].score, active.state.sides[1].score],
        });
      }),
    };
    // Claimed before the write: a second invitation meanwhile sees the session taken.
    for (const side of state.sides) this.#battleOfSession.set(side.sessionId, state.id);
    this.#battles.set(state.id, active);
    try {
      // The other node marks its session taken (or refuses: it is in another battle) before anything is written.
      if (peer) await peer.call('battle:claim', { battle: snapshot(state) });
      await this.#store.insert(state);
    } catch (error) {
      this.#forget(active);
      peer?.send('battle:follow', { battle: { ...snapshot(state), phase: 'cancelled', endReason: 'interrupted' } });
      throw error;
    }
    if (peer) active.stopWatchingPeer = peer.onGone(() => this.#peerGone(state.id));
    return active;
  }

  /** Runs a change to one battle after the changes before it. */
  #act<T>(battleId: string, change: (active: ActiveBattle) => Promise<T>): Promise<T> {
    const active = this.#battles.get(battleId);
    if (!active) {
      return this.#store.find(battleId).then((stored) => {
        throw stored
          ? new AppError('CONFLICT', `the battle is ${stored.phase}`)
          : new AppError('NOT_FOUND', 'no such battle');
      });
    }
    // Requests about a battle are routed to its owner; a follower's copy is never changed by one.
    if (active.role === 'follower') {
      return Promise.reject(new AppError('UNAVAILABLE', 'this battle is run by another node; try again'));
    }
    const result = active.queue.then(() => {
      if (this.#battles.get(battleId) !== active) throw new AppError('CONFLICT', 'the battle is over');
      return change(active);
    });
    active.queue = result.catch(() => undefined);
    return result;
  }

  async #transition(active: ActiveBattle, event: BattleEvent, bySide?: 0 | 1): Promise<BattleState> {
    const from = active.state.phase;
    const transition = nextPhase(from, event);
    const now = Date.now();
    const next: BattleState = {
      ...active.state,
      sides: [{ ...active.state.sides[0] }, { ...active.state.sides[1] }],
      phase: transition.phase,
      endReason: transition.endReason ?? active.state.endReason,
    };
    if (transition.phase === 'countdown') {
      const startsAt = now + this.#ms(BATTLE_COUNTDOWN_S);
      next.startsAt = new Date(startsAt).toISOString();
      next.endsAt = new Date(startsAt + this.#ms(next.durationS)).toISOString();
    }
    if (isFinal(transition.phase)) next.endedAt = new Date(now).toISOString();

    if (transition.phase === 'result') {
      next.resultUntil = new Date(now + this.#ms(BATTLE_RESULT_S)).toISOString();
      if (next.endsAt && Date.parse(next.endsAt) > now) next.endsAt = new Date(now).toISOString();
      const forfeited = event === 'time-up' ? null : (bySide ?? null);
      const result = await this.#store.finish(next, forfeited, new Date(now));
      if (!result) throw new AppError('CONFLICT', 'the battle changed meanwhile');
      next.winnerSessionId = result.winnerSessionId;
      next.sides.forEach((side, position) => {
        if (side.score !== result.scores[position]) {
          this.#logger.warn(
            { battleId: next.id, position, pushed: side.score, stored: result.scores[position] },
            'live score differed from the record',
          );
        }
        side.score = result.scores[position]!;
        side.outcome = result.outcomes[position]!;
        side.mvp = result.mvps[position]!;
      });
    } else if (!(await this.#store.movePhase(next, from))) {
      throw new AppError('CONFLICT', 'the battle changed meanwhile');
    }

    active.state = next;
    active.peer?.send('battle:follow', { battle: snapshot(next) });
    clearTimeout(active.timer);
    active.timer = undefined;
    if (transition.phase === 'countdown') active.media = this.#startMedia(active);
    if (isFinal(transition.phase)) this.#finish(active);
    if (transition.phase === 'ended' && from === 'result') this.#recordResults(next);
    else this.#schedule(active);
    this.#pushes.phase(phaseEvents[transition.phase], snapshot(next));
    this.emit('changed', snapshot(next));
    this.#logger.info(
      { battleId: next.id, from, to: next.phase, event, endReason: next.endReason },
      'battle %s',
      next.phase,
    );
    return snapshot(next);
  }

  /** The timer of the current phase: each phase has at most one, cleared on every transition. */
  #schedule(active: ActiveBattle): void {
    const { state } = active;
    const at: Partial<Record<BattleState['phase'], [string | null, BattleEvent]>> = {
      invited: [state.respondBy, 'expire'],
      countdown: [state.startsAt, 'countdown-over'],
      live: [state.endsAt, 'time-up'],
      result: [state.resultUntil, 'result-over'],
    };
    const due = at[state.phase];
    if (!due || due[0] === null) return;
    const [when, event] = due;
    active.timer = setTimeout(
      () => {
        active.timer = undefined;
        void this.#act(state.id, async (current) => {
          if (!canHappen(current.state.phase, event) || current.state !== state) return current.state;
          return this.#transition(current, event);
        }).catch((error: unknown) =>
          this.#logger.error({ err: error, battleId: state.id, event }, 'battle timer failed'),
        );
      },
      Math.max(0, Date.parse(when) - Date.now()),
    );
  }

  #startMedia(active: ActiveBattle): Promise<BattleMediaLink | undefined> {
    const battleId = active.state.id;
    const hooks: BattleMediaHooks = {
      lost: () => this.#mediaLost(battleId),
      changed: () => {
        if (this.#battles.get(battleId) === active) this.emit('changed', snapshot(active.state));
      },
    };
    return this.#openMedia(snapshot(active.state), hooks, active.peer).then(
      (link) => {
        // Ended while the pipes were being made.
        if (this.#battles.get(battleId) !== active) link.close();
        else active.mediaLink = link;
        this.emit('changed', snapshot(active.state));
        return link;
      },
      (error: unknown) => {
        this.#logger.error({ err: error, battleId: active.state.id }, 'the battle media could not be opened');
        void this.#act(active.state.id, (current) => this.#transition(current, 'interrupt')).catch(() => undefined);
        return undefined;
      },
    );
  }

  #recordResults(battle: BattleState): void {
    const at = new Date(battle.endedAt ?? Date.now());
    for (const side of battle.sides) {
      if (side.outcome === null) continue;
      this.#leaderboard
        .recordBattleResult({ hostId: side.hostId, hostName: side.hostName, outcome: side.outcome, at })
        .catch((error: unknown) =>
          this.#logger.warn({ err: error }, 'the leaderboard missed a result (the next rebuild has it)'),
        );
    }
  }

  /** A session's media room closed under the battle (here, or the follower's). */
  #mediaLost(battleId: string): void {
    this.#logger.warn({ battleId }, 'a battling session lost its media room: the battle is interrupted');
    // In the result phase the contest is decided: the surviving side keeps its banner until the end.
    void this.#act(battleId, async (current) =>
      current.state.phase === 'countdown' || current.state.phase === 'live'
        ? this.#transition(current, 'interrupt')
        : current.state,
    ).catch(() => undefined);
  }

  #finish(active: ActiveBattle): void {
    active.mediaLink = undefined;
    void active.media?.then((link) => link?.close());
    this.#forget(active);
  }

  #forget(active: ActiveBattle): void {
    clearTimeout(active.timer);
    active.stopWatchingPeer?.();
    active.feed?.close();
    if (this.#battles.get(active.state.id) === active) this.#battles.delete(active.state.id);
    for (const side of active.state.sides) {
      if (this.#battleOfSession.get(side.sessionId) === active.state.id) this.#battleOfSession.delete(side.sessionId);
    }
  }

  #onSessionEnded(session: Session): void {
    this.#quickMatchQueue
      .remove(session.id)
      .catch((error: unknown) => this.#logger.warn({ err: error }, 'leaving the quick-match queue failed'));
    if (this.#closing) return;
    const battleId = this.#battleOfSession.get(session.id);
    if (battleId === undefined) return;
    const following = this.#battles.get(battleId);
    if (following?.role === 'follower') {
      // Nothing of it is left here; the owner ends the battle (a forfeit, as on one node).
      following.peer?.send('battle:session-ended', { battleId, sessionId: session.id });
      this.#finish(following);
      return;
    }
    this.#endWithSession(battleId, session.id);
  }

  #endWithSession(battleId: string, sessionId: string): void {
    void this.#act(battleId, async (active) => {
      if (!canHappen(active.state.phase, 'session-ended')) return active.state;
      const side = active.state.sides.findIndex((candidate) => candidate.sessionId === sessionId);
      return this.#transition(active, 'session-ended', side === 0 ? 0 : 1);
    }).catch((error: unknown) =>
      this.#logger.error({ err: error, battleId }, 'ending a battle with its session failed'),
    );
  }

  /** The owner: the node of the other session left the cluster: the battle cannot go on. */
  #peerGone(battleId: string): void {
    this.#logger.warn({ battleId }, "the opponent session's node is gone: the battle is interrupted");
    void this.#act(battleId, async (current) =>
      canHappen(current.state.phase, 'interrupt') ? this.#transition(current, 'interrupt') : current.state,
    ).catch(() => undefined);
  }

  // --- following a battle owned by another node ---------------------------------

  #serveRelay(relay: BattleRelay): void {
    relay.handle('battle:facts', async ({ sessionId }) => {
      const session = this.#sessions.find(sessionId);
      return session ? factsOf(session) : null;
    });
    relay.handle('battle:claim', async ({ battle }) => {
      await this.#follow(relay, battle);
      return null;
    });
    relay.handle('battle:follow', async ({ battle }) => {
      const active = this.#followed(battle.id);
      if (!active) return null;
      active.state = battle;
      if (isFinal(battle.phase)) this.#finish(active);
      this.emit('changed', snapshot(battle));
      return null;
    });
    relay.handle('battle:scores', async ({ battleId, scores }) => {
      const active = this.#followed(battleId);
      if (!active) return null;
      active.state.sides[0].score = scores[0];
      active.state.sides[1].score = scores[1];
      this.emit('scores', snapshot(active.state));
      return null;
    });
    relay.handle('battle:media-open', async ({ battle, sessionId, address }) => {
      const active = this.#followed(battle.id);
      if (!active?.peer || !this.#acceptMedia) throw new AppError('CONFLICT', 'the battle is not followed here');
      const hooks: BattleMediaHooks = {
        lost: () => active.peer?.send('battle:lost', { battleId: battle.id }),
        changed: () => {
          if (this.#battles.get(battle.id) === active) this.emit('changed', snapshot(active.state));
        },
      };
      const link = await this.#acceptMedia(battle, this.#sessions.get(sessionId), active.peer, address, hooks);
      if (this.#battles.get(battle.id) !== active) {
        link.close();
        throw new AppError('CONFLICT', 'the battle is over');
      }
      active.mediaLink = link;
      active.media = Promise.resolve(link);
      this.emit('changed', snapshot(active.state));
      return { address: link.address };
    });
    // Messages to the battle's owner.
    relay.handle('battle:gift', async ({ gift, look }) => {
      this.giftAccepted(gift, look);
      return null;
    });
    relay.handle('battle:session-ended', async ({ battleId, sessionId }) => {
      this.#endWithSession(battleId, sessionId);
      return null;
    });
    relay.handle('battle:lost', async ({ battleId }) => {
      this.#mediaLost(battleId);
      return null;
    });
  }

  /** The invited session's owner takes a copy of a battle its owner just created. */
  async #follow(relay: BattleRelay, battle: BattleState): Promise<void> {
    const ownerPeer = await relay.peerOf(battle.sides[0].sessionId);
    const sessionId = battle.sides[1].sessionId;
    const session = this.#sessions.find(sessionId);
    if (!session || session.status !== 'live') throw new AppError('CONFLICT', 'that session is not live');
    if (this.#battleOfSession.has(sessionId)) throw new AppError('CONFLICT', 'that session is already in a battle');
    if (!ownerPeer) throw new AppError('UNAVAILABLE', "the inviting session's node is not reachable");
    const active: ActiveBattle = {
      role: 'follower',
      peer: ownerPeer,
      stopWatchingPeer: undefined,
      state: battle,
      timer: undefined,
      media: undefined,
      mediaLink: undefined,
      feed: undefined,
      queue: Promise.resolve(),
    };
    this.#battleOfSession.set(sessionId, battle.id);
    this.#battles.set(battle.id, active);
    active.stopWatchingPeer = ownerPeer.onGone(() => this.#ownerGone(active));
  }

  #followed(battleId: string): ActiveBattle | undefined {
    const active = this.#battles.get(battleId);
    return active?.role === 'follower' ? active : undefined;
  }

  /**
   * The battle's owner left the cluster: the battle ends here, interrupted
   * (the node taking over its session closes the record: docs/scale-out.md).
   */
  #ownerGone(active: ActiveBattle): void {
    if (this.#battles.get(active.state.id) !== active) return;
    const under = active.state.phase === 'invited' || active.state.phase === 'countdown';
    const ended: BattleState = {
      ...snapshot(active.state),
      phase: under ? 'cancelled' : 'ended',
      endReason: active.state.phase === 'result' ? active.state.endReason : 'interrupted',
      endedAt: new Date().toISOString(),
    };
    this.#logger.warn({ battleId: ended.id }, "the battle's owner node is gone: the battle ends here");
    active.state = ended;
    this.#finish(active);
    this.#pushes.phase(phaseEvents[ended.phase], ended);
    this.emit('changed', snapshot(ended));
  }

  // --- checks ------------------------------------------------------------------

  /** The caller's own live session, ready to battle. */
  #battleReadySession(caller: Identity, sessionId: string): Session {
    if (caller.role === undefined || isGuestUserId(caller.userId)) {
      throw new AppError('UNAUTHENTICATED', 'sign in with an account to battle');
    }
    const session = this.#sessions.get(sessionId);
    session.assertPrimary(caller, 'start a battle');
    if (session.status !== 'live') throw new AppError('CONFLICT', 'go live before starting a battle');
    if (this.#battleOfSession.has(session.id)) throw new AppError('CONFLICT', 'your session is already in a battle');
    return session;
  }

  /** A session's facts, from this node or from its owner (with the peer to reach it). */
  async #factsOf(sessionId: string): Promise<{ facts: BattleSessionFacts; peer?: BattlePeer } | undefined> {
    const local = this.#sessions.find(sessionId);
    if (local) return { facts: factsOf(local) };
    const peer = await this.#relay?.peerOf(sessionId);
    const facts = await peer?.call('battle:facts', { sessionId });
    return peer && facts ? { facts, peer } : undefined;
  }

  async #sidesFacts(active: ActiveBattle): Promise<(BattleSessionFacts | undefined)[]> {
    return Promise.all(active.state.sides.map(async (side) => (await this.#factsOf(side.sessionId))?.facts));
  }

  async #opponentSession(
    caller: Identity,
    sessionId: string,
  ): Promise<{ facts: BattleSessionFacts; peer?: BattlePeer }> {
    const found = await this.#factsOf(sessionId);
    if (!found) throw new AppError('NOT_FOUND', 'no such session (it may have ended)');
    const opponent = found.facts;
    if (opponent.status !== 'live') throw new AppError('CONFLICT', 'that session is not live');
    if (opponent.primaryHostId === caller.userId) throw new AppError('INVALID_INPUT', 'you cannot battle yourself');
    if (isGuestUserId(opponent.primaryHostId)) {
      throw new AppError('NOT_ALLOWED', "that session's host is a guest: battles need accounts on both sides");
    }
    if (this.#battleOfSession.has(opponent.id)) throw new AppError('CONFLICT', 'that session is already in a battle');
    return found;
  }

  #newState(own: BattleSessionFacts, opponent: BattleSessionFacts, invitedBy: string, durationS: number): BattleState {
    const now = Date.now();
    const sideOf = (session: BattleSessionFacts) => ({
      sessionId: session.id,
      sessionTitle: session.title,
      hostId: session.primaryHostId,
      hostName: session.primaryHostName,
      score: 0,
      outcome: null,
      mvp: null,
    });
    return {
      id: crypto.randomBytes(9).toString('base64url'),
      phase: 'invited',
      durationS,
      invitedBy,
      createdAt: new Date(now).toISOString(),
      respondBy: new Date(now + this.#ms(BATTLE_INVITE_TTL_S)).toISOString(),
      startsAt: null,
      endsAt: null,
      resultUntil: null,
      endedAt: null,
      endReason: null,
      winnerSessionId: null,
      sides: [sideOf(own), sideOf(opponent)],
      serverTime: new Date(now).toISOString(),
    };
  }

  #ms(seconds: number): number {
    return Math.round((seconds * 1000) / this.#scale);
  }
}

function factsOf(session: Session): BattleSessionFacts {
  return {
    id: session.id,
    title: session.title,
    status: session.status,
    primaryHostId: session.primaryHostId,
    primaryHostName: session.host(session.primaryHostId).displayName,
  };
}

/** A copy to hand out, stamped with the server's clock. */
function snapshot(state: BattleState): BattleState {
  return {
    ...state,
    sides: [{ ...state.sides[0] }, { ...state.sides[1] }],
    serverTime: new Date().toISOString(),
  };
}
