// Who may watch a session, and how many at once. A public session: anyone.
// A private one: only whoever presents its watch key, which the link its
// hosts share carries and its password (if it has one) is answered with. The
// key is random, kept with the session (its row), and is also in the media
// paths of a private session (`mediaFolder`), so one check covers the page,
// the socket, the chat, the HLS files and the recordings. Capacity counts
// audience pages (the AudienceCounter), not players fed a URL by hand.
import crypto from 'node:crypto';
import { AppError } from '../errors.ts';
import type { SessionSettings } from '../protocol/index.ts';

/** What a session keeps about its audience (the key and hash in its row's columns, never sent to clients). */
export interface StoredWatchAccess {
  key: string | null;
  passwordHash: string | null;
  maxViewers: number | null;
}

export interface WatchAccessChange {
  private?: boolean | undefined;
  /** Already hashed (SessionService); null removes the password. */
  passwordHash?: string | null | undefined;
  maxViewers?: number | null | undefined;
}

export class WatchAccess {
  #key: string | null;
  #passwordHash: string | null;
  #maxViewers: number | null;

  constructor(stored: StoredWatchAccess = { key: null, passwordHash: null, maxViewers: null }) {
    this.#key = stored.key;
    this.#passwordHash = stored.passwordHash;
    this.#maxViewers = stored.maxViewers;
  }

  get isPrivate(): boolean {
    return this.#key !== null;
  }

  /** The watch key of a private session; null for a public one. */
  get key(): string | null {
    return this.#key;
  }

  get passwordHash(): string | null {
    return this.#passwordHash;
  }

  get maxViewers(): number | null {
    return this.#maxViewers;
  }

  /**
   * Applies a change, all or nothing. Privacy is chosen before the show goes
   * live: its media paths carry the key, so switching it on air would cut off
   * the audience already playing.
   */
  change(change: WatchAccessChange, live: boolean): void {
    const becomesPrivate = change.private ?? this.isPrivate;
    if (change.private !== undefined && change.private !== this.isPrivate && live) {
      throw new AppError('CONFLICT', 'a show is made private or public before it goes live');
    }
    if (typeof change.passwordHash === 'string' && !becomesPrivate) {
      throw new AppError('INVALID_INPUT', 'a password is for a private session: make it private too');
    }
    if (change.private === true && this.#key === null) this.#key = newWatchKey();
    if (change.private === false) {
      this.#key = null;
      this.#passwordHash = null;
    }
    if (change.passwordHash !== undefined && becomesPrivate) this.#passwordHash = change.passwordHash;
    if (change.maxViewers !== undefined) this.#maxViewers = change.maxViewers;
  }

  /** Whether `presented` opens the session (anything does, when it is public). */
  opens(presented: string | undefined): boolean {
    return this.#key === null || (presented !== undefined && sameKey(this.#key, presented));
  }

  /** Refuses, in words, someone who may not watch. */
  assertOpens(presented: string | undefined): void {
    if (this.opens(presented)) return;
    throw new AppError(
      'PRIVATE_SESSION',
      presented === undefined
        ? 'this show is private: open the link its host shared, or enter its password'
        : 'this watch link is not valid any more: ask the host for the new one, or enter the password',
    );
  }

  settings(): Pick<SessionSettings, 'private' | 'passwordSet' | 'maxViewers'> {
    return { private: this.isPrivate, passwordSet: this.#passwordHash !== null, maxViewers: this.#maxViewers };
  }

  stored(): StoredWatchAccess {
    return { key: this.#key, passwordHash: this.#passwordHash, maxViewers: this.#maxViewers };
  }
}

/** 128 random bits, URL-safe (22 characters). */
export function newWatchKey(): string {
  return crypto.randomBytes(16).toString('base64url');
}

/** Compares in constant time, so the key cannot be guessed a character at a time. */
export function sameKey(expected: string, presented: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(presented);
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}
