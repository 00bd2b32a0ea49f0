// Which track each stage tile has on screen now, by its frame key
// (`<userId>:<source>`). A switch between mesh and SFU tells the other end of
// a link to stop only once the tile shows the new path's track: a track that
// decodes is not yet a tile that shows it (TileVideo.svelte swaps at the
// element's first frame, which a busy page can take a moment longer to reach).
const shown = new Map<string, string>();

export function noteTileShows(key: string, trackId: string | undefined): void {
  if (trackId === undefined) shown.delete(key);
  else shown.set(key, trackId);
}

/** The id of the track the tile shows; undefined when there is no such tile (nothing to wait for). */
export function tileShows(key: string): string | undefined {
  return shown.get(key);
}
