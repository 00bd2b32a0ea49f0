// From "who is on stage, in which layout" to what each compositor slot
// shows. Hosts keep their slot for as long as they are on stage, so a layout
// change only moves pictures and never re-routes media. Pure.
import { computeLayout, type LayoutKind } from '../../signaling/protocol/layoutGeometry.ts';
import type { SlotScene, SlotView } from './slotGraph.ts';

export interface SceneHost {
  hostId: string;
  camera: boolean;
  /** Filter-safe name for the camera-off tile. */
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
