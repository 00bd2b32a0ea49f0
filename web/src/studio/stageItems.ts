// What the stage shows: one tile per host in the room (camera), plus one per
// screen share, in the session's host order (primary first). Pure, so the
// ordering and focus rules are testable without a DOM.
import type { HostState, LayoutState } from '../../../signaling/protocol/index.ts';
import { MAX_LAYOUT_PEERS } from '../../../signaling/protocol/layoutGeometry.ts';

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

export function stageItems({ hosts, selfUserId, selfInRoom, selfSharingScreen }: StageInput): StageItem[] {
  const items: StageItem[] = [];
  for (const host of hosts) {
    const isSelf = host.userId === selfUserId;
    if (!(isSelf ? selfInRoom : host.connected)) continue;
    const base = { userId: host.userId, displayName: host.displayName, isSelf };
    items.push({ ...base, key: host.userId, kind: 'camera' });
    const sharing = isSelf ? selfSharingScreen : host.tracks.some((track) => track.source === 'screen');
    if (sharing) items.push({ ...base, key: `${host.userId}:screen`, kind: 'screen' });
  }
  // Cameras before screens once the canvas is full: nine hosts never lose a tile to a share.
  if (items.length <= MAX_LAYOUT_PEERS) return items;
  const cameras = items.filter((item) => item.kind === 'camera');
  const screens = items.filter((item) => item.kind === 'screen');
  const kept = new Set([...cameras, ...screens].slice(0, MAX_LAYOUT_PEERS));
  return items.filter((item) => kept.has(item));
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
  const has = (key: string | null) => key !== null && items.some((item) => item.key === key);
  if (has(layout.pinnedUserId)) return layout.pinnedUserId ?? undefined;
  const screen = items.find((item) => item.kind === 'screen');
  if (screen) return screen.key;
  return has(activeSpeakerId) ? (activeSpeakerId ?? undefined) : undefined;
}
