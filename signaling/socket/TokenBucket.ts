/**
 * A token bucket: `capacity` requests at once, refilled at `ratePerS`. One
 * per socket caps how fast a client can make the server work (a join or
 * a transport costs worker round trips), without slowing normal clients.
 */
export class TokenBucket {
  readonly #capacity: number;
  readonly #ratePerS: number;
  #tokens: number;
  #updatedAtMs: number;

  constructor(capacity: number, ratePerS: number, nowMs = Date.now()) {
    this.#capacity = capacity;
    this.#ratePerS = ratePerS;
    this.#tokens = capacity;
    this.#updatedAtMs = nowMs;
  }

  /** Takes one token if there is one. */
  take(nowMs = Date.now()): boolean {
    const elapsedS = Math.max(0, nowMs - this.#updatedAtMs) / 1000;
    this.#tokens = Math.min(this.#capacity, this.#tokens + elapsedS * this.#ratePerS);
    this.#updatedAtMs = nowMs;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}
