// A battle's media: each session's hosts' cameras and microphones forwarded
// into the other session's router (two RouterPipes, one each way), so each
// side's hosts consume the opponent like a co-host (same adaptive quality)
// and each compositor composes the opponent's pictures and mixes their
// voices. Tracks published later are forwarded as they come; a source that
// closes takes its guest with it (RouterPipe). Each side's hosts are told
// the opponent's hosts and tracks as their own router has them
// (`pk-battle:opponent-hosts`), again whenever that changes.
import type { Logger } from 'pino';
import type { MediaRoom } from '../../sfu/MediaRoom.ts';
import type { PeerProducer, TrackSource } from '../../sfu/MediaRoomTypes.ts';
import { RouterPipe } from '../../sfu/RouterPipe.ts';
import type { Session } from '../multihost/Session.ts';
import type { SessionService } from '../multihost/SessionService.ts';
import type { BattleState, HostState, SessionState } from '../protocol/index.ts';
import type { BattleMediaHooks, BattleMediaLink } from './BattleService.ts';
import type { BattlePushes } from './BattlePushes.ts';
import { opponentHostStates, opponentHostsOf, type OpponentHost } from './opponentHosts.ts';

/** A battle shows cameras and voices; screen shares stay in their own session. */
export const FORWARDED_SOURCES: readonly TrackSource[] = ['camera', 'microphone'];
/** Several track changes in a burst are told once. */
export const TELL_DEBOUNCE_MS = 50;

/** One direction: a session's tracks into the other session's router. */
interface Direction {
  source: Session;
  target: Session;
  pipe: RouterPipe;
  tellTimer: NodeJS.Timeout | undefined;
}

export class BattleMedia implements BattleMediaLink {
  readonly battleId: string;
  readonly #directions: [Direction, Direction];
  readonly #sessions: SessionService;
  readonly #pushes: BattlePushes;
  readonly #logger: Logger;
  readonly #onTrackPublished: (session: Session, producer: PeerProducer) => void;
  readonly #onSessionChanged: (() => void)[] = [];
  #closed = false;

  /** Opens both pipes and forwards what is published now; closes what it made if anything fails. */
  static async open(
    battle: BattleState,
    sessions: SessionService,
    pushes: BattlePushes,
    logger: Logger,
    hooks: BattleMediaHooks,
  ): Promise<BattleMedia> {
    const [a, b] = battle.sides.map((side) => sessions.get(side.sessionId)) as [Session, Session];
    const [roomA, roomB] = await Promise.all([sessions.openMediaRoom(a), sessions.openMediaRoom(b)]);
    const toB = await RouterPipe.open(roomA, roomB, logger);
    let toA: RouterPipe;
    try {
      toA = await RouterPipe.open(roomB, roomA, logger);
    } catch (error) {
      toB.close();
      throw error;
    }
    const media = new BattleMedia(
      battle.id,
      [
        { source: a, target: b, pipe: toB, tellTimer: undefined },
        { source: b, target: a, pipe: toA, tellTimer: undefined },
      ],
      sessions,
      pushes,
      logger.child({ battleId: battle.id }),
      hooks,
    );
    try {
      await media.#forwardPublished([roomA, roomB]);
    } catch (error) {
      media.close();
      throw error;
    }
    return media;
  }

  private constructor(
    battleId: string,
    directions: [Direction, Direction],
    sessions: SessionService,
    pushes: BattlePushes,
    logger: Logger,
    { lost: onLost, changed: onChanged }: BattleMediaHooks,
  ) {
    this.battleId = battleId;
    this.#directions = directions;
    this.#sessions = sessions;
    this.#pushes = pushes;
    this.#logger = logger;
    for (const direction of directions) {
      const changed = () => {
        this.#tell(direction);
        onChanged();
      };
      direction.pipe.on('guest', changed);
      direction.pipe.on('guestclose', changed);
      // A room closed (its session ended, or its worker died): the battle cannot go on as it was.
      direction.pipe.once('close', (reason) => {
        if (reason === 'room-closed' && !this.#closed) onLost();
      });
      // Camera off/on on the source side, and a host joining (or reloading) on the target side, re-tell the list.
      const retell = () => this.#tell(direction);
      for (const session of [direction.source, direction.target]) {
        session.on('changed', retell);
        this.#onSessionChanged.push(() => session.off('changed', retell));
      }
    }
    this.#onTrackPublished = (session, producer) => {
      const direction = this.#directions.find((candidate) => candidate.source === session);
      if (direction) this.#forward(direction, producer);
    };
    sessions.on('trackPublished', this.#onTrackPublished);
  }

  /** The opponent's hosts with their tracks in `sessionId`'s router, primary host first. */
  opponentsIn(sessionId: string): OpponentHost[] {
    const direction = this.#directions.find((candidate) => candidate.target.id === sessionId);
    if (!direction || this.#closed) return [];
    return opponentHostsOf(direction.source.toState(), direction.pipe.forwarded.values());
  }

  /** The opponent session's state, while it has not ended. */
  opponentState(sessionId: string): SessionState | undefined {
    const direction = this.#directions.find((candidate) => candidate.target.id === sessionId);
    return direction && this.#sessions.find(direction.source.id)?.toState();
  }

  /** The opponent's producer `sourceProducerId` as forwarded into `sessionId`'s router. */
  forwardedInto(sessionId: string, sourceProducerId: string): PeerProducer | undefined {
    if (this.#closed) return undefined;
    return this.#directions
      .find((candidate) => candidate.target.id === sessionId)
      ?.pipe.forwarded.get(sourceProducerId);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#sessions.off('trackPublished', this.#onTrackPublished);
    for (const stop of this.#onSessionChanged) stop();
    for (const direction of this.#directions) {
      clearTimeout(direction.tellTimer);
      direction.pipe.close();
      this.#pushes.opponentHosts(direction.target.id, this.battleId, []);
    }
  }

  async #forwardPublished(rooms: [MediaRoom, MediaRoom]): Promise<void> {
    await Promise.all(
      this.#directions.map((direction, index) =>
        Promise.all(
          [...rooms[index]!.peers.values()].flatMap((peer) =>
            [...peer.producers.values()].map((producer) => this.#forwardNow(direction, producer)),
          ),
        ),
      ),
    );
    for (const direction of this.#directions) this.#tell(direction);
  }

  #forward(direction: Direction, producer: PeerProducer): void {
    this.#forwardNow(direction, producer).catch((error: unknown) =>
      this.#logger.warn({ err: error, producerId: producer.id }, 'forwarding a track to the opponent failed'),
    );
  }

  async #forwardNow(direction: Direction, producer: PeerProducer): Promise<void> {
    if (this.#closed || !FORWARDED_SOURCES.includes(producer.appData.source)) return;
    await direction.pipe.forward(producer).catch((error: unknown) => {
      // The source closed (the host left or unpublished) meanwhile: nothing to forward.
      if (producer.closed || direction.pipe.closed) return;
      throw error;
    });
  }

  /** The source session's hosts that have a track in the pipe, as the target's hosts see them. */
  #opponentHosts(direction: Direction): HostState[] {
    return opponentHostStates(direction.source.toState(), direction.pipe.forwarded.values());
  }

  #tell(direction: Direction): void {
    if (this.#closed || direction.tellTimer) return;
    direction.tellTimer = setTimeout(() => {
      direction.tellTimer = undefined;
      if (this.#closed) return;
      this.#pushes.opponentHosts(direction.target.id, this.battleId, this.#opponentHosts(direction));
    }, TELL_DEBOUNCE_MS);
  }
}
