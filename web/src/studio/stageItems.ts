// What the stage shows: one tile per host in the room and on air (camera),
// plus one per screen share, in the session's host order (primary first);
// and what the backstage strip shows: the same for the hosts off air. Which tiles and
// which one is the main tile is the shared rule (layoutGeometry.ts:
// stageEntries, stageFocus) the recorder composes the broadcast with, so the
// studio and the audience see the same picture. Pure.
import type { HostState, LayoutState } from '../../../signaling/protocol/index.ts';
import { stageEntries, stageFocus } from '../../../signaling/protocol/layoutGeometry.ts';

export interface StageItem {
  /** The layout's peer id: the user id for a camera, `<userId>:screen` for a screen share. */
  key: string;
  userId: string;
  displayName: string;
  kind: 'camera' | 'screen';
  isSelf: boolean;
}

export interface StageInput {
  hosts: readonly HostState[];
  selfUserId: string;
  /** This host is in the room (it shows even before the server lists it as connected). */
  selfInRoom: boolean;
  selfSharingScreen: boolean;
}

export function stageItems(input: StageInput): StageItem[] {
  return itemsOf(input, true);
}

/** The hosts in the room but off air: seen and heard by the hosts only. */
export function backstageItems(input: StageInput): StageItem[] {
  return itemsOf(input, false);
}

function itemsOf({ hosts, selfUserId, selfInRoom, selfSharingScreen }: StageInput, onAir: boolean): StageItem[] {
  const onStage = hosts.filter(
    (host) => host.onAir === onAir && (host.userId === selfUserId ? selfInRoom : host.connected),
  );
  const byId = new Map(onStage.map((host) => [host.userId, host]));
  const entries = stageEntries(
    onStage.map((host) => ({
      hostId: host.userId,
      sharingScreen:
        host.userId === selfUserId ? selfSharingScreen : host.tracks.some((track) => track.source === 'screen'),
    })),
  );
  return entries.map((entry) => ({
    key: entry.key,
    userId: entry.hostId,
    displayName: byId.get(entry.hostId)?.displayName ?? '',
    kind: entry.kind,
    isSelf: entry.hostId === selfUserId,
  }));
}

/**
 * The main tile outside grid: the pinned host, else a screen share, else
 * the active speaker; undefined lets the layout take the first tile.
 */
export function focusKey(
  items: readonly StageItem[],
  layout: LayoutState,
  activeSpeakerId: string | null,
): string | undefined {
  return stageFocus(
    items.map((item) => ({ key: item.key, hostId: item.userId, kind: item.kind })),
    layout.pinnedUserId,
    activeSpeakerId,
  );
}
