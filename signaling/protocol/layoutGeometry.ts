// Where each co-host's video goes on a W×H canvas. The same pure functions
// position tiles in the host studio (browser) and build the recorder's FFmpeg
// overlay filters, so both draw the same picture. FFmpeg needs integer
// rectangles and yuv420p wants even ones, hence every derived size and offset
// is rounded down to an even number (rounding down also keeps rects inside).
// No DOM or Node imports: this file must run in both places.

export const layoutKinds = ['grid', 'spotlight', 'sidebar', 'pip'] as const;
export type LayoutKind = (typeof layoutKinds)[number];

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface Tile {
  peerId: string;
  rect: Rect;
  role: 'main' | 'thumbnail' | 'cell';
  /** Paint order: pip overlays (1) sit above the main tile (0); nothing else overlaps. */
  zIndex: number;
}

export interface LayoutOptions {
  /** The pinned host or active speaker; the main tile outside grid. Default: the first peer. */
  focusPeerId?: string;
  /** Pixels between neighbouring tiles (not at the canvas edge), rounded down to even. Default 0. */
  gap?: number;
}

/** A room holds at most this many hosts on one canvas. */
export const MAX_LAYOUT_PEERS = 9;
/** Thumbnails and pip overlays are cameras: size them 16:9 so they need no letterbox. */
const THUMBNAIL_ASPECT = 16 / 9;
/** Spotlight: the main tile takes this share of the height, the thumbnail row the rest. */
const SPOTLIGHT_MAIN_HEIGHT = 0.78;
/** Sidebar: the main tile takes this share of the width, the host strip the rest. */
const SIDEBAR_MAIN_WIDTH = 0.75;
/** PiP: overlays are at most this share of the canvas width... */
const PIP_OVERLAY_WIDTH = 0.22;
/** ...and keep this share of the width from the canvas edge and from each other. */
const PIP_MARGIN = 0.02;

export function isLayoutKind(value: unknown): value is LayoutKind {
  return layoutKinds.includes(value as LayoutKind);
}

/**
 * Grid shape for `count` equal cells: 1, 2 side by side, 2×2 up to 4, then 3
 * columns. Rows are only as many as needed (5–6 hosts use 3×2, not 3×3 with an
 * empty row), so the cells stay as large as possible.
 */
export function gridDimensions(count: number): { columns: number; rows: number } {
  if (count <= 0) return { columns: 0, rows: 0 };
  const columns = count === 1 ? 1 : count <= 4 ? 2 : 3;
  return { columns, rows: Math.ceil(count / columns) };
}

/** The largest rect of `aspectRatio` (width / height) centred inside `rect`, with even width and height. */
export function fitInside(rect: Rect, aspectRatio: number): Rect {
  if (!(aspectRatio > 0 && Number.isFinite(aspectRatio))) {
    throw new RangeError(`aspect ratio must be a positive number (got ${aspectRatio})`);
  }
  const width = floorEven(Math.min(rect.width, rect.height * aspectRatio));
  const height = floorEven(width / aspectRatio);
  return {
    x: rect.x + Math.floor((rect.width - width) / 2),
    y: rect.y + Math.floor((rect.height - height) / 2),
    width,
    height,
  };
}

/**
 * One tile per peer, in the order of `peerIds` (tiles[i].peerId === peerIds[i]);
 * paint by ascending zIndex. An empty room gives no tiles; more than
 * MAX_LAYOUT_PEERS throws a RangeError, as does a duplicate peer id.
 */
