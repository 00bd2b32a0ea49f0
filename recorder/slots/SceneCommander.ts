// Keeps a running compositor's filter options in step with the scene: sends
// the differences to FFmpeg's zmq filter as the scene changes, and the whole
// scene whenever a connection (re)opens — the first one after FFmpeg has
// built its graph, which happens only once it has a frame on every input.
import type { Logger } from 'pino';
import { ZmtpClient } from '../zmtpClient.ts';
import { slotCommands, type SlotSettings } from './slotGraph.ts';

const RETRY_MS = 50;
const REPLY_TIMEOUT_MS = 3000;

export class SceneCommander {
  readonly #port: number;
  readonly #logger: Logger;
  #desired: SlotSettings;
  /** What the connected FFmpeg has been told (undefined: nothing yet). */
  #applied: SlotSettings | undefined;
  #client: ZmtpClient | undefined;
  #closed = false;
  /** A batch of commands awaits FFmpeg's answers. */
  #inFlight = false;
  #connectedOnce: () => void = () => undefined;
  /** Resolves once FFmpeg took the first command connection (its graph is built). */
  readonly connected: Promise<void> = new Promise((resolve) => (this.#connectedOnce = resolve));

  constructor(port: number, settings: SlotSettings, logger: Logger) {
    this.#port = port;
    this.#desired = settings;
    this.#logger = logger;
    void this.#keepConnected();
  }

  /** The scene to show from the next frame on. */
  set(settings: SlotSettings): void {
    this.#desired = settings;
    this.#flush();
  }

  close(): void {
    this.#closed = true;
    this.#client?.close();
  }

  async #keepConnected(): Promise<void> {
    while (!this.#closed) {
      try {
        const client = await ZmtpClient.connect(this.#port);
        if (this.#closed) return client.close();
        this.#client = client;
        this.#applied = undefined;
        this.#connectedOnce();
        this.#flush();
        await client.closed;
        this.#client = undefined;
      } catch {
        // FFmpeg has not built its graph yet (or is gone): try again shortly.
      }
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
    }
  }

  #flush(): void {
    const client = this.#client;
    // One batch in flight at a time: FFmpeg answers at its next frame, so a
    // battle clock ticking while FFmpeg is slow would otherwise pile up
    // batches (and watchdogs). The scene changed meanwhile is sent when the
    // batch in flight is answered.
    if (!client || this.#inFlight) return;
    const commands = slotCommands(this.#applied, this.#desired);
    this.#applied = this.#desired;
    if (commands.length === 0) return;
    const replies = commands.map((command) =>
      client.request(command).then(
        (reply) => {
          if (reply.code !== 0) this.#logger.warn({ command, reply }, 'the compositor refused a command');
        },
        () => undefined, // the connection dropped: the next one sends the whole scene
      ),
    );
    // A connection that stays silent is not to be trusted with the scene:
    // drop it, and the next one gets all.
    const watchdog = setTimeout(() => {
      this.#logger.warn({ commands: commands.length }, 'the compositor did not answer; reconnecting');
      client.close();
    }, REPLY_TIMEOUT_MS);
    this.#inFlight = true;
    void Promise.all(replies).finally(() => {
      clearTimeout(watchdog);
      this.#inFlight = false;
      // Whatever changed meanwhile, to the connection there is now (a new one gets the whole scene).
      this.#flush();
    });
  }
}
