// Who saw and who opened one pinned card: each viewer counts once per pin
// (a viewer is an account, or an anonymous connection), however often their
// page reports it. The counts not yet written are taken by the store's
// periodic flush; the sets live as long as the pin.

/** Viewers remembered per pin at most (beyond it, new viewers still count, duplicates may too). */
const MAX_REMEMBERED = 200_000;

export class PinAudience {
  readonly #seen = new Set<string>();
  readonly #opened = new Set<string>();
  #unsavedImpressions = 0;
  #unsavedClicks = 0;

  /** Counts an interaction; false when this viewer was already counted for it. */
  add(viewerKey: string, kind: 'impression' | 'click'): boolean {
    const set = kind === 'impression' ? this.#seen : this.#opened;
    if (set.has(viewerKey)) return false;
    if (set.size < MAX_REMEMBERED) set.add(viewerKey);
    if (kind === 'impression') this.#unsavedImpressions += 1;
    else this.#unsavedClicks += 1;
    return true;
  }

  /** The counts since the last take. */
  takeUnsaved(): { impressions: number; clicks: number } {
    const unsaved = { impressions: this.#unsavedImpressions, clicks: this.#unsavedClicks };
    this.#unsavedImpressions = 0;
    this.#unsavedClicks = 0;
    return unsaved;
  }

  /** Puts counts back after a failed write. */
  restore(unsaved: { impressions: number; clicks: number }): void {
    this.#unsavedImpressions += unsaved.impressions;
    this.#unsavedClicks += unsaved.clicks;
  }
}