export function computeLayout(
  kind: LayoutKind,
  canvas: { width: number; height: number },
  peerIds: readonly string[],
  options: LayoutOptions = {},
): Tile[] {
  const { width, height } = canvas;
  if (!isPositiveInteger(width) || !isPositiveInteger(height)) {
    throw new RangeError(`canvas must be positive integers (got ${width}×${height})`);
  }
  if (peerIds.length > MAX_LAYOUT_PEERS) {
    throw new RangeError(`a layout holds at most ${MAX_LAYOUT_PEERS} peers (got ${peerIds.length})`);
  }
  if (new Set(peerIds).size !== peerIds.length) throw new RangeError('peer ids must be unique');
  const gap = options.gap ?? 0;
  if (!(gap >= 0 && Number.isFinite(gap))) throw new RangeError(`gap must be a non-negative number (got ${gap})`);

  const [firstPeerId] = peerIds;
  if (firstPeerId === undefined) return [];
  // A lone host gets the whole canvas, exactly, whatever the layout.
  if (peerIds.length === 1)
    return [{ peerId: firstPeerId, rect: { x: 0, y: 0, width, height }, role: 'main', zIndex: 0 }];

  if (kind === 'grid') {
    const cells = gridRects(peerIds.length, width, height, floorEven(gap));
    return peerIds.map((peerId, index) => ({ peerId, rect: cells[index] as Rect, role: 'cell', zIndex: 0 }));
  }

  // A focus peer that has just left falls back to the first peer rather than failing the render.
  const focusPeerId =
    options.focusPeerId !== undefined && peerIds.includes(options.focusPeerId) ? options.focusPeerId : firstPeerId;
  const others = peerIds.filter((peerId) => peerId !== focusPeerId);
  const { main, thumbnails } = focusedRects(kind, others.length, width, height, floorEven(gap));
  const overlayZIndex = kind === 'pip' ? 1 : 0;
  return peerIds.map((peerId) =>
    peerId === focusPeerId
      ? { peerId, rect: main, role: 'main', zIndex: 0 }
      : { peerId, rect: thumbnails[others.indexOf(peerId)] as Rect, role: 'thumbnail', zIndex: overlayZIndex },
  );
}

/** At most this many screen shares are on stage at once (the recorder composes two). */
export const MAX_STAGE_SCREENS = 2;

/** A host on stage, in session order (primary first). */
export interface StageHost {
  hostId: string;
  sharingScreen: boolean;
}

/** One tile of the stage: a host's camera (shown even when off) or their screen share. */
export interface StageEntry {
  /** The layout's peer id: the host id for a camera, screenTileKey(hostId) for a screen. */
  key: string;
  hostId: string;
  kind: 'camera' | 'screen';
}

/** The layout peer id of a host's screen share. */
export function screenTileKey(hostId: string): string {
  return `${hostId}:screen`;
}

/**
 * What the stage shows — the studio and the recorder alike: every host's
 * camera in session order, each screen share right after its host's camera.
 * At most MAX_STAGE_SCREENS screens (the first sharers in session order),
 * and once the canvas is full cameras come before screens: nine hosts never
 * lose a tile to a share.
 */
export function stageEntries(hosts: readonly StageHost[]): StageEntry[] {
  const entries: StageEntry[] = [];
  let screens = 0;
  for (const { hostId, sharingScreen } of hosts) {
    entries.push({ key: hostId, hostId, kind: 'camera' });
    if (sharingScreen && screens < MAX_STAGE_SCREENS) {
      entries.push({ key: screenTileKey(hostId), hostId, kind: 'screen' });
      screens++;
    }
  }
  if (entries.length <= MAX_LAYOUT_PEERS) return entries;
  const cameras = entries.filter((entry) => entry.kind === 'camera');
  const kept = new Set([...cameras, ...entries.filter((entry) => entry.kind === 'screen')].slice(0, MAX_LAYOUT_PEERS));
  return entries.filter((entry) => kept.has(entry));
}

/**
 * The main tile outside grid: the pinned host's camera, else a screen share
 * (a shared screen is what everyone should read; the sharer's camera goes
 * small), else the active speaker. Undefined lets the layout take the first
 * tile.
 */
export function stageFocus(
  entries: readonly StageEntry[],
  pinnedHostId: string | null | undefined,
  activeSpeakerId: string | null | undefined,
): string | undefined {
  const has = (key: string | null | undefined): key is string =>
    key !== null && key !== undefined && entries.some((entry) => entry.key === key);
  if (has(pinnedHostId)) return pinnedHostId;
  const screen = entries.find((entry) => entry.kind === 'screen');
  if (screen) return screen.key;
  return has(activeSpeakerId) ? activeSpeakerId : undefined;
}

/** Equal cells, the whole grid centred; a short last row is centred too (as Zoom and Meet do). */
function gridRects(count: number, width: number, height: number, gap: number): Rect[] {
  const { columns, rows } = gridDimensions(count);
  const cellWidth = floorEven((width - (columns - 1) * gap) / columns);
  const cellHeight = floorEven((height - (rows - 1) * gap) / rows);
  const gridWidth = span(columns, cellWidth, gap);
  const left = floorEven((width - gridWidth) / 2);
  const top = floorEven((height - span(rows, cellHeight, gap)) / 2);
  return Array.from({ length: count }, (_, index) => {
    const row = Math.floor(index / columns);
    const column = index % columns;
    const inRow = Math.min(columns, count - row * columns);
    const rowLeft = left + floorEven((gridWidth - span(inRow, cellWidth, gap)) / 2);
    return {
      x: rowLeft + column * (cellWidth + gap),
      y: top + row * (cellHeight + gap),
      width: cellWidth,
      height: cellHeight,
    };
  });
}

