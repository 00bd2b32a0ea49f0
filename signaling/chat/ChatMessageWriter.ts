// Writes chat messages to the database behind the conversation, in batches:
// a message is pushed to its readers as soon as it is accepted, and rows are
// inserted every few tens of milliseconds, many per statement. With one
// insert per message, 100 messages a second kept SQLite (whose driver works
// on the event loop) busy enough to delay every push by seconds (bench:
// `chat`). Readers of the table flush first, so within this process nothing
// is read before it is written; a crash loses at most one interval.
import type { Logger } from 'pino';
import type { Database } from '../../prisma/database.ts';
import type { MessageRow } from './MessageRow.ts';

/** How long an accepted message may wait for its insert. */
const FLUSH_INTERVAL_MS = 50;
/** Rows per insert statement (SQLite's variable limit is far above 500 × 7). */
const MAX_BATCH = 500;
/** A batch that fails this many times in a row is dropped (and logged) so the chat does not stall. */
const MAX_ATTEMPTS = 3;

type NewMessageRow = Omit<MessageRow, 'deletedAt'>;

export class ChatMessageWriter {
  readonly #database: Database;
  readonly #logger: Logger;
  #pending: NewMessageRow[] = [];
  #attempts = 0;
  #timer: NodeJS.Timeout | undefined;
  /** The write in progress; flushes run one after another. */
  #writing: Promise<void> = Promise.resolve();

  constructor(database: Database, logger: Logger) {
    this.#database = database;
    this.#logger = logger.child({ component: 'chat-writer' });
  }

  add(row: NewMessageRow): void {
    this.#pending.push(row);
    if (this.#pending.length >= MAX_BATCH) void this.flush();
    else this.#timer ??= setTimeout(() => void this.flush(), FLUSH_INTERVAL_MS);
  }

  /** Writes everything accepted so far; resolves when it is in the database. */
  flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#writing = this.#writing.then(() => this.#writePending());
    return this.#writing;
  }

  async #writePending(): Promise<void> {
    while (this.#pending.length > 0) {
      const batch = this.#pending.slice(0, MAX_BATCH);
      try {
        await this.#database.chatMessage.createMany({ data: batch });
        this.#pending = this.#pending.slice(batch.length);
        this.#attempts = 0;
      } catch (error) {
        this.#attempts += 1;
        if (this.#attempts < MAX_ATTEMPTS) {
          this.#logger.warn({ err: error, rows: batch.length }, 'writing chat messages failed; will retry');
          this.#timer ??= setTimeout(() => void this.flush(), FLUSH_INTERVAL_MS * 4);
          return;
        }
        this.#logger.error({ err: error, rows: batch.length }, 'writing chat messages failed; batch dropped');
        this.#pending = this.#pending.slice(batch.length);
        this.#attempts = 0;
      }
    }
  }
}
