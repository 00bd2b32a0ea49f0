// Janus's WebSocket API, as much of it as a VideoRoom peer uses: one
// connection, one session on it, plugin handles, synchronous requests
// (answered with `success`) and asynchronous ones (`ack`, then an `event`
// with the same transaction, possibly carrying a JSEP). Events a handle gets
// on its own (a new publisher, a renegotiation) go to its listener.
//
// Hand-written rather than Meetecho's janode: the protocol is small, janode
// ships no types and pulls in a native module, and what the bench times
// (request → event) should not pass through another layer.
import WebSocket from 'ws';

export interface Jsep {
  type: 'offer' | 'answer';
  sdp: string;
}

export type PluginData = Record<string, unknown>;

/** A message from Janus (the fields the bench reads). */
interface JanusMessage {
  janus: string;
  transaction?: string;
  session_id?: number;
  sender?: number;
  data?: { id?: number };
  error?: { code: number; reason: string };
  plugindata?: { plugin: string; data: PluginData };
  jsep?: Jsep;
}

export interface PluginEvent {
  data: PluginData;
  jsep: Jsep | undefined;
}

export class JanusError extends Error {
  constructor(
    readonly request: string,
    readonly code: number | string,
    reason: string,
  ) {
    super(`janus ${request}: ${code} ${reason}`);
  }
}

interface Pending {
  request: string;
  /** Asynchronous requests resolve on their event, not on the ack. */
  untilEvent: boolean;
  resolve(message: JanusMessage): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

export class JanusSession {
  readonly #socket: WebSocket;
  readonly #timeoutMs: number;
  readonly #pending = new Map<string, Pending>();
  readonly #listeners = new Map<number, (event: PluginEvent, kind: string) => void>();
  #nextTransaction = 1;
  #sessionId = 0;
  #closed = false;

  private constructor(socket: WebSocket, timeoutMs: number) {
    this.#socket = socket;
    this.#timeoutMs = timeoutMs;
    socket.on('message', (raw) => this.#onMessage(JSON.parse(String(raw)) as JanusMessage));
    socket.on('close', () => this.#failAll(new Error('the Janus WebSocket closed')));
    socket.on('error', () => undefined); // 'close' follows
  }

  /** Connects and creates a session. */
  static async open(url: string, timeoutMs: number): Promise<JanusSession> {
    const socket = new WebSocket(url, 'janus-protocol');
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`Janus WebSocket ${url} not open within ${timeoutMs} ms`)),
          timeoutMs,
        );
        socket.once('open', () => (clearTimeout(timer), resolve()));
        socket.once('error', (error) => (clearTimeout(timer), reject(error)));
      });
    } catch (error) {
      socket.on('error', () => undefined);
      socket.terminate();
      throw error;
    }
    const session = new JanusSession(socket, timeoutMs);
    try {
      const created = await session.#send({ janus: 'create' }, false);
      session.#sessionId = created.data?.id ?? 0;
    } catch (error) {
      session.close();
      throw error;
    }
    return session;
  }

  /** Attaches a plugin handle; `onEvent` gets the events that answer no request of ours. */
  async attach(plugin: string, onEvent: (event: PluginEvent, kind: string) => void): Promise<JanusHandle> {
    const attached = await this.#send({ janus: 'attach', plugin, session_id: this.#sessionId }, false);
    const handleId = attached.data?.id;
    if (!handleId) throw new JanusError('attach', 'no-id', 'no handle id');
    this.#listeners.set(handleId, onEvent);
    return new JanusHandle(this, handleId);
  }

  /** A plugin request on a handle; resolves with the plugin's data (and JSEP). */
  async message(handleId: number, body: PluginData, jsep: Jsep | undefined, untilEvent: boolean): Promise<PluginEvent> {
    const request = String(body.request);
    const message = await this.#send(
      { janus: 'message', session_id: this.#sessionId, handle_id: handleId, body, ...(jsep ? { jsep } : {}) },
      untilEvent,
      request,
    );
    const data = message.plugindata?.data ?? {};
    if (typeof data.error_code === 'number' || typeof data.error === 'string') {
      throw new JanusError(request, Number(data.error_code ?? 0), String(data.error ?? ''));
    }
    return { data, jsep: message.jsep };
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#socket.readyState === WebSocket.OPEN && this.#sessionId) {
      // Destroying the session hangs up its handles at once (no wait for the socket's close to be noticed).
      this.#socket.send(JSON.stringify({ janus: 'destroy', session_id: this.#sessionId, transaction: 'bye' }));
    }
    this.#socket.close();
    this.#failAll(new Error('closed'));
  }

  #send(message: Record<string, unknown>, untilEvent: boolean, request = String(message.janus)): Promise<JanusMessage> {
    if (this.#closed) return Promise.reject(new Error('the Janus session is closed'));
    const transaction = String(this.#nextTransaction++);
    return new Promise<JanusMessage>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(transaction);
        reject(new JanusError(request, 'timeout', `no answer within ${this.#timeoutMs} ms`));
      }, this.#timeoutMs);
      this.#pending.set(transaction, { request, untilEvent, resolve, reject, timer });
      this.#socket.send(JSON.stringify({ ...message, transaction }));
    });
  }

  #onMessage(message: JanusMessage): void {
    const pending = message.transaction ? this.#pending.get(message.transaction) : undefined;
    if (pending) {
      if (message.janus === 'ack' && pending.untilEvent) return;
      this.#pending.delete(message.transaction!);
      clearTimeout(pending.timer);
      if (message.janus === 'error') {
        pending.reject(new JanusError(pending.request, message.error?.code ?? 0, message.error?.reason ?? 'error'));
      } else pending.resolve(message);
      return;
    }
    // Not an answer: an event of a handle's own (publishers, renegotiations), or webrtcup/media/hangup.
    if (message.sender === undefined) return;
    const listener = this.#listeners.get(message.sender);
    listener?.({ data: message.plugindata?.data ?? {}, jsep: message.jsep }, message.janus);
  }

  #failAll(error: Error): void {
    for (const [transaction, pending] of this.#pending) {
      clearTimeout(pending.timer);
      pending.reject(error);
      this.#pending.delete(transaction);
    }
  }
}

export class JanusHandle {
  constructor(
    readonly session: JanusSession,
    readonly id: number,
  ) {}

  /** A synchronous plugin request (create, exists, …). */
  request(body: PluginData): Promise<PluginEvent> {
    return this.session.message(this.id, body, undefined, false);
  }

  /** An asynchronous plugin request (join, publish, start, subscribe, …): resolves on its event. */
  send(body: PluginData, jsep?: Jsep): Promise<PluginEvent> {
    return this.session.message(this.id, body, jsep, true);
  }
}