function focusedRects(
  kind: Exclude<LayoutKind, 'grid'>,
  count: number,
  width: number,
  height: number,
  gap: number,
): { main: Rect; thumbnails: Rect[] } {
  switch (kind) {
    case 'spotlight': {
      // Main on top; the thumbnails share the strip below as one centred row.
      const mainHeight = floorEven(height * SPOTLIGHT_MAIN_HEIGHT);
      const stripTop = mainHeight + gap;
      const stripHeight = height - stripTop;
      const size = thumbnailSize((width - (count - 1) * gap) / count, stripHeight);
      const left = floorEven((width - span(count, size.width, gap)) / 2);
      const y = stripTop + floorEven((stripHeight - size.height) / 2);
      return {
        main: { x: 0, y: 0, width, height: mainHeight },
        thumbnails: Array.from({ length: count }, (_, index) => ({ x: left + index * (size.width + gap), y, ...size })),
      };
    }
    case 'sidebar': {
      // Main on the left; the thumbnails share the strip on the right as one centred column.
      const mainWidth = floorEven(width * SIDEBAR_MAIN_WIDTH);
      const stripLeft = mainWidth + gap;
      const stripWidth = width - stripLeft;
      const size = thumbnailSize(stripWidth, (height - (count - 1) * gap) / count);
      const x = stripLeft + floorEven((stripWidth - size.width) / 2);
      const top = floorEven((height - span(count, size.height, gap)) / 2);
      return {
        main: { x: 0, y: 0, width: mainWidth, height },
        thumbnails: Array.from({ length: count }, (_, index) => ({ x, y: top + index * (size.height + gap), ...size })),
      };
    }
    case 'pip':
      return { main: { x: 0, y: 0, width, height }, thumbnails: pipOverlays(count, width, height, gap) };
    default: {
      const unhandled: never = kind;
      throw new Error(`unhandled layout ${String(unhandled)}`);
    }
  }
}

/**
 * Overlays stacked upwards from the bottom-right corner; when a column is full
 * the next one starts to its left. The column count is the one that gives the
 * largest overlays (fewest columns on a tie), so a tall stack never spills off
 * the canvas, whatever its shape.
 */
function pipOverlays(count: number, width: number, height: number, gap: number): Rect[] {
  const margin = Math.max(gap, floorEven(width * PIP_MARGIN));
  let best = { perColumn: count, size: { width: 0, height: 0 } };
  for (let columns = 1; columns <= count; columns++) {
    const perColumn = Math.ceil(count / columns);
    const size = thumbnailSize(
      Math.min(width * PIP_OVERLAY_WIDTH, (width - (columns + 1) * margin) / columns),
      (height - (perColumn + 1) * margin) / perColumn,
    );
    if (size.width > best.size.width) best = { perColumn, size };
  }
  const { perColumn, size } = best;
  // Anchor on even edges so that an odd canvas still gives even offsets.
  const right = floorEven(width);
  const bottom = floorEven(height);
  return Array.from({ length: count }, (_, index) => {
    const column = Math.floor(index / perColumn);
    const row = index % perColumn;
    return {
      x: right - (column + 1) * (size.width + margin),
      y: bottom - (row + 1) * (size.height + margin),
      ...size,
    };
  });
}

/** The largest 16:9 size within a box (a negative box, on a tiny canvas, gives 0×0). */
function thumbnailSize(maxWidth: number, maxHeight: number): { width: number; height: number } {
  const { width, height } = fitInside(
    { x: 0, y: 0, width: Math.max(0, maxWidth), height: Math.max(0, maxHeight) },
    THUMBNAIL_ASPECT,
  );
  return { width, height };
}

/** Length of `count` items of `size` with `gap` between them. */
function span(count: number, size: number, gap: number): number {
  return count * size + Math.max(0, count - 1) * gap;
}

/** Rounds down to an even integer; the epsilon keeps 720 * (16 / 9) from becoming 1278. */
function floorEven(value: number): number {
  return 2 * Math.floor(value / 2 + 1e-9);
}

function isPositiveInteger(value: number): boolean {
  return Number.isInteger(value) && value > 0;
}
