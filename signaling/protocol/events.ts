// The Socket.io protocol, declared once and imported by the server
// (signaling/) and the browser (web/). Socket.io's typed Server/Socket check
// every emit, handler and ack against these maps. Event names follow the
// seed API (multihost:*, webrtc:*).
import type { types as client } from 'mediasoup-client';
import type { AckCallback } from './ack.ts';
import type { AuthRefreshRequest, AuthRefreshResult } from './auth.ts';
import type {
  BattleGiftPush,
  BattleInviteRequest,
  BattleRef,
  BattleState,
  QuickMatchRequest,
  QuickMatchResult,
} from './battles.ts';
import type { GiftReceipt, GiftRequest, GiftsPush, GiftTypeView } from './gifts.ts';
import type {
  FlashSaleRequest,
  FlashSaleView,
  InteractionRequest,
  OrderReceipt,
  OrderRequest,
  OrderView,
  PinRequest,
  ProductView,
  SellerRequest,
  ShopAnalytics,
  ShopCard,
  ShopState,
  StockPush,
  VoucherView,
} from './shop.ts';
import type {
  ChatHistoryRequest,
  ChatJoinResult,
  ChatMemberState,
  ChatMessageRef,
  ChatMessageView,
  ChatModerationTarget,
  ChatMuteRequest,
  ChatPage,
  ChatReactions,
  ChatReactRequest,
  ChatSendRequest,
  ChatJoinRequest,
  ChatSessionRef,
  ChatSlowModeRequest,
  ChatUserRef,
} from './chat.ts';
import type {
  ConsumerOptions,
  EndReason,
  HostState,
  IceServer,
  JoinRequestOutcome,
  JoinResult,
  LayoutState,
  LeaveReason,
  MediaMode,
  PublishedTrack,
  QualityAdapted,
  QualityTier,
  ConnectionFigures,
  ConnectionWarning,
  SessionPlan,
  SessionSettings,
  SessionStatus,
  StoppableSource,
  TrackSource,
  TransportOptions,
  WatchLink,
} from './multihost.ts';
import type { NotificationsRead, NotificationView } from './notifications.ts';
import type { OnScreenState } from './onScreen.ts';
import type {
  HostPermissionsRequest,
  JoinRequest,
  LayoutChange,
  OnAirRequest,
  OnScreenRequest,
  StopHostMediaRequest,
} from './multihostRequests.ts';
import type { MeshCandidate, MeshCandidateRequest, MeshDescriptionRequest, MeshTracksRequest } from './meshRequests.ts';
import type {
  ConnectTransportRequest,
  CreateTransportRequest,
  ProduceRequest,
  ToggleTrackRequest,
  ViewportRequest,
} from './webrtcRequests.ts';
import type { StreamRef, StreamStats, StreamStatusChange, StreamWarning, ViewerCount, WatchRequest } from './stream.ts';

export interface ServerInfo {
  /** Stagecast version (package.json). */
  version: string;
  /** Live mediasoup workers. */
  workers: number;
}

type Request<Payload, Response> = (request: Payload, ack: AckCallback<Response>) => void;
type Empty = Record<string, never>;

