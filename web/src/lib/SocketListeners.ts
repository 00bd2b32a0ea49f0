// Listeners a page's state object (a battle, a shop, a catalogue) adds to the
// page's socket, removed together when the object goes: the socket lives on
// for the others.
import type { ServerToClientEvents } from '../../../signaling/protocol/index.ts';
import type { SignalingSocket } from './signaling.ts';

export class SocketListeners {
  readonly #socket: SignalingSocket;
  readonly #removers: (() => void)[] = [];

  constructor(socket: SignalingSocket) {
    this.#socket = socket;
  }

  on<E extends keyof ServerToClientEvents>(event: E, handler: ServerToClientEvents[E]): void {
    this.#socket.on(event, handler as never);
    this.#removers.push(() => this.#socket.off(event, handler as never));
  }

  /** On every (re)connection: pushes missed while away are not replayed, so state is asked for again. */
  onConnect(handler: () => void): void {
    this.#socket.on('connect', handler);
    this.#removers.push(() => this.#socket.off('connect', handler));
  }

  removeAll(): void {
    for (const remove of this.#removers.splice(0)) remove();
  }
}
