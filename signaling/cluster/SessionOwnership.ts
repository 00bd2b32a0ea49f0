// Which node owns which session, in Redis: one key per session holding the
// owner's claim token, written with SET NX (so two nodes never own one
// session) and kept alive by its owner every HEARTBEAT_MS. A claim is
// released, and renewed, only by the token that took it (compare-and-delete,
// compare-and-expire in Lua), so a node that lost its claim (it was cut off
// and another node took the session over) can never delete the new owner's.
//
//   stagecast:session-owner:<sessionId>  "<nodeId>/<incarnation>", PX EXPIRY_MS
//   stagecast:node-sessions:<nodeId>     set of the session ids it claimed
//                                        (who takes over when it dies)
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from '../log/logger.ts';
import { EXPIRY_MS, HEARTBEAT_MS } from './NodeRegistry.ts';

const ownerKey = (sessionId: string) => `stagecast:session-owner:${sessionId}`;
const nodeSessionsKey = (nodeId: string) => `stagecast:node-sessions:${nodeId}`;

/** Extends the claim only while it is still ours. */
const RENEW_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0`;

/** Deletes the claim only while it is still ours. */
const RELEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`;

/** Takes a claim over from a token known to be dead (or takes a free one). */
const TAKE_OVER_SCRIPT = `
local current = redis.call('GET', KEYS[1])
if current == false or current == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  return 1
end
return 0`;

interface OwnershipCommands {
  stagecastRenewClaim(key: string, token: string, ttlMs: number): Promise<number>;
  stagecastReleaseClaim(key: string, token: string): Promise<number>;
  stagecastTakeOverClaim(key: string, deadToken: string, token: string, ttlMs: number): Promise<number>;
}

/** A session this node held and lost (its claim expired or was taken over). */
export type ClaimLostListener = (sessionId: string) => void;

/** The node id in a claim token. */
export function ownerNodeOf(token: string): string {
  return token.slice(0, token.lastIndexOf('/'));
}

export class SessionOwnership {
  readonly #redis: Redis & OwnershipCommands;
  readonly #token: string;
  readonly #logger: Logger;
  readonly #claimed = new Set<string>();
  readonly #lostListeners: ClaimLostListener[] = [];
  #timer: NodeJS.Timeout | undefined;

  constructor(redis: Redis, nodeId: string, logger: Logger) {
    redis.defineCommand('stagecastRenewClaim', { numberOfKeys: 1, lua: RENEW_SCRIPT });
    redis.defineCommand('stagecastReleaseClaim', { numberOfKeys: 1, lua: RELEASE_SCRIPT });
    redis.defineCommand('stagecastTakeOverClaim', { numberOfKeys: 1, lua: TAKE_OVER_SCRIPT });
    this.#redis = redis as Redis & OwnershipCommands;
    // A node restarted under the same NODE_ID is another incarnation: it can neither renew nor release its predecessor's claims.
    this.#token = `${nodeId}/${randomBytes(6).toString('hex')}`;
    this.#logger = logger.child({ component: 'session-ownership' });
    this.#timer = setInterval(() => void this.#renewAll(), HEARTBEAT_MS);
  }

