// How each push changes the client's copy of a session. Pure functions over
// immutable SessionState: the server owns the state, the client replays its
// pushes onto the snapshot it got when joining (or over HTTP).
import type {
  HostState,
  LayoutState,
  LeaveReason,
  OnScreenState,
  PublishedTrack,
  SessionPlan,
  SessionSettings,
  SessionState,
  SessionStatus,
  TrackSource,
} from '../../../signaling/protocol/index.ts';

function mapHost(session: SessionState, userId: string, change: (host: HostState) => HostState): SessionState {
  if (!session.hosts.some((host) => host.userId === userId)) return session;
  return { ...session, hosts: session.hosts.map((host) => (host.userId === userId ? change(host) : host)) };
}

/** A host joined, reconnected, or was added (approved, accepted). */
export function upsertHost(session: SessionState, host: HostState): SessionState {
  const known = session.hosts.some((existing) => existing.userId === host.userId);
  return {
    ...session,
    hosts: known
      ? session.hosts.map((existing) => (existing.userId === host.userId ? host : existing))
      : [...session.hosts, host],
  };
}

/** A host whose connection dropped, for whom the session waits until `awayUntil` (ISO). */
export function hostAway(session: SessionState, userId: string, awayUntil: string): SessionState {
  return mapHost(session, userId, (host) => ({ ...host, connected: false, awayUntil }));
}

/** A removed host is gone; one that left or dropped stays a host, without media. */
export function hostLeft(session: SessionState, userId: string, reason: LeaveReason): SessionState {
  if (reason === 'removed') {
    return {
      ...session,
      hosts: session.hosts.filter((host) => host.userId !== userId),
      layout: session.layout.pinnedUserId === userId ? { ...session.layout, pinnedUserId: null } : session.layout,
      activeSpeakerId: session.activeSpeakerId === userId ? null : session.activeSpeakerId,
    };
  }
  return mapHost(session, userId, (host) => ({ ...host, connected: false, tracks: [] }));
}

/** A host has one track per source: a producer replaces the same source sent peer to peer (a switch to the SFU). */
export function trackPublished(session: SessionState, userId: string, track: PublishedTrack): SessionState {
  return mapHost(session, userId, (host) => ({
    ...host,
    tracks: [
      ...host.tracks.filter((existing) => existing.producerId !== track.producerId && existing.source !== track.source),
      track,
    ],
  }));
}

export function trackClosed(session: SessionState, userId: string, producerId: string): SessionState {
  return mapHost(session, userId, (host) => ({
    ...host,
    tracks: host.tracks.filter((track) => track.producerId !== producerId),
  }));
}

export function trackToggled(
  session: SessionState,
  userId: string,
  source: TrackSource,
  enabled: boolean,
): SessionState {
  return mapHost(session, userId, (host) => ({
    ...host,
    tracks: host.tracks.map((track) => (track.source === source ? { ...track, paused: !enabled } : track)),
  }));
}

export function layoutChanged(session: SessionState, layout: LayoutState): SessionState {
  return { ...session, layout };
}

export function settingsChanged(
  session: SessionState,
  title: string,
  settings: SessionSettings,
  plan: SessionPlan,
): SessionState {
  return { ...session, title, settings, plan };
}

export function onScreenChanged(session: SessionState, onScreen: OnScreenState): SessionState {
  return { ...session, onScreen };
}

export function statusChanged(session: SessionState, status: SessionStatus): SessionState {
  return { ...session, status };
}

export function activeSpeakerChanged(session: SessionState, userId: string | null): SessionState {
  return { ...session, activeSpeakerId: userId };
}

/** A host's track of `source`, if published. */
export function trackOf(host: HostState, source: TrackSource): PublishedTrack | undefined {
  return host.tracks.find((track) => track.source === source);
}

/** Whether a host (if known) sends `source` now: published and not paused. */
export function isSending(host: HostState | undefined, source: TrackSource): boolean {
  const track = host && trackOf(host, source);
  return track !== undefined && !track.paused;
}

/** The producers of every host but `selfUserId` (on the router: not those sent only peer to peer). */
export function remoteProducerIds(session: SessionState, selfUserId: string): ReadonlySet<string> {
  return new Set(
    session.hosts
      .filter((host) => host.userId !== selfUserId)
      .flatMap((host) => host.tracks.filter((track) => track.via === 'sfu').map((track) => track.producerId)),
  );
}

/**
 * What this host should be consuming: its co-hosts' producers and, in a
 * battle, the opponent's hosts' (piped into this session's router).
 */
export function wantedProducerIds(
  session: SessionState,
  opponentHosts: readonly HostState[],
  selfUserId: string,
): ReadonlySet<string> {
  const opponents = opponentHosts.flatMap((host) => host.tracks.map((track) => track.producerId));
  return new Set([...remoteProducerIds(session, selfUserId), ...opponents]);
}
