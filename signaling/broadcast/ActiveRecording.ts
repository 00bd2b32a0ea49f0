// One recording in progress: its row (written first, so no files exist
// without a record), the archiver that keeps the broadcast's segments, and
// what it notes while running: every host who came on stage and every
// layout change.
import type { Logger } from 'pino';
import { VodArchiver } from '../../recorder/VodArchiver.ts';
import type { RecordingLayoutChange, RecordingView, SessionState } from '../protocol/index.ts';
import type { RecordingHostEntry, RecordingStore } from './RecordingStore.ts';

export interface RecordingPlace {
  /** The live rendition folder the recording keeps (its index.m3u8 and segments). */
  liveRenditionDir: string;
  /** Where this recording's files go: vodRoot/<recording id>. */
  vodDirOf: (recordingId: string) => string;
}

export class ActiveRecording {
  readonly id: string;
  readonly startedAt: Date;
  readonly #store: RecordingStore;
  readonly #archiver: VodArchiver;
  readonly #logger: Logger;
  readonly #hostIds: Set<string>;
  readonly #layoutChanges: RecordingLayoutChange[];
  /** Row updates run one after another, and finish() waits for them. */
  #writes: Promise<void> = Promise.resolve();

  static async start(
    store: RecordingStore,
    state: SessionState,
    place: RecordingPlace,
    options: { fromNow: boolean; now: Date; logger: Logger },
  ): Promise<ActiveRecording> {
    const hosts = hostsOnStage(state);
    const layout = layoutChangeOf(state, options.now);
    const id = await store.create({ sessionId: state.id, startedAt: options.now, hosts, layout });
    const archiver = new VodArchiver(place.liveRenditionDir, place.vodDirOf(id), {
      fromNow: options.fromNow,
      logger: options.logger,
    });
    return new ActiveRecording(id, options.now, store, archiver, hosts, layout, options.logger);
  }

  private constructor(
    id: string,
    startedAt: Date,
    store: RecordingStore,
    archiver: VodArchiver,
    hosts: RecordingHostEntry[],
    layout: RecordingLayoutChange,
    logger: Logger,
  ) {
    this.id = id;
    this.startedAt = startedAt;
    this.#store = store;
    this.#archiver = archiver;
    this.#hostIds = new Set(hosts.map((host) => host.userId));
    this.#layoutChanges = [layout];
    this.#logger = logger.child({ recordingId: id });
  }

  /** Notes new hosts on stage and layout changes from the session's latest state. */
  observe(state: SessionState, now: Date): void {
    const newHosts = hostsOnStage(state).filter((host) => !this.#hostIds.has(host.userId));
    for (const host of newHosts) this.#hostIds.add(host.userId);
    if (newHosts.length > 0) this.#write(() => this.#store.addHosts(this.id, newHosts));

    const layout = layoutChangeOf(state, now);
    const last = this.#layoutChanges.at(-1);
    if (last && (last.kind !== layout.kind || last.pinnedUserId !== layout.pinnedUserId)) {
      this.#layoutChanges.push(layout);
      const changes = [...this.#layoutChanges];
      this.#write(() => this.#store.saveLayoutChanges(this.id, changes));
    }
  }

  /** Closes the VOD playlist and the row; the recording is then archived. */
  async finish(now: Date): Promise<RecordingView> {
    const kept = this.#archiver.finish();
    await this.#writes;
    return this.#store.finish(this.id, {
      endedAt: now,
      durationMs: kept.durationS * 1000,
      sizeBytes: kept.bytes,
      segments: kept.segments,
    });
  }

  #write(update: () => Promise<void>): void {
    this.#writes = this.#writes
      .then(update)
      .catch((error: unknown) => this.#logger.error({ err: error }, 'updating the recording row failed'));
  }
}

/** Hosts in the room and on air (accepted hosts who never came, or stayed backstage, are not on the recording). */
function hostsOnStage(state: SessionState): RecordingHostEntry[] {
  return state.hosts
    .filter((host) => host.connected && host.onAir)
    .map((host) => ({ userId: host.userId, displayName: host.displayName }));
}

function layoutChangeOf(state: SessionState, now: Date): RecordingLayoutChange {
  return { at: now.toISOString(), kind: state.layout.kind, pinnedUserId: state.layout.pinnedUserId };
}
