// What the gift service pushes, as plain calls: it holds no sockets.
// GiftNotifier is the Socket.io implementation.
import type { GiftsPush } from '../protocol/index.ts';

export interface GiftPushes {
  /** Gifts to a session not in a battle: its audience and its hosts. */
  sessionGifts(push: GiftsPush): void;
}
