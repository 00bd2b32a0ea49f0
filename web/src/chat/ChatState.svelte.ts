// One reader's view of a session's chat: the messages, the pinned one, the
// chat's settings, the reader's own standing, what they know of others'
// (moderators, mutes, bans) and whom they blocked; the actions of the panel's
// controls. Pushes keep it live; every failure becomes `problem`, in words.
import { SvelteSet } from 'svelte/reactivity';
import {
  RequestFailed,
  type ChatJoinResult,
  type ChatMemberState,
  type ChatMessageView,
  type ChatReactionEmoji,
  type ChatReactions,
  type ChatStanding,
  type ReportReason,
  type ServerToClientEvents,
} from '../../../signaling/protocol/index.ts';
import { ApiError, callApi } from '../lib/httpApi.ts';
import type { StoredIdentity } from '../lib/identity.ts';
import { request, type SignalingSocket } from '../lib/signaling.ts';
import {
  describeChatError,
  exemptFromSlowMode,
  rateWaitSeconds,
  spendMessage,
  type ChatRoles,
  type SendBudget,
} from './chatRules.ts';

/** Messages kept on screen; older ones scroll out. */
const SHOWN_MESSAGES = 200;

const anonymous: ChatStanding = {
  userId: null,
  canModerate: false,
  isPrimaryHost: false,
  mutedUntil: null,
  banned: false,
};

export class ChatState {
  readonly sessionId: string;
  /** Everything received, blocked authors included (blocking hides, unblocking shows again). */
  messages = $state.raw<ChatMessageView[]>([]);
  pinned = $state.raw<ChatMessageView | null>(null);
  /** False once the session has ended. */
  open = $state(true);
  /** The first chat:join answered. */
  loaded = $state(false);
  slowModeSeconds = $state(0);
  you = $state.raw<ChatStanding>(anonymous);
  roles = $state.raw<ChatRoles>({ primaryHostId: '', members: {} });
  /** Users this reader blocked: id → name (when seen). */
  blocked = $state.raw<Record<string, string | null>>({});
  /** Reactions this reader gave ("messageId emoji"; the server's word on joining, then this visit's): a second click takes one back. */
  readonly myReactions = new SvelteSet<string>();
  /** When this reader's last message went out (ms since epoch): slow mode counts from it, even if turned on since. */
  lastSentMs = $state(0);
  /** Hosts and moderators: slow mode does not hold them back. */
  exemptFromSlowMode = $state(false);
  /** A clock for countdowns and mute ends, ticking once a second. */
  nowMs = $state(Date.now());
  problem = $state<string | undefined>();
  /** Feedback after an action that shows nothing else (a report filed). */
  notice = $state<string | undefined>();

  readonly #socket: SignalingSocket;
  readonly #token: string | undefined;
  #rate = { burst: 5, perS: 1 };
  #budget = $state.raw<SendBudget | undefined>();
  /** The latest chat:join sent: only its answer is applied (an older one may arrive after it). */
  #joins = 0;
  /** A private show's key: reading and writing its chat needs it. */
  readonly #watchKey: string | undefined;
  readonly #cleanups: (() => void)[] = [];

