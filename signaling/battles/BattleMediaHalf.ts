// One node's half of a battle's media when the two sessions are owned by
// different cluster nodes. Its session's room holds one end of a
// PipeTransport pair (NodePipeEnd, RTX on) connected to the other node's;
// each half sends its own hosts' cameras and microphones to the other and
// makes guests of what the other sends, so each side's hosts and compositor
// consume the opponent exactly as in a battle on one node (BattleMedia).
//
// The halves talk through the battle's peer (the cluster bus): a track's
// RTP parameters (answered once its guest exists, so the sending end resumes
// at a key frame), a source's pause, resume and close, and the session's own
// state whenever it changes (the opponent's hosts' names and roles, which
// the other side's studio tiles and HLS layout show).
import type { Logger } from 'pino';
import type { PeerProducer } from '../../sfu/MediaRoomTypes.ts';
import { NodePipeEnd, type NodePipeListen, type PipeAddress, type PipedTrack } from '../../sfu/NodePipe.ts';
import type { Session } from '../multihost/Session.ts';
import type { SessionService } from '../multihost/SessionService.ts';
import type { SessionState } from '../protocol/index.ts';
import { FORWARDED_SOURCES, TELL_DEBOUNCE_MS } from './BattleMedia.ts';
import type { BattlePushes } from './BattlePushes.ts';
import type { BattlePeer } from './BattleRelay.ts';
import type { BattleMediaHooks, BattleMediaLink } from './BattleService.ts';
import { opponentHostStates, opponentHostsOf, type OpponentHost } from './opponentHosts.ts';

export interface BattleMediaHalfOptions {
  battleId: string;
  session: Session;
  peer: BattlePeer;
  sessions: SessionService;
  pushes: BattlePushes;
  listen: NodePipeListen;
  hooks: BattleMediaHooks;
  logger: Logger;
}

export class BattleMediaHalf implements BattleMediaLink {
  readonly battleId: string;
  readonly session: Session;
  readonly #end: NodePipeEnd;
  readonly #peer: BattlePeer;
  readonly #sessions: SessionService;
  readonly #pushes: BattlePushes;
  readonly #logger: Logger;
  readonly #stops: (() => void)[] = [];
  readonly #onClose: (() => void)[] = [];
  #opponent: SessionState | undefined;
  #tellTimer: NodeJS.Timeout | undefined;
  #stateTimer: NodeJS.Timeout | undefined;
  #closed = false;

  /** Opens this half's end of the pipe in the session's room (not yet connected). */
  static async open(options: BattleMediaHalfOptions, opponentSessionId: string): Promise<BattleMediaHalf> {
    const room = await options.sessions.openMediaRoom(options.session);
    const end = await NodePipeEnd.open(room, opponentSessionId, options.listen, options.logger);
    return new BattleMediaHalf(options, end);
  }

