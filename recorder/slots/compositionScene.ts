// From "who is on stage, in which layout" to what each compositor slot
// shows. Hosts keep their slot for as long as they are on stage, so a layout
// change only moves pictures and never re-routes media. The tiles are the
// stage's (stageEntries in the shared layout geometry): cameras sit in the
// host slots, screen shares in the screen slots after them. Pure.
import {
  computeLayout,
  MAX_LAYOUT_PEERS,
  MAX_STAGE_SCREENS,
  type LayoutKind,
  type StageEntry,
} from '../../signaling/protocol/layoutGeometry.ts';
import type { SlotScene, SlotView } from './slotGraph.ts';

/** The compositor's host slots (camera + microphone): as many hosts as a layout holds... */
export const HOST_SLOTS = MAX_LAYOUT_PEERS;
/** ...then its screen slots (screen + its sound): as many shares as the stage shows. */
export const SCREEN_SLOTS = MAX_STAGE_SCREENS;
/** Slots of each kind (audio, video). */
export const SLOT_COUNT = HOST_SLOTS + SCREEN_SLOTS;

export interface SceneHost {
  /** The tile's layout key: a host id (camera) or screenTileKey(hostId) (screen share). */
  hostId: string;
  /** The tile's video is on air (else it is a card with the name). */
  camera: boolean;
  /** Filter-safe name tag (drawtextSafe), written on the tile. */
  label?: string;
}

export interface SceneInput {
  hosts: readonly SceneHost[];
  layout: LayoutKind;
  focusHostId?: string;
}

/**
 * Slot per host: those already seated keep their slot, newcomers take the
 * lowest free ones. Throws when there are more hosts than slots.
 */
export function assignSlots(
  previous: ReadonlyMap<string, number>,
  hostIds: readonly string[],
  slotCount: number,
): Map<string, number> {
  if (hostIds.length > slotCount) throw new RangeError(`${hostIds.length} hosts do not fit in ${slotCount} slots`);
  const seats = new Map<string, number>();
  for (const hostId of hostIds) {
    const seat = previous.get(hostId);
    if (seat !== undefined && seat < slotCount) seats.set(hostId, seat);
  }
  const taken = new Set(seats.values());
  let free = 0;
  for (const hostId of hostIds) {
    if (seats.has(hostId)) continue;
    while (taken.has(free)) free++;
    seats.set(hostId, free);
    taken.add(free);
  }
  return seats;
}

/**
 * Slots for the stage's tiles: cameras (with their microphones) in slots
 * [0, hostSlots), screen shares (with their sound) in [hostSlots,
 * hostSlots + screenSlots); each keeps its slot while on stage (assignSlots).
 */
export function assignStageSlots(
  previous: ReadonlyMap<string, number>,
  entries: readonly StageEntry[],
  hostSlots: number,
  screenSlots: number,
): Map<string, number> {
  const keysOf = (kind: StageEntry['kind']) => entries.filter((entry) => entry.kind === kind).map((entry) => entry.key);
  const cameras = assignSlots(previous, keysOf('camera'), hostSlots);
  const previousScreens = new Map(
    [...previous].filter(([, slot]) => slot >= hostSlots).map(([key, slot]) => [key, slot - hostSlots]),
  );
  const screens = assignSlots(previousScreens, keysOf('screen'), screenSlots);
  return new Map([...cameras, ...[...screens].map(([key, slot]): [string, number] => [key, hostSlots + slot])]);
}

export function sceneOf(
  input: SceneInput,
  seats: ReadonlyMap<string, number>,
  canvas: { width: number; height: number },
  slotCount: number,
  gap = 8,
): SlotScene {
  const tiles = computeLayout(
    input.layout,
    canvas,
    input.hosts.map((host) => host.hostId),
    { gap, ...(input.focusHostId ? { focusPeerId: input.focusHostId } : {}) },
  );
  const scene: (SlotView | undefined)[] = Array.from({ length: slotCount }, () => undefined);
  input.hosts.forEach((host, index) => {
    const tile = tiles[index]!;
    const seat = seats.get(host.hostId);
    if (seat === undefined || seat < 0 || seat >= slotCount) {
      throw new RangeError(`host ${host.hostId} has no slot below ${slotCount}`);
    }
    scene[seat] = {
      tile: tile.rect,
      layer: tile.zIndex > 0 ? 1 : 0,
      camera: host.camera,
      ...(host.label ? { label: host.label } : {}),
    };
  });
  return scene;
}
