// Where a host's camera lands in the recorder's composed picture: the same
// layout geometry the recorder uses (signaling/layout/layoutGeometry.ts via
// recorder/slots/compositionScene.ts: tiles 8 px apart, the camera fitted
// inside its tile keeping its aspect; the bench's cameras are 16:9),
// computed from the session state anyone can read.
import { computeLayout, fitInside, type LayoutKind } from '../../signaling/protocol/layoutGeometry.ts';
import type { SessionState } from '../../signaling/protocol/index.ts';

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface CompositionLayout {
  kind: LayoutKind;
  focusHostId?: string;
  /** Hosts in the room and on air, in session order (the recorder's tile order). */
  hostIds: string[];
}

/** The recorder's tile gap (compositionScene.ts default) and the bench cameras' aspect. */
const TILE_GAP = 8;
const CAMERA_ASPECT = 16 / 9;

/** What the recorder composes for this session state (as signaling/broadcast/compositionOf.ts derives it). */
export function compositionLayoutOf(session: SessionState): CompositionLayout {
  return {
    kind: session.layout.kind,
    focusHostId: session.layout.pinnedUserId ?? session.activeSpeakerId ?? session.primaryHostId,
    hostIds: session.hosts.filter((host) => host.connected && host.onAir).map((host) => host.userId),
  };
}

/** `hostId`'s camera picture in a `canvas`-sized composition; undefined when it has no tile. */
export function cameraRect(
  layout: CompositionLayout,
  canvas: { width: number; height: number },
  hostId: string,
): Rect | undefined {
  const tile = computeLayout(layout.kind, canvas, layout.hostIds, {
    gap: TILE_GAP,
    ...(layout.focusHostId ? { focusPeerId: layout.focusHostId } : {}),
  }).find((candidate) => candidate.peerId === hostId);
  return tile ? fitInside(tile.rect, CAMERA_ASPECT) : undefined;
}

/** The middle half of a rect, on even pixels: scaling and compression blur edges, not middles. */
export function innerHalf(rect: Rect): Rect {
  const even = (value: number) => Math.max(2, Math.floor(value / 2) * 2);
  return {
    x: even(rect.x + rect.width / 4),
    y: even(rect.y + rect.height / 4),
    width: even(rect.width / 2),
    height: even(rect.height / 2),
  };
}