/** Requests a client sends; each answers through its ack. */
export interface ClientToServerEvents {
  'server:info': Request<Empty, ServerInfo>;
  /** Same user only; keeps the connection signed in past the old token's expiry. */
  'auth:refresh': Request<AuthRefreshRequest, AuthRefreshResult>;
  /** Router capabilities to load the mediasoup-client Device before joining. */
  'webrtc:router-capabilities': Request<{ sessionId: string }, client.RtpCapabilities>;
  'multihost:join': Request<JoinRequest, JoinResult>;
  'multihost:leave': Request<Empty, null>;
  'multihost:change-layout': Request<LayoutChange, LayoutState>;
  'multihost:kick': Request<{ userId: string }, null>;
  /** The primary host or a co-host with the stage permission: a host goes on air or backstage. */
  'multihost:set-on-air': Request<OnAirRequest, HostState>;
  /** The same: stops another host's microphone or camera; only its owner turns it back on. */
  'multihost:stop-host-media': Request<StopHostMediaRequest, null>;
  /** The primary host: what a co-host may do (layout, stage). */
  'multihost:set-permissions': Request<HostPermissionsRequest, HostState>;
  /** The primary host or a co-host with `stage`: the banner and the ticker over the picture (null hides one). */
  'multihost:set-on-screen': Request<OnScreenRequest, OnScreenState>;
  'multihost:watch-link': Request<Empty, WatchLink>;
  'webrtc:ice-servers': Request<Empty, IceServer[]>;
  'webrtc:create-transport': Request<CreateTransportRequest, TransportOptions>;
  'webrtc:connect-transport': Request<ConnectTransportRequest, null>;
  'webrtc:produce': Request<ProduceRequest, { producerId: string }>;
  'webrtc:close-producer': Request<{ producerId: string }, null>;
  'webrtc:consume': Request<{ producerId: string }, ConsumerOptions>;
  'webrtc:resume-consumer': Request<{ consumerId: string }, null>;
  /** The client no longer shows this track (gave up on it, or receives it another way): the server stops sending it. */
  'webrtc:close-consumer': Request<{ consumerId: string }, null>;
  'webrtc:toggle-track': Request<ToggleTrackRequest, null>;
  /** The client's tiles for its video consumers: drives layer selection. */
  'webrtc:adapt-quality': Request<ViewportRequest, null>;
  /** Mesh: relayed to another host of the caller's session (perfect negotiation on the clients). */
  'webrtc:offer': Request<MeshDescriptionRequest, null>;
  'webrtc:answer': Request<MeshDescriptionRequest, null>;
  'webrtc:ice-candidate': Request<MeshCandidateRequest, null>;
  /** Mesh: the tracks this host sends peer to peer (listed in the session as `via: 'mesh'`). */
  'webrtc:mesh-tracks': Request<MeshTracksRequest, null>;
  /** Joins the session's chat (anyone, also anonymous): recent history and the chat's state. */
  'chat:join': Request<ChatJoinRequest, ChatJoinResult>;
  'chat:leave': Request<ChatSessionRef, null>;
  /** Signed in (account or guest). The accepted message, as pushed (possibly masked). */
  'chat:send': Request<ChatSendRequest, ChatMessageView>;
  'chat:history': Request<ChatHistoryRequest, ChatPage>;
  'chat:react': Request<ChatReactRequest, ChatReactions>;
  /** The author, or a moderator who outranks them. */
  'chat:delete': Request<ChatMessageRef, null>;
  'chat:pin': Request<ChatMessageRef, ChatMessageView>;
  /** A host who manages the stage: the message, with its author, on the broadcast's picture. */
  'chat:show-on-screen': Request<ChatMessageRef, OnScreenState>;
  'chat:unpin': Request<ChatSessionRef, null>;
  /** Primary host only. */
  'chat:appoint-moderator': Request<ChatModerationTarget, ChatMemberState>;
  'chat:dismiss-moderator': Request<ChatModerationTarget, ChatMemberState>;
  'chat:mute': Request<ChatMuteRequest, ChatMemberState>;
  'chat:unmute': Request<ChatModerationTarget, ChatMemberState>;
  'chat:ban': Request<ChatModerationTarget, ChatMemberState>;
  'chat:unban': Request<ChatModerationTarget, ChatMemberState>;
  'chat:slow-mode': Request<ChatSlowModeRequest, null>;
  /** Hides a user's messages from you, everywhere, until unblocked. */
  'chat:block': Request<ChatUserRef, null>;
  'chat:unblock': Request<ChatUserRef, null>;
  /** Anyone (also anonymous): opens the audience view of a session; counted as a viewer until unwatch or disconnect. */
  'stream:watch': Request<WatchRequest, StreamStats>;
  'stream:unwatch': Request<StreamRef, null>;
  /** Anyone: the gift catalogue. */
  'gift:catalogue': Request<Empty, GiftTypeView[]>;
  /** Signed-in accounts: coins to a live session's primary host (in a battle: scores for that side). */
  'gift:send': Request<GiftRequest, GiftReceipt>;
  /** A live session's primary host invites another live session's primary host. */
  'pk-battle:invite': Request<BattleInviteRequest, BattleState>;
  /** The invited primary host. */
  'pk-battle:accept': Request<BattleRef, BattleState>;
  'pk-battle:decline': Request<BattleRef, BattleState>;
  /** Either side's primary host: withdraws an invitation, or forfeits a battle under way. */
  'pk-battle:cancel': Request<BattleRef, BattleState>;
  /** Anyone: a battle by id. */
  'pk-battle:get': Request<BattleRef, BattleState>;
  /** Anyone: the battle a session is in now (also its result phase), or null. */
  'pk-battle:current': Request<StreamRef, BattleState | null>;
  /** A live session's primary host: pairs it with the next session that asks. */
  'pk-battle:quick-match': Request<QuickMatchRequest, QuickMatchResult>;
  'pk-battle:leave-queue': Request<StreamRef, null>;
  /** Anyone: the session's pinned card and flash sale. */
  'live-shopping:state': Request<StreamRef, ShopState>;
  /** The primary host (or a co-host allowed to sell): pins one of the primary host's products or vouchers. */
  'live-shopping:pin': Request<PinRequest, ShopState>;
  'live-shopping:unpin': Request<StreamRef, ShopState>;
  /** Starts a flash sale (one per session at a time) and pins its product. */
  'live-shopping:flash-sale': Request<FlashSaleRequest, ShopState>;
  'live-shopping:end-flash-sale': Request<StreamRef, ShopState>;
  /** Signed-in accounts: one order, paid in coins; idempotent on clientOrderId. */
  'live-shopping:buy': Request<OrderRequest, OrderReceipt>;
  /** Anyone watching: the card was on screen, or opened (counted once per viewer and pin). */
  'live-shopping:interaction': Request<InteractionRequest, null>;
  /** The session's hosts: per-pin figures so far. */
  'live-shopping:analytics': Request<StreamRef, ShopAnalytics>;
  /** Anyone: the session's shelf (the primary host's products for sale), for the shopping bag. */
  'live-shopping:products': Request<StreamRef, ProductView[]>;
  /** The primary host: lets a co-host pin and run sales, or stops them. */
  'live-shopping:allow-seller': Request<SellerRequest, ShopState>;
}