  get nodeId(): string {
    return ownerNodeOf(this.#token);
  }

  /** This node's claim token (a node handing a session over names it: SessionOwnership.takeOver). */
  get token(): string {
    return this.#token;
  }

  /** Sessions this node holds. */
  get claimed(): ReadonlySet<string> {
    return this.#claimed;
  }

  onClaimLost(listener: ClaimLostListener): void {
    this.#lostListeners.push(listener);
  }

  /** Claims a session for this node; false when another node owns it. */
  async claim(sessionId: string): Promise<boolean> {
    const set = await this.#redis.set(ownerKey(sessionId), this.#token, 'PX', EXPIRY_MS, 'NX');
    if (set === null) return (await this.#redis.get(ownerKey(sessionId))) === this.#token;
    this.#held(sessionId);
    return true;
  }

  /**
   * Notes a claim won. Not awaited by the claimer: a session taken over is
   * restored in the same turn as its claim (Failover), and the list is
   * written next on the same connection anyway.
   */
  #held(sessionId: string): void {
    this.#claimed.add(sessionId);
    this.#redis
      .sadd(nodeSessionsKey(this.nodeId), sessionId)
      .catch((error: unknown) => this.#logger.warn({ err: error, sessionId }, 'could not list a claimed session'));
  }

  /** The sessions a node claimed and has not released (a dead node's are to be taken over). */
  sessionsOf(nodeId: string): Promise<string[]> {
    return this.#redis.smembers(nodeSessionsKey(nodeId));
  }

  /** Takes a session off a dead node's list once it is taken over (or found ended). */
  async forget(nodeId: string, sessionId: string): Promise<void> {
    await this.#redis.srem(nodeSessionsKey(nodeId), sessionId);
  }

  /**
   * Claims a session whose owner is known to be dead (`deadToken` is the
   * claim it left): succeeds for exactly one of the nodes that try.
   */
  async takeOver(sessionId: string, deadToken: string): Promise<boolean> {
    const taken = await this.#redis.stagecastTakeOverClaim(ownerKey(sessionId), deadToken, this.#token, EXPIRY_MS);
    if (taken === 1) this.#held(sessionId);
    return taken === 1;
  }

  /** The claim token of a session's owner, if any node holds it. */
  async ownerToken(sessionId: string): Promise<string | undefined> {
    return (await this.#redis.get(ownerKey(sessionId))) ?? undefined;
  }

  /** The id of the node that owns a session, if any. */
  async ownerOf(sessionId: string): Promise<string | undefined> {
    const token = await this.ownerToken(sessionId);
    return token === undefined ? undefined : ownerNodeOf(token);
  }

  async release(sessionId: string): Promise<void> {
    if (!this.#claimed.delete(sessionId)) return;
    await Promise.all([
      this.#redis.stagecastReleaseClaim(ownerKey(sessionId), this.#token),
      this.forget(this.nodeId, sessionId),
    ]).catch((error: unknown) => this.#logger.warn({ err: error, sessionId }, 'could not release a session claim'));
  }

  /** Stops renewing; what is still claimed is released (a clean stop hands nothing over to expiry). */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    await Promise.all([...this.#claimed].map((sessionId) => this.release(sessionId)));
  }

  async #renewAll(): Promise<void> {
    const sessionIds = [...this.#claimed];
    if (sessionIds.length === 0) return;
    const pipeline = this.#redis.pipeline();
    for (const sessionId of sessionIds) {
      (pipeline as unknown as OwnershipCommands).stagecastRenewClaim(ownerKey(sessionId), this.#token, EXPIRY_MS);
    }
    const results = await pipeline.exec().catch((error: unknown) => {
      // Redis away: the claims live until they expire; renewing resumes when it is back.
      this.#logger.warn({ err: error }, 'could not renew session claims');
      return null;
    });
    if (!results) return;
    results.forEach(([error, renewed], index) => {
      const sessionId = sessionIds[index]!;
      if (error || renewed !== 0 || !this.#claimed.has(sessionId)) return;
      // Expired (Redis restarted, or this node was cut off long enough) — maybe taken over.
      void this.#reclaimOrLose(sessionId);
    });
  }

  /** After Redis lost the key (a restart), the claim is taken again; if another node has it, it is lost. */
  async #reclaimOrLose(sessionId: string): Promise<void> {
    const set = await this.#redis
      .set(ownerKey(sessionId), this.#token, 'PX', EXPIRY_MS, 'NX')
      .catch(() => 'retry-later' as const);
    if (set === 'retry-later') return;
    if (set === 'OK') {
      // Redis lost everything: this node's list of sessions too.
      await this.#redis.sadd(nodeSessionsKey(this.nodeId), sessionId).catch(() => undefined);
      return;
    }
    if (!this.#claimed.delete(sessionId)) return;
    this.#logger.warn({ sessionId }, 'lost a session to another node');
    for (const listener of this.#lostListeners) listener(sessionId);
  }
}
