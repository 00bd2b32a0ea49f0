// What a battle needs of another node when its two sessions are owned by
// different cluster nodes (docs/scale-out.md, "Battles across nodes"). The
// battle's state machine runs on the owner of the inviting session (side 0),
// where every request about the battle is routed; the other session's owner
// follows it (its hosts' gifts, its compositor's battle layout, its half of
// the media). The two talk through a BattlePeer; one node on its own has no
// relay and every battle is local. The cluster implements it on its bus
// (signaling/cluster/clusterBattleRelay.ts).
import type { PipeAddress, PipedTrack } from '../../sfu/NodePipe.ts';
import type { GiftLook } from '../gifts/GiftFeed.ts';
import type { BattleState, GiftView, SessionState } from '../protocol/index.ts';

/** What a battle needs to know of a session owned elsewhere, as its owner has it. */
export interface BattleSessionFacts {
  id: string;
  title: string;
  status: SessionState['status'];
  primaryHostId: string;
  primaryHostName: string;
}

/** The messages between the two owners, with what each carries and answers. */
export interface BattleMessages {
  /** → the other session's owner: its facts. */
  'battle:facts': { args: { sessionId: string }; reply: BattleSessionFacts | null };
  /** → the invited session's owner: mark it taken by this battle (CONFLICT if it is in another). */
  'battle:claim': { args: { battle: BattleState }; reply: null };
  /** → the follower: the battle's new state (its final phase ends the following). */
  'battle:follow': { args: { battle: BattleState }; reply: null };
  /** → the follower: live scores (paced like the gift pushes). */
  'battle:scores': { args: { battleId: string; scores: [number, number] }; reply: null };
  /** → the battle's owner: a gift to the follower's side was committed. */
  'battle:gift': { args: { gift: GiftView; look: GiftLook }; reply: null };
  /** → the battle's owner: the follower's session ended or moved away. */
  'battle:session-ended': { args: { battleId: string; sessionId: string }; reply: null };
  /** → the battle's owner: the follower's half of the media broke (its room closed). */
  'battle:lost': { args: { battleId: string }; reply: null };
  /** → the follower: open your half of the media, connect to this address, answer with yours. */
  'battle:media-open': {
    args: { battle: BattleState; sessionId: string; address: PipeAddress };
    reply: { address: PipeAddress };
  };
  /** → the follower: both ends are connected, start sending your tracks. */
  'battle:media-start': { args: { battleId: string }; reply: null };
  /** → the other half: a track of my session; make its guest (answered once it exists). */
  'battle:media-track': { args: { battleId: string; track: PipedTrack }; reply: null };
  /** → the other half: a track I send paused or resumed. */
  'battle:media-paused': { args: { battleId: string; sourceId: string; paused: boolean }; reply: null };
  /** → the other half: a track I sent closed. */
  'battle:media-closed': { args: { battleId: string; sourceId: string }; reply: null };
  /** → the other half: my session's state (its hosts and their tracks), whenever it changes. */
  'battle:media-session': { args: { battleId: string; session: SessionState }; reply: null };
}

export type BattleMessage = keyof BattleMessages;

/** The node owning the other session of a battle, reached directly. */
export interface BattlePeer {
  readonly nodeId: string;
  call<M extends BattleMessage>(method: M, args: BattleMessages[M]['args']): Promise<BattleMessages[M]['reply']>;
  /** One-way; in order with this peer's other messages. A peer that is gone drops it (onGone tells). */
  send<M extends BattleMessage>(method: M, args: BattleMessages[M]['args']): void;
  /** Calls `listener` once if the peer node leaves the cluster (dies, or is cut off). Returns a cancel. */
  onGone(listener: () => void): () => void;
}

export interface BattleRelay {
  /** The node owning a session this node does not own (undefined: no live node holds it). */
  peerOf(sessionId: string): Promise<BattlePeer | undefined>;
  handle<M extends BattleMessage>(
    method: M,
    handler: (args: BattleMessages[M]['args'], fromNodeId: string) => Promise<BattleMessages[M]['reply']>,
  ): void;
}
