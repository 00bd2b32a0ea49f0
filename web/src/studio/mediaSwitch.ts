// The rules of a room switching between mesh and SFU without a frozen tile
// (make-before-break, docs/mesh.md): while both paths deliver a host's
// track, a tile shows the one already decoding, preferring the room's
// current mode; a link or a producer of the old path closes only once the
// new path delivers everything the other side publishes. Pure: unit-tested.
import type { HostState, MediaMode, QualityTier } from '../../../signaling/protocol/index.ts';
import type { RemoteTrack } from './MediaConnection.ts';

/** A track received from another host, through the SFU (a consumer) or peer to peer. */
export interface ReceivedTrack extends RemoteTrack {
  via: MediaMode;
  /** Media has arrived (a decoded frame, an audio packet): safe to show instead of the other path's. */
  ready: boolean;
}

/**
 * How long a switch waits for the other end of a link to say it has moved,
 * once this end shows everything through the new path: then it closes the
 * old path anyway (the other end is stuck, and this one needs nothing more).
 */
export const SWITCH_TIMEOUT_MS = 10_000;
/**
 * How long a switch may take at all: the old path closes then even if this
 * end shows nothing through the new one yet (a page starved of CPU can take
 * well over 10 s to publish and consume a room; closing its links sooner
 * blanked tiles that were still playing).
 */
export const SWITCH_GIVE_UP_MS = 30_000;
/**
 * A link stays this long after both its ends receive each other through the
 * SFU: "ready" is a decoded frame, and the tile takes over at its first frame
 * on screen, which a busy page presents some hundreds of milliseconds later.
 */
export const LINK_CLOSE_GRACE_MS = 1000;

/**
 * One track per host, source and kind: the ready one on the room's current
 * path, else the ready one on the other path, else whatever has arrived.
 */
export function shownTracks(received: readonly ReceivedTrack[], mode: MediaMode): ReceivedTrack[] {
  const byKey = new Map<string, ReceivedTrack>();
  const rank = (track: ReceivedTrack) => (track.ready ? 2 : 0) + (track.via === mode ? 1 : 0);
  for (const track of received) {
    const key = `${track.userId}:${track.source}:${track.kind}`;
    const best = byKey.get(key);
    if (!best || rank(track) > rank(best)) byKey.set(key, track);
  }
  return [...byKey.values()];
}

/**
 * Whether this host receives everything `host` publishes through `via`: a
 * ready track for each source it sends (a paused source only needs to be
 * there: it sends nothing to be ready with).
 */
export function receivesAllVia(received: readonly ReceivedTrack[], host: HostState, via: MediaMode): boolean {
  return host.tracks.every((listed) =>
    received.some(
      (track) =>
        track.userId === host.userId &&
        track.source === listed.source &&
        track.via === via &&
        (track.ready || listed.paused),
    ),
  );
}

/** A peer link's tier from its round trip and the share of packets lost (the badges' scale). */
export function meshLinkTier(roundTripMs: number | undefined, lossFraction: number): QualityTier {
  const rtt = roundTripMs ?? 0;
  if (rtt < 150 && lossFraction < 0.01) return 'excellent';
  if (rtt < 300 && lossFraction < 0.03) return 'good';
  if (rtt < 600 && lossFraction < 0.08) return 'fair';
  return 'poor';
}

/** dBov above which a host counts as speaking (the SFU's audio level observer uses the same). */
export const SPEAKING_THRESHOLD_DBOV = -60;

/** Receivers' audio levels (0–1, linear) as the speaking map the stage reads: dBov of those speaking. */
export function speakingLevels(levels: readonly { userId: string; level: number }[]): Record<string, number> {
  const speaking: Record<string, number> = {};
  for (const { userId, level } of levels) {
    const dbov = level > 0 ? 20 * Math.log10(level) : -127;
    if (dbov > SPEAKING_THRESHOLD_DBOV) speaking[userId] = Math.round(dbov);
  }
  return speaking;
}

/**
 * The SFU producers to consume: in a mesh, none of a host whose tracks all
 * arrive and show peer to peer already (`showsAllViaMesh`: moving back to
 * the mesh drops the server's copy, not before the tiles play the links').
 */
export function producersToConsume(
  wanted: ReadonlySet<string>,
  hosts: readonly HostState[],
  selfUserId: string,
  mode: MediaMode,
  showsAllViaMesh: (host: HostState) => boolean,
): Set<string> {
  const result = new Set(wanted);
  if (mode !== 'mesh') return result;
  for (const host of hosts) {
    if (host.userId === selfUserId || !showsAllViaMesh(host)) continue;
    for (const track of host.tracks) result.delete(track.producerId);
  }
  return result;
}

/** What the two ends of each link have said about the path each receives the other through. */
export class SwitchProgress {
  readonly #told = new Map<string, MediaMode>();
  readonly #heard = new Map<string, MediaMode>();
  /** When both ends of a link had said they receive each other through the SFU. */
  readonly #bothOnSfuSince = new Map<string, number>();

  told(userId: string): MediaMode | undefined {
    return this.#told.get(userId);
  }

  heard(userId: string): MediaMode | undefined {
    return this.#heard.get(userId);
  }

  noteTold(userId: string, via: MediaMode): void {
    this.#told.set(userId, via);
  }

  noteHeard(userId: string, via: MediaMode): void {
    this.#heard.set(userId, via);
  }

  /**
   * Whether the link to `userId` may close now: both ends receive each other
   * through the SFU, for LINK_CLOSE_GRACE_MS already.
   */
  linkDone(userId: string, nowMs: number): boolean {
    if (this.#told.get(userId) !== 'sfu' || this.#heard.get(userId) !== 'sfu') {
      this.#bothOnSfuSince.delete(userId);
      return false;
    }
    const since = this.#bothOnSfuSince.get(userId) ?? nowMs;
    this.#bothOnSfuSince.set(userId, since);
    return nowMs - since >= LINK_CLOSE_GRACE_MS;
  }

  /** A new switch: this end has told nobody about it yet (what the others said stays until they say more). */
  forgetTold(): void {
    this.#told.clear();
    this.#bothOnSfuSince.clear();
  }

  clear(): void {
    this.#told.clear();
    this.#heard.clear();
    this.#bothOnSfuSince.clear();
  }
}