  private constructor(options: BattleMediaHalfOptions, end: NodePipeEnd) {
    this.battleId = options.battleId;
    this.session = options.session;
    this.#end = end;
    this.#peer = options.peer;
    this.#sessions = options.sessions;
    this.#pushes = options.pushes;
    this.#logger = options.logger.child({ battleId: options.battleId });
    const { lost, changed } = options.hooks;
    const guestsChanged = () => {
      this.#tell();
      changed();
    };
    end.on('guest', guestsChanged);
    end.on('guestclose', guestsChanged);
    end.once('close', (reason) => {
      if (reason === 'room-closed' && !this.#closed) {
        this.close();
        lost();
      }
    });
    end.on('sourcepaused', (sourceId, paused) =>
      this.#peer.send('battle:media-paused', { battleId: this.battleId, sourceId, paused }),
    );
    end.on('sourceclose', (sourceId) => this.#peer.send('battle:media-closed', { battleId: this.battleId, sourceId }));
  }

  /** Called once when the half closes (the battle ended, or the room closed under it). */
  onClose(listener: () => void): void {
    this.#onClose.push(listener);
  }

  get address(): PipeAddress {
    return this.#end.address;
  }

  /** Connects this end to the other half's. */
  connect(remote: PipeAddress): Promise<void> {
    return this.#end.connect(remote);
  }

  /**
   * Starts sending this session's tracks and state (once both ends are
   * connected: RTP that reached an end not yet connected would be dropped,
   * the first key frame with it).
   */
  begin(): void {
    if (this.#closed || this.#stops.length > 0) return;
    const onPublished = (session: Session, producer: PeerProducer) => {
      if (session === this.session) this.#send(producer);
    };
    this.#sessions.on('trackPublished', onPublished);
    this.#stops.push(() => this.#sessions.off('trackPublished', onPublished));
    // Host joins, leaves, camera off and on: the other side learns the hosts again (and this side re-tells).
    const onChanged = () => {
      this.#sendState();
      // A host who joined (or reloaded) on this side is told the opponent's hosts.
      this.#tell();
    };
    this.session.on('changed', onChanged);
    this.#stops.push(() => this.session.off('changed', onChanged));
    this.#sendStateNow();
    for (const peer of this.#end.room.peers.values()) {
      for (const producer of peer.producers.values()) this.#send(producer);
    }
  }

  // --- what the other half sends ------------------------------------------------

  receiveTrack(track: PipedTrack): Promise<void> {
    return this.#end.receive(track);
  }

  setGuestPaused(sourceId: string, paused: boolean): void {
    this.#end.setGuestPaused(sourceId, paused);
  }

  closeGuest(sourceId: string): void {
    this.#end.closeGuest(sourceId);
  }

  opponentChanged(state: SessionState): void {
    this.#opponent = state;
    this.#tell();
  }

  // --- BattleMediaLink ------------------------------------------------------------

  opponentsIn(sessionId: string): OpponentHost[] {
    if (sessionId !== this.session.id || this.#closed || !this.#opponent) return [];
    return opponentHostsOf(this.#opponent, this.#end.guests.values());
  }

  forwardedInto(sessionId: string, sourceProducerId: string): PeerProducer | undefined {
    if (sessionId !== this.session.id || this.#closed) return undefined;
    return this.#end.guests.get(sourceProducerId);
  }

  opponentState(sessionId: string): SessionState | undefined {
    return sessionId === this.session.id && !this.#closed ? this.#opponent : undefined;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const stop of this.#stops) stop();
    clearTimeout(this.#tellTimer);
    clearTimeout(this.#stateTimer);
    this.#end.close();
    this.#pushes.opponentHosts(this.session.id, this.battleId, []);
    for (const listener of this.#onClose) listener();
  }

  // --- inside -----------------------------------------------------------------------

  #send(producer: PeerProducer): void {
    if (this.#closed || !FORWARDED_SOURCES.includes(producer.appData.source)) return;
    this.#end
      .send(producer, (track) => this.#peer.call('battle:media-track', { battleId: this.battleId, track }).then(noop))
      .catch((error: unknown) => {
        // The source closed (the host left or unpublished) or the battle ended meanwhile.
        if (producer.closed || this.#closed) return;
        this.#logger.warn({ err: error, producerId: producer.id }, 'sending a track to the opponent node failed');
      });
  }

  #sendState(): void {
    if (this.#closed || this.#stateTimer) return;
    this.#stateTimer = setTimeout(() => {
      this.#stateTimer = undefined;
      this.#sendStateNow();
    }, TELL_DEBOUNCE_MS);
  }

  #sendStateNow(): void {
    if (this.#closed) return;
    this.#peer.send('battle:media-session', { battleId: this.battleId, session: this.session.toState() });
  }

  /** Tells this session's hosts the opponent's hosts and their guests here (`pk-battle:opponent-hosts`). */
  #tell(): void {
    if (this.#closed || this.#tellTimer) return;
    this.#tellTimer = setTimeout(() => {
      this.#tellTimer = undefined;
      if (this.#closed || !this.#opponent) return;
      this.#pushes.opponentHosts(
        this.session.id,
        this.battleId,
        opponentHostStates(this.#opponent, this.#end.guests.values()),
      );
    }, TELL_DEBOUNCE_MS);
  }
}

function noop(): void {}
