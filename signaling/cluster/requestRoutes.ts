// Cluster mode: which node serves each client request. A request about a
// session is served by the session's owner, wherever the client is connected
// (its entry node forwards it: signaling/socket/forwardToOwner.ts). The
// table is a Record over every request event, so a new event does not
// compile until it is given a route.
import { entityId } from '../protocol/commonRequests.ts';
import type { RequestEvent } from '../protocol/index.ts';

/**
 * - `session`: the session named in the payload (`sessionId`).
 * - `joined`: the session this connection joined as a host (the media and
 *   mesh requests name none; they act on the caller's own connection).
 * - `message`: the session of the chat message named (`messageId`).
 * - `battle`: the session that started the battle named (`battleId`).
 * - `local`: the entry node itself (nothing session-bound).
 */
export type RouteKind = 'session' | 'joined' | 'message' | 'battle' | 'local';

export const requestRoutes: Record<RequestEvent, RouteKind> = {
  'server:info': 'local',
  'auth:refresh': 'local',
  'webrtc:ice-servers': 'local',
  'chat:block': 'local',
  'chat:unblock': 'local',
  'gift:catalogue': 'local',

  'webrtc:router-capabilities': 'session',
  'multihost:join': 'session',
  'chat:join': 'session',
  'chat:leave': 'session',
  'chat:history': 'session',
  'chat:send': 'session',
  'chat:unpin': 'session',
  'chat:appoint-moderator': 'session',
  'chat:dismiss-moderator': 'session',
  'chat:mute': 'session',
  'chat:unmute': 'session',
  'chat:ban': 'session',
  'chat:unban': 'session',
  'chat:slow-mode': 'session',
  'stream:watch': 'session',
  'stream:unwatch': 'session',
  'gift:send': 'session',
  'pk-battle:invite': 'session',
  'pk-battle:current': 'session',
  'pk-battle:quick-match': 'session',
  'pk-battle:leave-queue': 'session',
  'live-shopping:state': 'session',
  'live-shopping:pin': 'session',
  'live-shopping:unpin': 'session',
  'live-shopping:flash-sale': 'session',
  'live-shopping:end-flash-sale': 'session',
  'live-shopping:buy': 'session',
  'live-shopping:interaction': 'session',
  'live-shopping:analytics': 'session',
  'live-shopping:products': 'session',
  'live-shopping:allow-seller': 'session',

  'multihost:leave': 'joined',
  'multihost:change-layout': 'joined',
  'multihost:kick': 'joined',
  'multihost:set-on-air': 'joined',
  'multihost:stop-host-media': 'joined',
  'multihost:set-permissions': 'joined',
  'multihost:set-on-screen': 'joined',
  'multihost:watch-link': 'joined',
  'webrtc:create-transport': 'joined',
  'webrtc:connect-transport': 'joined',
  'webrtc:produce': 'joined',
  'webrtc:close-producer': 'joined',
  'webrtc:consume': 'joined',
  'webrtc:resume-consumer': 'joined',
  'webrtc:close-consumer': 'joined',
  'webrtc:toggle-track': 'joined',
  'webrtc:adapt-quality': 'joined',
  'webrtc:offer': 'joined',
  'webrtc:answer': 'joined',
  'webrtc:ice-candidate': 'joined',
  'webrtc:mesh-tracks': 'joined',

  'chat:react': 'message',
  'chat:delete': 'message',
  'chat:pin': 'message',
  'chat:show-on-screen': 'message',

  'pk-battle:accept': 'battle',
  'pk-battle:decline': 'battle',
  'pk-battle:cancel': 'battle',
  'pk-battle:get': 'battle',
};

export interface RouteLookups {
  sessionOfMessage(messageId: string): Promise<string | undefined>;
  sessionOfBattle(battleId: string): Promise<string | undefined>;
}

/** The session whose owner serves this request, or undefined to serve it where it arrived. */
export async function sessionOfRequest(
  event: string,
  payload: unknown,
  joinedSessionId: string | undefined,
  lookups: RouteLookups,
): Promise<string | undefined> {
  const kind = (requestRoutes as Partial<Record<string, RouteKind>>)[event];
  // Unvalidated input: an id that is no id is served where it arrived, and refused there by its schema.
  const field = (name: string): string | undefined => {
    const parsed = entityId.safeParse((payload as Record<string, unknown> | null | undefined)?.[name]);
    return parsed.success ? parsed.data : undefined;
  };
  switch (kind) {
    case 'session':
      return field('sessionId');
    case 'joined':
      return joinedSessionId;
    case 'message': {
      const messageId = field('messageId');
      return messageId === undefined ? undefined : lookups.sessionOfMessage(messageId);
    }
    case 'battle': {
      const battleId = field('battleId');
      return battleId === undefined ? undefined : lookups.sessionOfBattle(battleId);
    }
    default:
      return undefined;
  }
}