  constructor(
    socket: SignalingSocket,
    sessionId: string,
    identity: StoredIdentity | undefined,
    watchKey: string | undefined = undefined,
  ) {
    this.#socket = socket;
    this.sessionId = sessionId;
    this.#watchKey = watchKey;
    this.#token = identity?.token;
    this.#listen();
    const clock = setInterval(() => (this.nowMs = Date.now()), 1000);
    this.#cleanups.push(() => clearInterval(clock));
    if (this.#token) void this.#loadBlocks();
  }

  /** Messages this reader sees: without the users they blocked (earlier ones too). */
  get visibleMessages(): ChatMessageView[] {
    return this.messages.filter((message) => !(message.userId in this.blocked));
  }

  get signedIn(): boolean {
    return this.#token !== undefined;
  }

  /** The end of this reader's mute, while it lasts. */
  get mutedUntil(): string | null {
    const until = this.you.mutedUntil;
    return until && Date.parse(until) > this.nowMs ? until : null;
  }

  /** When slow mode lets this reader send again (ms since epoch; 0: now). */
  get slowModeUntilMs(): number {
    if (this.slowModeSeconds === 0 || this.exemptFromSlowMode || this.you.canModerate) return 0;
    return this.lastSentMs + this.slowModeSeconds * 1000;
  }

  /** Seconds until the per-user rate allows another message: a hint, the server decides. */
  get rateWaitS(): number {
    return rateWaitSeconds(this.#budget, this.#rate, this.nowMs);
  }

  member(userId: string): ChatMemberState | undefined {
    return this.roles.members[userId];
  }

  destroy(): void {
    for (const cleanup of this.#cleanups.splice(0)) cleanup();
  }

  // --- actions -------------------------------------------------------------------

  /** Sends a message; resolves true when the server took it. */
  async send(text: string): Promise<boolean> {
    const sent = await this.#act(() =>
      request(this.#socket, 'chat:send', { sessionId: this.sessionId, text, key: this.#watchKey }),
    );
    if (!sent) {
      this.#heldBack(this.problem);
      return false;
    }
    const now = Date.now();
    this.#budget = spendMessage(this.#budget, this.#rate, now);
    this.lastSentMs = now;
    this.exemptFromSlowMode = exemptFromSlowMode(this.you, sent.badge);
    // Our own message may come back in a push before this ack, or after it.
    this.#addMessages([sent]);
    return true;
  }

  async toggleReaction(messageId: string, emoji: ChatReactionEmoji): Promise<void> {
    const key = `${messageId} ${emoji}`;
    const remove = this.myReactions.has(key);
    const reactions = await this.#act(() => request(this.#socket, 'chat:react', { messageId, emoji, remove }));
    if (!reactions) return;
    if (remove) this.myReactions.delete(key);
    else this.myReactions.add(key);
    this.#applyReactions(reactions);
  }

  deleteMessage(messageId: string): Promise<unknown> {
    return this.#act(() => request(this.#socket, 'chat:delete', { messageId }));
  }

  pin(messageId: string): Promise<unknown> {
    return this.#act(() => request(this.#socket, 'chat:pin', { messageId }));
  }

  /** The message on the broadcast's picture (hosts who manage the stage; the studio's panel offers it). */
  showOnScreen(messageId: string): Promise<unknown> {
    return this.#act(() => request(this.#socket, 'chat:show-on-screen', { messageId }));
  }

  unpin(): Promise<unknown> {
    return this.#act(() => request(this.#socket, 'chat:unpin', { sessionId: this.sessionId }));
  }

  async mute(userId: string, minutes: number | null): Promise<void> {
    const target = { sessionId: this.sessionId, userId };
    const state = await this.#act(() =>
      minutes === null
        ? request(this.#socket, 'chat:unmute', target)
        : request(this.#socket, 'chat:mute', { ...target, minutes }),
    );
    if (state) this.#memberUpdated(state);
  }

  async ban(userId: string, banned: boolean): Promise<void> {
    const target = { sessionId: this.sessionId, userId };
    const state = await this.#act(() => request(this.#socket, banned ? 'chat:ban' : 'chat:unban', target));
    if (state) this.#memberUpdated(state);
  }

  async appoint(userId: string, moderator: boolean): Promise<void> {
    const target = { sessionId: this.sessionId, userId };
    const event = moderator ? 'chat:appoint-moderator' : 'chat:dismiss-moderator';
    const state = await this.#act(() => request(this.#socket, event, target));
    if (state) this.#memberUpdated(state);
  }

  setSlowMode(seconds: number): Promise<unknown> {
    return this.#act(() => request(this.#socket, 'chat:slow-mode', { sessionId: this.sessionId, seconds }));
  }

  /** Blocks a user: their messages disappear at once, earlier ones too. */
  async block(userId: string, displayName: string): Promise<void> {
    const done = await this.#act(() => request(this.#socket, 'chat:block', { userId }));
    if (done === undefined) return;
    this.blocked = { ...this.blocked, [userId]: displayName };
  }

  async unblock(userId: string): Promise<void> {
    const done = await this.#act(() => request(this.#socket, 'chat:unblock', { userId }));
    if (done === undefined) return;
    const { [userId]: _unblocked, ...rest } = this.blocked;
    this.blocked = rest;
    // Their earlier messages were left out of the history the server sent: read it again.
    await this.#join();
  }

  /** Files a report (POST /api/reports); resolves true when it was taken. */
  async report(target: { messageId: string } | { userId: string }, reason: ReportReason, details: string) {
    const filed = await this.#act(() =>
      callApi('/api/reports', { method: 'POST', body: { ...target, reason, details }, token: this.#token }),
    );
    if (filed === undefined) return false;
    this.notice = 'Report sent. Thank you: a moderator of Stagecast will look at it.';
    return true;
  }

  dismissProblem(): void {
    this.problem = undefined;
  }

  // --- pushes and joining ----------------------------------------------------------

  #listen(): void {
    const socket = this.#socket;
    const mine = (event: { sessionId: string }) => event.sessionId === this.sessionId;
    const join = () => void this.#join();
    socket.on('connect', join);
    this.#cleanups.push(() => socket.off('connect', join));
    const on = <E extends keyof ServerToClientEvents>(event: E, listener: ServerToClientEvents[E]) => {
      // Socket.io's typed `on` does not narrow a generic event name.
      socket.on(event, listener as never);
      this.#cleanups.push(() => socket.off(event, listener as never));
    };
    on('chat:messages', (batch) => {
      if (mine(batch)) this.#addMessages(batch.messages);
    });
    on('chat:message-deleted', (event) => {
      if (!mine(event)) return;
      this.messages = this.messages.filter((message) => message.id !== event.messageId);
    });
    on('chat:reaction', (event) => {
      if (mine(event)) this.#applyReactions(event);
    });
    on('chat:pinned', (event) => {
      if (mine(event)) this.pinned = event.message;
    });
    on('chat:slow-mode', (event) => {
      if (!mine(event)) return;
      this.slowModeSeconds = event.seconds;
    });
    on('chat:member-updated', (event) => {
      if (mine(event)) this.#memberUpdated(event);
    });
    on('chat:closed', (event) => {
      if (mine(event)) this.open = false;
    });
    if (socket.connected) join();
  }

  async #join(): Promise<void> {
    const sequence = ++this.#joins;
    let joined: ChatJoinResult;
    try {
      joined = await request(this.#socket, 'chat:join', { sessionId: this.sessionId, key: this.#watchKey });
    } catch (error) {
      if (sequence === this.#joins) this.problem = describe(error);
      return;
    }
    // A later join was sent meanwhile (reconnect, unblock, appointed): its answer is the one that counts.
    if (sequence !== this.#joins) return;
    this.messages = joined.messages;
    this.pinned = joined.pinned;
    this.open = joined.open;
    this.slowModeSeconds = joined.slowModeSeconds;
    this.you = joined.you;
    this.#rate = joined.messageRate;
    this.roles = {
      primaryHostId: joined.primaryHostId,
      members: Object.fromEntries(joined.members.map((member) => [member.userId, member])),
    };
    this.myReactions.clear();
    for (const { messageId, emoji } of joined.myReactions) this.myReactions.add(`${messageId} ${emoji}`);
    this.loaded = true;
  }

  async #loadBlocks(): Promise<void> {
    try {
      const { userIds } = await callApi<{ userIds: string[] }>('/api/blocks', { token: this.#token });
      this.blocked = { ...Object.fromEntries(userIds.map((userId) => [userId, null])), ...this.blocked };
    } catch (error) {
      this.problem = describe(error);
    }
  }

  #addMessages(incoming: ChatMessageView[]): void {
    const known = this.messages.map((message) => message.id);
    const fresh = incoming.filter((message) => !known.includes(message.id));
    if (fresh.length > 0) this.messages = [...this.messages, ...fresh].slice(-SHOWN_MESSAGES);
  }

  #applyReactions(event: ChatReactions): void {
    const apply = (message: ChatMessageView) =>
      message.id === event.messageId ? { ...message, reactions: event.reactions } : message;
    this.messages = this.messages.map(apply);
    if (this.pinned) this.pinned = apply(this.pinned);
  }

  #memberUpdated(state: ChatMemberState): void {
    this.roles = { ...this.roles, members: { ...this.roles.members, [state.userId]: state } };
    if (state.userId !== this.you.userId) return;
    const wasModerator = this.you.canModerate;
    const canModerate = this.you.isPrimaryHost || state.moderator;
    this.you = { ...this.you, canModerate, mutedUntil: state.mutedUntil, banned: state.banned };
    // Newly a moderator: the join answer for moderators says who is muted, banned or moderator.
    if (canModerate && !wasModerator) void this.#join();
  }

  /** Slow mode refused a message this reader's countdown did not expect (sent from another tab): follow the server. */
  #heldBack(problem: string | undefined): void {
    const wait = /wait (\d+) s/.exec(problem ?? '');
    if (!wait || this.slowModeSeconds === 0) return;
    this.lastSentMs = Date.now() - (this.slowModeSeconds - Number(wait[1])) * 1000;
  }

  /** Runs an action; a failure becomes `problem` (in words) and the result undefined. */
  async #act<T>(action: () => Promise<T>): Promise<T | undefined> {
    this.notice = undefined;
    try {
      const result = await action();
      this.problem = undefined;
      return result;
    } catch (error) {
      this.problem = describe(error);
      return undefined;
    }
  }
}

function describe(error: unknown): string {
  if (error instanceof RequestFailed) return describeChatError(error.code, error.reason);
  if (error instanceof ApiError) return describeChatError(error.code, error.message);
  return describeChatError('INTERNAL', (error as Error).message);
}
