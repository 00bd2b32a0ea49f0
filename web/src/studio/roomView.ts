// How a studio's copy of the room is checked against the server's
// (StudioSession #checkRoomView): which co-hosts differ in presence, place
// (on air or backstage) or tracks, and the copy with only those taken from
// the server. Pure.
//
// This host's own entry is left out: the server does not push a host its
// own producers (it made them), so its listing here always lags, and the
// studio knows its own media better than the listing does. Only the hosts
// that differ are replaced: the server's answer can be older than a push
// that already arrived about someone else, and taking its whole list would
// undo that push (a co-host shown as not yet joined, without a tile).
import type { HostState } from '../../../signaling/protocol/index.ts';

/** One co-host as the check sees it: in the room or not, backstage or not, and what it sends. */
function viewOf(host: HostState): string {
  const tracks = host.tracks.map((track) => track.producerId).sort();
  return [host.connected ? 'connected' : 'away', ...(host.onAir ? [] : ['backstage']), ...tracks].join(' ');
}

export interface HostDifference {
  userId: string;
  /** undefined: not listed on that side. */
  known: string | undefined;
  server: string | undefined;
}

/** The co-hosts (not `selfUserId`) whose presence or tracks differ, by user id. */
export function roomDifferences(
  known: readonly HostState[],
  server: readonly HostState[],
  selfUserId: string,
): HostDifference[] {
  const views = (hosts: readonly HostState[]) =>
    new Map(hosts.filter((host) => host.userId !== selfUserId).map((host) => [host.userId, viewOf(host)]));
  const knownViews = views(known);
  const serverViews = views(server);
  const userIds = [...new Set([...knownViews.keys(), ...serverViews.keys()])].sort();
  return userIds
    .map((userId) => ({ userId, known: knownViews.get(userId), server: serverViews.get(userId) }))
    .filter((difference) => difference.known !== difference.server);
}

/** `known` with the entries of `userIds` as the server lists them (added, replaced or removed). */
export function withServerHosts(
  known: readonly HostState[],
  server: readonly HostState[],
  userIds: readonly string[],
): HostState[] {
  const taken = new Set(userIds);
  const fromServer = new Map(server.filter((host) => taken.has(host.userId)).map((host) => [host.userId, host]));
  const kept = known.flatMap((host) => {
    if (!taken.has(host.userId)) return [host];
    const replacement = fromServer.get(host.userId);
    return replacement ? [replacement] : [];
  });
  const knownIds = new Set(known.map((host) => host.userId));
  return [...kept, ...server.filter((host) => taken.has(host.userId) && !knownIds.has(host.userId))];
}
