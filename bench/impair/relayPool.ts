// The main thread's side of the relay thread: open a relay for a peer's
// transport, change what it does, close it, read the run's totals. One
// thread per process, started on first use and unref'ed (it never keeps the
// bench alive).
import type { Worker } from 'node:worker_threads';
import { startTypeScriptWorker } from '../server/typeScriptWorker.ts';
import type { Impairment } from './impairment.ts';
import type { RelayCounters } from './impairmentRelay.ts';
import type { RelayReply, RelayRequest } from './relayMessages.ts';

const ANSWER_TIMEOUT_MS = 10_000;

export interface RelayHandle {
  readonly id: number;
  /** The port the peer sends to instead of the server's. */
  readonly port: number;
  /** The relay's own port towards the server (a generator-side socket too, for drop counters). */
  readonly serverSidePort: number;
  /** From the next packet on (a schedule's step). */
  setImpairment(up: Impairment, down: Impairment): void;
  close(): void;
}

export class RelayPool {
  static #shared: RelayPool | undefined;
  readonly #worker: Worker;
  readonly #waiting = new Map<number, (reply: RelayReply) => void>();
  #nextId = 1;

  private constructor() {
    this.#worker = startTypeScriptWorker(new URL('./relayThread.ts', import.meta.url), undefined);
    this.#worker.unref();
    this.#worker.on('message', (reply: RelayReply) => {
      this.#waiting.get(reply.id)?.(reply);
      this.#waiting.delete(reply.id);
    });
    const failAll = (message: string) => {
      for (const answer of this.#waiting.values()) answer({ type: 'failed', id: 0, message });
      this.#waiting.clear();
      if (RelayPool.#shared === this) RelayPool.#shared = undefined; // the next use starts a new thread
    };
    this.#worker.on('error', (error) => failAll(String(error)));
    this.#worker.on('exit', (code) => failAll(`the relay thread exited (code ${code})`));
  }

  static shared(): RelayPool {
    RelayPool.#shared ??= new RelayPool();
    return RelayPool.#shared;
  }

  async open(server: { address: string; port: number }, up: Impairment, down: Impairment): Promise<RelayHandle> {
    const id = this.#nextId++;
    const reply = await this.#ask({
      type: 'open',
      id,
      server: { address: server.address, port: server.port },
      up,
      down,
    }).catch((error: unknown) => {
      // It may still open after the timeout: close it then too.
      this.#worker.postMessage({ type: 'close', id } satisfies RelayRequest);
      throw error;
    });
    if (reply.type !== 'opened') throw new Error(`opening an impairment relay failed: ${messageOf(reply)}`);
    let closed = false;
    return {
      id,
      port: reply.port,
      serverSidePort: reply.serverSidePort,
      setImpairment: (nextUp, nextDown) => {
        if (!closed) this.#worker.postMessage({ type: 'set', id, up: nextUp, down: nextDown } satisfies RelayRequest);
      },
      close: () => {
        if (closed) return;
        closed = true;
        this.#worker.postMessage({ type: 'close', id } satisfies RelayRequest);
      },
    };
  }

  /** These relays' counters now (open ones only), both directions summed. */
  async counters(relays: readonly RelayHandle[]): Promise<RelayCounters> {
    const reply = await this.#ask({ type: 'counters', id: this.#nextId++, relayIds: relays.map((relay) => relay.id) });
    if (reply.type !== 'counters') throw new Error(`reading relay counters failed: ${messageOf(reply)}`);
    return reply.counters;
  }

  /** Every relay's counters of this run, closed ones included, both directions summed. */
  async totals(): Promise<RelayCounters> {
    const reply = await this.#ask({ type: 'totals', id: this.#nextId++ });
    if (reply.type !== 'totals') throw new Error(`reading the relays' counters failed: ${messageOf(reply)}`);
    return reply.counters;
  }

  #ask(request: RelayRequest): Promise<RelayReply> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiting.delete(request.id);
        reject(new Error(`the relay thread did not answer "${request.type}" within ${ANSWER_TIMEOUT_MS} ms`));
      }, ANSWER_TIMEOUT_MS);
      this.#waiting.set(request.id, (reply) => {
        clearTimeout(timer);
        resolve(reply);
      });
      this.#worker.postMessage(request);
    });
  }
}

function messageOf(reply: RelayReply): string {
  return reply.type === 'failed' ? reply.message : `unexpected ${reply.type}`;
}
