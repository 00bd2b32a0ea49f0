// An account's notifications as the bell shows them: the list from the
// server, new ones pushed on the account's socket, reads made on another page
// followed. On every (re)connection the list is loaded again, so what came
// while the socket was away is there, and a push already in the list (by id)
// is never shown twice.
import {
  NOTIFICATIONS_LISTED,
  type NotificationsRead,
  type NotificationView,
} from '../../../signaling/protocol/index.ts';
import { connectSignaling, type SignalingSocket } from '../lib/signaling.ts';
import { loadNotifications, markNotificationsRead } from './notificationsApi.ts';

export class Notifications {
  items = $state.raw<NotificationView[]>([]);
  unread = $state(0);
  loaded = $state(false);
  /** What went wrong, in words (the list stays as it was). */
  problem = $state<string | undefined>();
  readonly #token: string;
  #socket: SignalingSocket | undefined;

  constructor(token: string) {
    this.#token = token;
  }

  start(): void {
    const socket = connectSignaling({ token: this.#token });
    this.#socket = socket;
    socket.on('connect', () => void this.#load());
    socket.on('notification:new', (notification) => this.#add(notification));
    socket.on('notification:read', (read) => this.#markedRead(read));
  }

  stop(): void {
    this.#socket?.disconnect();
    this.#socket = undefined;
  }

  async markRead(ids: string[] | 'all'): Promise<void> {
    try {
      const { unread } = await markNotificationsRead(this.#token, ids);
      this.#markedRead({ ids, unread });
      this.problem = undefined;
    } catch (error) {
      this.problem = `Could not mark them read: ${(error as Error).message}.`;
    }
  }

  async #load(): Promise<void> {
    try {
      const list = await loadNotifications(this.#token);
      this.items = list.items;
      this.unread = list.unread;
      this.loaded = true;
      this.problem = undefined;
    } catch (error) {
      this.problem = `Could not load your notifications: ${(error as Error).message}.`;
    }
  }

  #add(notification: NotificationView): void {
    if (this.items.some((known) => known.id === notification.id)) return;
    this.items = [notification, ...this.items].slice(0, NOTIFICATIONS_LISTED);
    if (!notification.read) this.unread += 1;
  }

  #markedRead({ ids, unread }: NotificationsRead): void {
    this.items = this.items.map((item) => (ids === 'all' || ids.includes(item.id) ? { ...item, read: true } : item));
    this.unread = unread;
  }
}
