// Every client→server event's payload schema, in one map keyed like
// ClientToServerEvents. The server registers a handler by event name only
// and the schema comes from here, so a handler can never validate with
// another event's schema, and an event without a schema does not compile.
import type { z } from 'zod';
import { authRefreshRequest } from './auth.ts';
import { battleInviteRequest, battleRef, quickMatchRequest } from './battleRequests.ts';
import { giftRequest } from './giftRequests.ts';
import { flashSaleRequest, interactionRequest, orderRequest, pinRequest, sellerRequest } from './shopRequests.ts';
import {
  chatHistoryRequest,
  chatMessageRef,
  chatModerationTarget,
  chatMuteRequest,
  chatReactRequest,
  chatSendRequest,
  chatJoinRequest,
  chatSessionRef,
  chatSlowModeRequest,
  chatUserRef,
} from './chatRequests.ts';
import { emptyRequest } from './commonRequests.ts';
import { meshCandidateRequest, meshDescriptionRequest, meshTracksRequest } from './meshRequests.ts';
import {
  hostPermissionsRequest,
  joinRequest,
  kickRequest,
  layoutChange,
  onAirRequest,
  onScreenRequest,
  sessionRef,
  stopHostMediaRequest,
} from './multihostRequests.ts';
import type { RequestEvent, RequestOf } from './request.ts';
import { streamRef, watchRequest } from './streamRequests.ts';
import {
  connectTransportRequest,
  consumerRef,
  createTransportRequest,
  produceRequest,
  producerRef,
  toggleTrackRequest,
  viewportRequest,
} from './webrtcRequests.ts';

export const requestSchemas = {
  'server:info': emptyRequest,
  'auth:refresh': authRefreshRequest,
  'webrtc:router-capabilities': sessionRef,
  'multihost:join': joinRequest,
  'multihost:leave': emptyRequest,
  'multihost:change-layout': layoutChange,
  'multihost:kick': kickRequest,
  'multihost:set-on-air': onAirRequest,
  'multihost:stop-host-media': stopHostMediaRequest,
  'multihost:set-permissions': hostPermissionsRequest,
  'multihost:set-on-screen': onScreenRequest,
  'multihost:watch-link': emptyRequest,
  'webrtc:ice-servers': emptyRequest,
  'webrtc:create-transport': createTransportRequest,
  'webrtc:connect-transport': connectTransportRequest,
  'webrtc:produce': produceRequest,
  'webrtc:close-producer': producerRef,
  'webrtc:consume': producerRef,
  'webrtc:resume-consumer': consumerRef,
  'webrtc:close-consumer': consumerRef,
  'webrtc:toggle-track': toggleTrackRequest,
  'webrtc:adapt-quality': viewportRequest,
  'webrtc:offer': meshDescriptionRequest,
  'webrtc:answer': meshDescriptionRequest,
  'webrtc:ice-candidate': meshCandidateRequest,
  'webrtc:mesh-tracks': meshTracksRequest,
  'chat:join': chatJoinRequest,
  'chat:leave': chatSessionRef,
  'chat:send': chatSendRequest,
  'chat:history': chatHistoryRequest,
  'chat:react': chatReactRequest,
  'chat:delete': chatMessageRef,
  'chat:pin': chatMessageRef,
  'chat:show-on-screen': chatMessageRef,
  'chat:unpin': chatSessionRef,
  'chat:appoint-moderator': chatModerationTarget,
  'chat:dismiss-moderator': chatModerationTarget,
  'chat:mute': chatMuteRequest,
  'chat:unmute': chatModerationTarget,
  'chat:ban': chatModerationTarget,
  'chat:unban': chatModerationTarget,
  'chat:slow-mode': chatSlowModeRequest,
  'chat:block': chatUserRef,
  'chat:unblock': chatUserRef,
  'stream:watch': watchRequest,
  'stream:unwatch': streamRef,
  'gift:catalogue': emptyRequest,
  'gift:send': giftRequest,
  'pk-battle:invite': battleInviteRequest,
  'pk-battle:accept': battleRef,
  'pk-battle:decline': battleRef,
  'pk-battle:cancel': battleRef,
  'pk-battle:get': battleRef,
  'pk-battle:current': streamRef,
  'pk-battle:quick-match': quickMatchRequest,
  'pk-battle:leave-queue': streamRef,
  'live-shopping:state': streamRef,
  'live-shopping:pin': pinRequest,
  'live-shopping:unpin': streamRef,
  'live-shopping:flash-sale': flashSaleRequest,
  'live-shopping:end-flash-sale': streamRef,
  'live-shopping:buy': orderRequest,
  'live-shopping:interaction': interactionRequest,
  'live-shopping:analytics': streamRef,
  'live-shopping:products': streamRef,
  'live-shopping:allow-seller': sellerRequest,
} satisfies { [E in RequestEvent]: z.ZodType };

/** A request's payload as its handler gets it: parsed, defaults filled in. */
export type ParsedRequest<E extends RequestEvent> = z.output<(typeof requestSchemas)[E]>;

/**
 * Payloads typed as mediasoup-client types them: their codec parameters are
 * `Record<string, unknown>`, which the schemas bound to strings and numbers
 * on purpose, so for these only the fields are compared, not their types.
 */
type MediaPayloadEvent = 'multihost:join' | 'webrtc:produce';

type SchemaInput<E extends RequestEvent> = z.input<(typeof requestSchemas)[E]>;

/** The payload and the schema name the same fields (empty payloads, typed as records, have none to compare). */
type SameFields<E extends RequestEvent> = string extends keyof RequestOf<E>
  ? true
  : [Exclude<keyof RequestOf<E>, keyof SchemaInput<E>>, Exclude<keyof SchemaInput<E>, keyof RequestOf<E>>] extends [
        never,
        never,
      ]
    ? true
    : false;

/** Whether the schema takes what the event map lets a client send, field for field. */
type SchemaAccepts<E extends RequestEvent> =
  SameFields<E> extends true
    ? E extends MediaPayloadEvent
      ? true
      : RequestOf<E> extends SchemaInput<E>
        ? true
        : false
    : false;

/**
 * Compile-time check that each schema accepts what the event map lets a
 * client send (a field added on one side only breaks the build here).
 */
type EventsWhoseSchemaRefusesThePayload = {
  [E in RequestEvent]: SchemaAccepts<E> extends true ? never : E;
}[RequestEvent];
// `never` when every schema fits; otherwise the error names the events that drifted.
const everySchemaAcceptsItsPayload: [EventsWhoseSchemaRefusesThePayload] extends [never]
  ? true
  : EventsWhoseSchemaRefusesThePayload = true;
void everySchemaAcceptsItsPayload;
