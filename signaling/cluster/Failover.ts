// Taking sessions over from a node that died. Two ways in:
// - at once, when the registry sees the node gone: every surviving node goes
//   through the dead node's list of sessions in its own random order and
//   takes over each one whose claim it wins (exactly one node wins each:
//   SessionOwnership.takeOver), so they end up spread over the survivors;
// - on demand, when a request finds the owner unreachable before that (a
//   host's studio reconnecting faster than the registry noticed).
// - by a sweep every SWEEP_INTERVAL_MS for sessions that have not ended but
//   that no node holds (every node stopped at once, then started again):
//   they come back as after a failover and end if their hosts do not return.
// A session no node claims is taken only once it has stayed so for
// UNHELD_GRACE_MS (and never right after this node's own Redis connection
// came back): after a Redis restart every claim is gone for a moment, and
// the owners, still running their sessions, claim them again within a beat.
// Taking over = the claim, then the session restored from its row
// (SessionService.adopt): same id, its hosts rejoin, a live session goes on
// air again here. A session that ended meanwhile is let go.
import { AppError } from '../errors.ts';
import type { Logger } from '../log/logger.ts';
import type { NodeRegistry } from './NodeRegistry.ts';
import type { ClusterBus } from './ClusterBus.ts';
import { ownerNodeOf, type SessionOwnership } from './SessionOwnership.ts';

const SWEEP_INTERVAL_MS = 10_000;
/** How long a request for an unreachable owner waits for it to count as gone (GONE_AFTER_MS and a little). */
const GONE_WAIT_MS = 2000;
const GONE_POLL_MS = 200;
const UNHELD_GRACE_MS = 2000;
/** An unclaimed sighting older than this is forgotten (the session ended, or was claimed, meanwhile). */
const UNHELD_MEMORY_MS = 60_000;
/** Bus method: a draining node asks this one to take a session over from its claim. */
export const TAKE_OVER_METHOD = 'failover.take-over';

export interface FailoverOptions {
  bus: ClusterBus;
  /** Ids of the sessions that have not ended (the database's view). */
  activeSessionIds(): Promise<string[]>;
  /** Whether a session has not ended (the database's view). */
  isActive(sessionId: string): Promise<boolean>;
  ownership: SessionOwnership;
  registry: NodeRegistry;
  /**
   * Reads a session to restore on this node: undefined when it has ended,
   * else the synchronous step that restores it (run right after the claim).
   */
  prepareAdoption(sessionId: string): Promise<(() => void) | undefined>;
  logger: Logger;
}

export class Failover {
  readonly #ownership: SessionOwnership;
  readonly #registry: NodeRegistry;
  readonly #prepareAdoption: FailoverOptions['prepareAdoption'];
  readonly #logger: Logger;
  readonly #sweep: NodeJS.Timeout;
  readonly #isActive: (sessionId: string) => Promise<boolean>;
  /** Sessions seen active but claimed by no node, since when. */
  readonly #unheldSince = new Map<string, number>();

