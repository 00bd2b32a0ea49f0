// The Socket.io side of GiftPushes: a session's audience room and its hosts' room.
import { audienceChannel } from '../broadcast/StreamNotifier.ts';
import { sessionChannel } from '../multihost/SessionNotifier.ts';
import type { GiftsPush } from '../protocol/index.ts';
import type { AppServer } from '../socket/socketData.ts';
import type { GiftPushes } from './GiftPushes.ts';

export class GiftNotifier implements GiftPushes {
  readonly #io: AppServer;

  constructor(io: AppServer) {
    this.#io = io;
  }

  sessionGifts(push: GiftsPush): void {
    this.#io.to([audienceChannel(push.sessionId), sessionChannel(push.sessionId)]).emit('gift:received', push);
  }
}
