// This node's halves of cross-node battles' media, by battle, and the relay
// messages that reach them. The handshake (docs/scale-out.md):
//   owner:    opens its end (address A) → `battle:media-open` {A}
//   follower: opens its end, connects to A, answers with B
//   owner:    connects to B, starts sending → `battle:media-start`
//   follower: starts sending
// A half is registered before its address leaves the node, so the other
// half's first track always finds it.
import type { Logger } from 'pino';
import type { NodePipeListen, PipeAddress } from '../../sfu/NodePipe.ts';
import type { Session } from '../multihost/Session.ts';
import type { SessionService } from '../multihost/SessionService.ts';
import type { BattleState } from '../protocol/index.ts';
import { BattleMediaHalf } from './BattleMediaHalf.ts';
import type { BattlePushes } from './BattlePushes.ts';
import type { BattlePeer, BattleRelay } from './BattleRelay.ts';
import type { BattleMediaHooks } from './BattleService.ts';

export interface BattleMediaHalvesOptions {
  relay: BattleRelay;
  sessions: SessionService;
  pushes: BattlePushes;
  /** Where this node's pipe ends listen (the node's RTC address). */
  listen: NodePipeListen;
  logger: Logger;
}

export class BattleMediaHalves {
  readonly #halves = new Map<string, BattleMediaHalf>();
  readonly #options: BattleMediaHalvesOptions;

  constructor(options: BattleMediaHalvesOptions) {
    this.#options = options;
    const { relay } = options;
    relay.handle('battle:media-start', async ({ battleId }) => {
      this.#halves.get(battleId)?.begin();
      return null;
    });
    relay.handle('battle:media-track', async ({ battleId, track }) => {
      const half = this.#halves.get(battleId);
      if (half) await half.receiveTrack(track);
      return null;
    });
    relay.handle('battle:media-paused', async ({ battleId, sourceId, paused }) => {
      this.#halves.get(battleId)?.setGuestPaused(sourceId, paused);
      return null;
    });
    relay.handle('battle:media-closed', async ({ battleId, sourceId }) => {
      this.#halves.get(battleId)?.closeGuest(sourceId);
      return null;
    });
    relay.handle('battle:media-session', async ({ battleId, session }) => {
      this.#halves.get(battleId)?.opponentChanged(session);
      return null;
    });
  }

  /** The battle's owner: opens its half, has the follower open the other, connects both. */
  async open(
    battle: BattleState,
    session: Session,
    peer: BattlePeer,
    hooks: BattleMediaHooks,
  ): Promise<BattleMediaHalf> {
    const opponentSessionId = opponentOf(battle, session.id);
    const half = await this.#open(battle.id, session, peer, hooks, opponentSessionId);
    try {
      const { address } = await peer.call('battle:media-open', {
        battle,
        sessionId: opponentSessionId,
        address: half.address,
      });
      await half.connect(address);
      half.begin();
      peer.send('battle:media-start', { battleId: battle.id });
    } catch (error) {
      half.close();
      throw error;
    }
    return half;
  }

  /** The follower, answering `battle:media-open`: opens its half and connects it to the owner's. */
  async accept(
    battle: BattleState,
    session: Session,
    peer: BattlePeer,
    remote: PipeAddress,
    hooks: BattleMediaHooks,
  ): Promise<BattleMediaHalf> {
    const half = await this.#open(battle.id, session, peer, hooks, opponentOf(battle, session.id));
    try {
      await half.connect(remote);
    } catch (error) {
      half.close();
      throw error;
    }
    return half;
  }

  async #open(
    battleId: string,
    session: Session,
    peer: BattlePeer,
    hooks: BattleMediaHooks,
    opponentSessionId: string,
  ): Promise<BattleMediaHalf> {
    const { sessions, pushes, listen, logger } = this.#options;
    const half = await BattleMediaHalf.open(
      { battleId, session, peer, sessions, pushes, listen, hooks, logger },
      opponentSessionId,
    );
    this.#halves.get(battleId)?.close();
    this.#halves.set(battleId, half);
    half.onClose(() => {
      if (this.#halves.get(battleId) === half) this.#halves.delete(battleId);
    });
    return half;
  }
}

function opponentOf(battle: BattleState, sessionId: string): string {
  return battle.sides[0].sessionId === sessionId ? battle.sides[1].sessionId : battle.sides[0].sessionId;
}
