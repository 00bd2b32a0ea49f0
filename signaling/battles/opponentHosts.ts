// The opponent's hosts as one battling session's router has them: the
// opponent session's hosts on air that have a track piped in (backstage is
// not for the other side either), primary first, with
// the guests' ids (what this session's hosts consume). Shared by the media
// of a battle on one node (BattleMedia) and across two (BattleMediaHalf).
import type { PeerProducer } from '../../sfu/MediaRoomTypes.ts';
import type { HostState, SessionState } from '../protocol/index.ts';

/** One opponent host with its tracks in this session's router (for the compositor). */
export interface OpponentHost {
  hostId: string;
  displayName: string;
  /** The session's primary host comes first. */
  primary: boolean;
  video?: PeerProducer;
  audio?: PeerProducer;
}

/** What this session's hosts are told (`pk-battle:opponent-hosts`): host states whose tracks are the guests. */
export function opponentHostStates(opponent: SessionState, guests: Iterable<PeerProducer>): HostState[] {
  const guestsByHost = new Map<string, PeerProducer[]>();
  for (const guest of guests) {
    const list = guestsByHost.get(guest.appData.peerId) ?? [];
    list.push(guest);
    guestsByHost.set(guest.appData.peerId, list);
  }
  return opponent.hosts
    .filter((host) => host.onAir && guestsByHost.has(host.userId))
    .sort((x, y) => (x.role === 'primary' ? -1 : y.role === 'primary' ? 1 : 0))
    .map((host) => ({
      ...host,
      tracks: guestsByHost.get(host.userId)!.map((guest) => ({
        producerId: guest.id,
        source: guest.appData.source,
        kind: guest.kind,
        paused: guest.paused,
        via: 'sfu' as const,
      })),
    }));
}

export function opponentHostsOf(opponent: SessionState, guests: Iterable<PeerProducer>): OpponentHost[] {
  const all = [...guests];
  return opponentHostStates(opponent, all).map((host) => {
    const own = all.filter((guest) => guest.appData.peerId === host.userId);
    const video = own.find((guest) => guest.appData.source === 'camera');
    const audio = own.find((guest) => guest.appData.source === 'microphone');
    return {
      hostId: host.userId,
      displayName: host.displayName,
      primary: host.role === 'primary',
      ...(video ? { video } : {}),
      ...(audio ? { audio } : {}),
    };
  });
}
