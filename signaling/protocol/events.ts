// The Socket.io protocol, declared once and imported by the server
// (signaling/) and the browser (web/). Socket.io's typed Server/Socket check
// every emit, handler and ack against these maps.
import type { AckCallback } from './ack.ts';

export interface ServerInfo {
  /** Stagecast version (package.json). */
  version: string;
  /** Live mediasoup workers. */
  workers: number;
}

/** Requests a client sends; each answers through its ack. */
export interface ClientToServerEvents {
  'server:info': (request: Record<string, never>, ack: AckCallback<ServerInfo>) => void;
}

/** Pushes the server sends. */
// Empty until rooms arrive; declared now so both sides already type against it.
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface ServerToClientEvents {}

/** Between signalling nodes (Redis adapter). */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface InterServerEvents {}
