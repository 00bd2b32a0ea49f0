// What the audience should see of a session right now, derived from the
// session's state and its media room's producers — and, during a PK battle,
// the battle and the opponent session's hosts (their producers piped into
// this session's router).
import type { types } from 'mediasoup';
import type { Composition, RecordedBattle, RecordedHost } from '../../recorder/HlsRecorder.ts';
import type { BattleState, HostState, SessionState, TrackSource } from '../protocol/index.ts';
import { copyOnScreen } from '../protocol/onScreen.ts';

/** A battle as the session's compositor shows it. */
export interface BattleCompositionView {
  battle: BattleState;
  /** The other session's state (its hosts and their tracks). */
  opponent: SessionState;
  /** The opponent's producers as piped into this session's router (same ids as theirs). */
  findOpponentProducer: (producerId: string) => types.Producer | undefined;
}

/** Battle phases with a picture: the battle layout from the countdown to the end of the result banner. */
const ON_AIR_PHASES = new Set<BattleState['phase']>(['countdown', 'live', 'result']);

export function compositionOf(
  state: SessionState,
  findProducer: (producerId: string) => types.Producer | undefined,
  battleView?: BattleCompositionView,
): Composition {
  const battle = battleView && ON_AIR_PHASES.has(battleView.battle.phase) ? battleView : undefined;
  const hosts = connectedHosts(state, findProducer, battle !== undefined);
  // Spotlight, sidebar and pip follow the pinned host, else a shared screen,
  // else the active speaker (the recorder applies stageFocus, as the studio does).
  const focusHostId = state.activeSpeakerId ?? state.primaryHostId;
  return {
    hosts,
    layout: state.layout.kind,
    ...(state.layout.pinnedUserId ? { pinnedHostId: state.layout.pinnedUserId } : {}),
    focusHostId,
    onScreen: copyOnScreen(state.onScreen),
    ...(battle
      ? { battle: recordedBattle(state.id, battle, connectedHosts(battle.opponent, battle.findOpponentProducer, true)) }
      : {}),
  };
}

/** Two compositions with the same key render the same picture (nothing to send the recorder). */
export function compositionKey(composition: Composition): string {
  const tiles = composition.hosts.length + composition.hosts.filter((host) => host.screen).length;
  const focusMatters = composition.layout !== 'grid' && tiles > 1;
  const { battle } = composition;
  return JSON.stringify({
    layout: composition.layout,
    focus: focusMatters ? [composition.pinnedHostId ?? null, composition.focusHostId ?? null] : null,
    hosts: composition.hosts.map(hostKey),
    onScreen: composition.onScreen ?? null,
    // Scores are not in it: they go to the recorder through setBattleScores.
    battle: battle
      ? {
          opponents: battle.opponents.map(hostKey),
          phase: battle.phase,
          names: [battle.ownName, battle.opponentName],
          times: [battle.startsAt, battle.endsAt, battle.resultUntil ?? null],
          winner: battle.winner,
        }
      : null,
  });
}

function hostKey(host: RecordedHost): (string | null)[] {
  return [
    host.hostId,
    host.video?.id ?? null,
    host.audio?.id ?? null,
    host.screen?.id ?? null,
    host.screenAudio?.id ?? null,
    // Every tile carries its host's name.
    host.displayName ?? null,
  ];
}

/**
 * The session's hosts in the room and on air (backstage is for the hosts
 * only), with their live tracks; in a battle the primary host first (the
 * side's large tile).
 */
function connectedHosts(
  state: SessionState,
  findProducer: (producerId: string) => types.Producer | undefined,
  primaryFirst: boolean,
): RecordedHost[] {
  const connected = state.hosts.filter((host) => host.connected && host.onAir);
  const ordered = primaryFirst
    ? [
        ...connected.filter((host) => host.userId === state.primaryHostId),
        ...connected.filter((host) => host.userId !== state.primaryHostId),
      ]
    : connected;
  return ordered.map((host) => recordedHost(host, findProducer));
}

function recordedHost(host: HostState, findProducer: (producerId: string) => types.Producer | undefined): RecordedHost {
  const live = (source: TrackSource) => {
    // Peer-to-peer tracks are not on the router (a live session is never a mesh, but may still be switching).
    const track = host.tracks.find(
      (candidate) => candidate.source === source && !candidate.paused && candidate.via === 'sfu',
    );
    return track ? findProducer(track.producerId) : undefined;
  };
  const video = live('camera');
  const audio = live('microphone');
  const screen = live('screen');
  const screenAudio = live('screen-audio');
  return {
    hostId: host.userId,
    displayName: host.displayName,
    ...(video ? { video } : {}),
    ...(audio ? { audio } : {}),
    ...(screen ? { screen } : {}),
    ...(screenAudio ? { screenAudio } : {}),
  };
}

/** The battle from this session's side (`sessionId`): own side left, the opponent right. */
function recordedBattle(sessionId: string, view: BattleCompositionView, opponents: RecordedHost[]): RecordedBattle {
  const { battle } = view;
  const ownIndex = battle.sides[0].sessionId === sessionId ? 0 : 1;
  const own = battle.sides[ownIndex];
  const opponent = battle.sides[1 - ownIndex]!;
  const startsAt = timeOf(battle.startsAt) ?? Date.parse(battle.serverTime);
  const endsAt = timeOf(battle.endsAt) ?? startsAt + battle.durationS * 1000;
  const resultUntil = timeOf(battle.resultUntil);
  const winners = { win: 'own', loss: 'opponent', draw: 'draw' } as const;
  return {
    // Cameras and microphones only: a screen share is off stage in a battle.
    opponents: opponents.map(({ hostId, displayName, video, audio }) => ({
      hostId,
      ...(displayName !== undefined ? { displayName } : {}),
      ...(video ? { video } : {}),
      ...(audio ? { audio } : {}),
    })),
    ownName: own.hostName,
    opponentName: opponent.hostName,
    phase: battle.phase as RecordedBattle['phase'],
    startsAt,
    endsAt,
    ...(resultUntil !== undefined ? { resultUntil } : {}),
    scores: [own.score, opponent.score],
    winner: battle.phase === 'result' && own.outcome ? winners[own.outcome] : null,
  };
}

function timeOf(iso: string | null): number | undefined {
  if (iso === null) return undefined;
  const time = Date.parse(iso);
  return Number.isFinite(time) ? time : undefined;
}