/** Pushes the server sends. */
export interface ServerToClientEvents {
  'multihost:joined': (event: { sessionId: string; host: HostState }) => void;
  'multihost:left': (event: { sessionId: string; userId: string; reason: LeaveReason }) => void;
  'multihost:host-updated': (event: { sessionId: string; host: HostState }) => void;
  'multihost:layout-changed': (event: { sessionId: string; layout: LayoutState }) => void;
  'multihost:on-screen': (event: { sessionId: string; onScreen: OnScreenState }) => void;
  /** Another host stopped `userId`'s microphone or camera: that host's studio turns it off and says who did. */
  'multihost:media-stopped': (event: {
    sessionId: string;
    userId: string;
    source: StoppableSource;
    by: { userId: string; displayName: string };
  }) => void;
  'multihost:settings': (event: {
    sessionId: string;
    title: string;
    settings: SessionSettings;
    plan: SessionPlan;
  }) => void;
  'multihost:status': (event: { sessionId: string; status: SessionStatus }) => void;
  'multihost:ended': (event: { sessionId: string; reason: EndReason }) => void;
  'multihost:invited': (event: { sessionId: string; title: string; invitedBy: string }) => void;
  /** To the primary host. */
  'multihost:join-requested': (event: {
    sessionId: string;
    userId: string;
    displayName: string;
    requestedAt: string;
    expiresAt: string;
  }) => void;
  /** To the primary host (all tabs): a request left the pending list. */
  'multihost:join-request-closed': (event: { sessionId: string; userId: string; outcome: JoinRequestOutcome }) => void;
  /** To the requester (all tabs). */
  'multihost:request-approved': (event: { sessionId: string }) => void;
  /** To the requester: the primary host said no; `reason` is theirs, or null. */
  'multihost:request-denied': (event: { sessionId: string; reason: string | null }) => void;
  /** To the requester: nobody answered in time (JOIN_REQUEST_TTL_MS). */
  'multihost:request-expired': (event: { sessionId: string }) => void;
  /** To the requester's other tabs: they withdrew the request. */
  'multihost:request-cancelled': (event: { sessionId: string }) => void;
  /** The media server behind the session restarted: join again. */
  'multihost:rejoin': (event: { sessionId: string }) => void;
  'webrtc:new-producer': (event: { sessionId: string; userId: string; track: PublishedTrack }) => void;
  'webrtc:producer-closed': (event: { sessionId: string; userId: string; producerId: string }) => void;
  'webrtc:consumer-closed': (event: { consumerId: string }) => void;
  'webrtc:track-toggled': (event: { sessionId: string; userId: string; source: TrackSource; enabled: boolean }) => void;
  'webrtc:active-speaker': (event: { sessionId: string; userId: string | null }) => void;
  'webrtc:audio-levels': (event: { sessionId: string; levels: { userId: string; volume: number }[] }) => void;
  'webrtc:quality-adapted': (event: QualityAdapted) => void;
  'webrtc:peer-quality-changed': (event: { sessionId: string; userId: string; tier: QualityTier }) => void;
  'webrtc:stats-update': (event: ConnectionFigures) => void;
  'webrtc:connection-warning': (event: ConnectionWarning) => void;
  /** Mesh, to one host: another host of the session offers, answers or sends a candidate. */
  'webrtc:offer': (event: { sessionId: string; fromUserId: string; sdp: string }) => void;
  'webrtc:answer': (event: { sessionId: string; fromUserId: string; sdp: string }) => void;
  'webrtc:ice-candidate': (event: { sessionId: string; fromUserId: string; candidates: MeshCandidate[] }) => void;
  /** The session's media moved between peer to peer and the server (SessionState.mediaMode). */
  'multihost:mode': (event: { sessionId: string; mode: MediaMode }) => void;
  /** New messages of one chat, oldest first, batched over a few tens of milliseconds. */
  'chat:messages': (event: { sessionId: string; messages: ChatMessageView[] }) => void;
  'chat:message-deleted': (event: { sessionId: string; messageId: string }) => void;
  'chat:reaction': (event: ChatReactions) => void;
  'chat:pinned': (event: { sessionId: string; message: ChatMessageView | null }) => void;
  'chat:slow-mode': (event: { sessionId: string; seconds: number }) => void;
  /** A user was muted, banned or made moderator (or the reverse). */
  'chat:member-updated': (event: ChatMemberState) => void;
  /** The session ended: the chat takes no more messages (history stays readable). */
  'chat:closed': (event: { sessionId: string }) => void;
  /** To the audience and the hosts, at most once a second while it changes. */
  'stream:viewers': (event: ViewerCount) => void;
  /** To the audience and the hosts: live, ending, archived; and recordings starting or stopping. */
  'stream:status': (event: StreamStatusChange) => void;
  /** To the hosts only. */
  'stream:warning': (event: StreamWarning) => void;
  /** Gifts to a session not in a battle, to its audience and hosts, a few times a second. */
  'gift:received': (event: GiftsPush) => void;
  /** To every page of the account: a new notification (the bell counts it). */
  'notification:new': (event: NotificationView) => void;
  /** To every page of the account: some were read on one of them. */
  'notification:read': (event: NotificationsRead) => void;
  /** To the invited primary host (all tabs). */
  'pk-battle:invited': (event: { battle: BattleState }) => void;
  /**
   * To both sessions' hosts and audiences on every phase change: created
   * (invited), declined, expired, cancelled, countdown, started (live),
   * result, ended — the state says which.
   */
  'pk-battle:created': (event: { battle: BattleState }) => void;
  'pk-battle:declined': (event: { battle: BattleState }) => void;
  'pk-battle:expired': (event: { battle: BattleState }) => void;
  'pk-battle:cancelled': (event: { battle: BattleState }) => void;
  'pk-battle:countdown': (event: { battle: BattleState }) => void;
  'pk-battle:started': (event: { battle: BattleState }) => void;
  /** Scores and gift streaks while live, at most ten times a second. */
  'pk-battle:gift': (event: BattleGiftPush) => void;
  'pk-battle:result': (event: { battle: BattleState }) => void;
  /**
   * To a session's hosts: the opponent session's hosts and their tracks, with
   * producer ids valid in this session's router (consumed with
   * `webrtc:consume`); sent when the battle's media starts and whenever the
   * opponent's tracks change; `hosts: []` when it stops.
   */
  'pk-battle:opponent-hosts': (event: { battleId: string; sessionId: string; hosts: HostState[] }) => void;
  'pk-battle:ended': (event: { battle: BattleState }) => void;
  /** To the audience and the hosts: a product or voucher was pinned (card), or unpinned (card null). */
  'live-shopping:product-pinned': (event: { sessionId: string; card: ShopCard | null; serverTime: string }) => void;
  /** To the audience and the hosts: a flash sale was announced (counting down), or ended (endedAt set). */
  'live-shopping:flash-sale': (event: { sessionId: string; sale: FlashSaleView; serverTime: string }) => void;
  /** To the audience and the hosts: stock after orders, at most every SHOP_STOCK_PUSH_MS. */
  'live-shopping:stock': (event: StockPush) => void;
  /** To the audience and the hosts: a product (or its sale) has no units left. */
  'live-shopping:sold-out': (event: { sessionId: string; productId: string; saleId: string | null }) => void;
  /** To the hosts (and the seller's every connection): an order was placed in their session. */
  'live-shopping:order': (event: { sessionId: string; order: OrderView }) => void;
  /** To the hosts (and the seller's every connection): the session's shop figures, at most once a second while they change. */
  'live-shopping:analytics': (event: ShopAnalytics) => void;
  /** To the session's hosts: the co-hosts allowed to sell changed. */
  'live-shopping:sellers': (event: { sessionId: string; sellers: string[] }) => void;
  /** To the seller's own connections: a product was created or changed (stock, price, picture). */
  'live-shopping:product-added': (event: { product: ProductView }) => void;
  /** To the seller's own connections: a voucher was created or changed. */
  'live-shopping:voucher': (event: { voucher: VoucherView }) => void;
}

/**
 * Between signalling nodes (`serverSideEmit` through the Redis adapter: one
 * message to every other node). Requests with a reply go over the cluster bus.
 */
export interface InterServerEvents {
  /** A chat batch the owner sent: each node resends it, filtered, to its own readers who blocked one of its authors. */
  'chat:batch-for-blockers': (batch: { sessionId: string; messages: ChatMessageView[] }) => void;
}