  constructor(options: FailoverOptions) {
    this.#ownership = options.ownership;
    this.#registry = options.registry;
    this.#prepareAdoption = options.prepareAdoption;
    this.#isActive = options.isActive;
    this.#logger = options.logger.child({ component: 'failover' });
    this.#registry.onNodeGone((nodeId) => {
      this.#takeOverAllOf(nodeId).catch((error: unknown) =>
        this.#logger.error({ err: error, nodeId }, 'taking over a dead node’s sessions failed'),
      );
    });
    options.bus.handle<{ sessionId: string; token: string }>(TAKE_OVER_METHOD, ({ sessionId, token }) =>
      this.#take(sessionId, token),
    );
    this.#sweep = setInterval(() => {
      this.#adoptUnheld(options.activeSessionIds).catch((error: unknown) =>
        this.#logger.warn({ err: error }, 'looking for sessions no node holds failed'),
      );
    }, SWEEP_INTERVAL_MS);
    this.#sweep.unref();
  }

  close(): void {
    clearInterval(this.#sweep);
  }

  async #adoptUnheld(activeSessionIds: () => Promise<string[]>): Promise<void> {
    const now = Date.now();
    for (const [sessionId, since] of this.#unheldSince) {
      if (now - since > UNHELD_MEMORY_MS) this.#unheldSince.delete(sessionId);
    }
    for (const sessionId of shuffled(await activeSessionIds())) {
      if ((await this.#ownership.ownerToken(sessionId)) !== undefined) {
        this.#unheldSince.delete(sessionId);
        continue;
      }
      if (!this.#mayTakeUnheld(sessionId)) continue;
      if (await this.#take(sessionId, undefined)) {
        this.#logger.warn({ sessionId }, 'took over a session no node held');
      }
    }
  }

  /** Notes an unclaimed sighting; true once the session has been unclaimed for UNHELD_GRACE_MS. */
  #mayTakeUnheld(sessionId: string): boolean {
    if (!this.#registry.judging) return false;
    const now = Date.now();
    const since = this.#unheldSince.get(sessionId) ?? now;
    this.#unheldSince.set(sessionId, since);
    return now - since >= UNHELD_GRACE_MS;
  }

  /**
   * The node to serve a session whose owner did not answer: this one if it
   * took the session over, another survivor if that one did. Throws
   * UNAVAILABLE while the owner is not known to be dead (slow, not gone).
   */
  async ownerAfterFailure(sessionId: string): Promise<string | undefined> {
    const token = await this.#ownership.ownerToken(sessionId);
    if (token === undefined) {
      // Ended (or never was): served where it arrived, which says so.
      if (!(await this.#isActive(sessionId))) return undefined;
      if (!this.#mayTakeUnheld(sessionId)) {
        throw new AppError('UNAVAILABLE', 'this session is moving to another node; try again in a moment');
      }
      if (await this.#take(sessionId, undefined)) return this.#ownership.nodeId;
      // Another node was quicker (or it ended meanwhile: no owner, served here, which says so).
      return this.#ownership.ownerOf(sessionId);
    }
    const owner = ownerNodeOf(token);
    if (owner === this.#ownership.nodeId) return owner;
    if (!(await this.#goneWithin(owner, GONE_WAIT_MS))) {
      throw new AppError('UNAVAILABLE', 'the node serving this session is not answering; try again');
    }
    if (await this.#take(sessionId, token)) return this.#ownership.nodeId;
    return this.#ownership.ownerOf(sessionId);
  }

  /**
   * A request that found the owner unreachable usually came a moment before
   * the owner counts as gone (a host's studio reconnecting at once): it waits
   * for that rather than send the client into its retry back-off.
   */
  async #goneWithin(nodeId: string, waitMs: number): Promise<boolean> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      if (await this.#registry.isGone(nodeId)) return true;
      if (Date.now() >= deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, GONE_POLL_MS));
    }
  }

  async #takeOverAllOf(nodeId: string): Promise<void> {
    const sessionIds = shuffled(await this.#ownership.sessionsOf(nodeId));
    if (sessionIds.length === 0) return;
    let taken = 0;
    for (const sessionId of sessionIds) {
      const token = await this.#ownership.ownerToken(sessionId);
      // Taken over already (by another node, or on demand), or released.
      if (token !== undefined && ownerNodeOf(token) !== nodeId) continue;
      if (await this.#take(sessionId, token)) taken += 1;
      // Taken over or ended: either way no longer the dead node's.
      await this.#ownership.forget(nodeId, sessionId);
    }
    this.#logger.warn({ nodeId, sessions: sessionIds.length, taken }, 'took over sessions of a node that left');
  }

  /**
   * Reads the session, claims it from `deadToken` (or unclaimed) and restores
   * it at once; false when it ended or another node won. Read first, restored
   * in the same turn as the claim: a request that follows the new claim here
   * finds the session.
   */
  async #take(sessionId: string, deadToken: string | undefined): Promise<boolean> {
    const restore = await this.#prepareAdoption(sessionId);
    if (!restore) {
      // Ended: nothing to take over, nothing for the dead node's list.
      if (deadToken !== undefined) await this.#ownership.forget(ownerNodeOf(deadToken), sessionId);
      return false;
    }
    const won =
      deadToken === undefined
        ? await this.#ownership.claim(sessionId)
        : await this.#ownership.takeOver(sessionId, deadToken);
    if (!won) return false;
    try {
      restore();
    } catch (error) {
      await this.#ownership.release(sessionId);
      throw error;
    }
    this.#unheldSince.delete(sessionId);
    if (deadToken !== undefined) await this.#ownership.forget(ownerNodeOf(deadToken), sessionId);
    return true;
  }
}

function shuffled<T>(items: T[]): T[] {
  const copy = [...items];
  for (let index = copy.length - 1; index > 0; index--) {
    const other = Math.floor(Math.random() * (index + 1));
    [copy[index], copy[other]] = [copy[other]!, copy[index]!];
  }
  return copy;
}
