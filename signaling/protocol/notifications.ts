// Notifications: what an account is told about while away or on another
// page (a followed channel went live, an invitation to host or to a battle),
// kept until read and pushed live to every open page of the account.

export const notificationKinds = ['channel-live', 'host-invitation', 'battle-invitation'] as const;
export type NotificationKind = (typeof notificationKinds)[number];

export interface NotificationView {
  id: string;
  kind: NotificationKind;
  /** In words, as the bell shows it. */
  text: string;
  /** The app's page it leads to. */
  path: string;
  /** ISO time. */
  createdAt: string;
  read: boolean;
}

/** The newest notifications, and how many of all are unread. */
export interface NotificationList {
  items: NotificationView[];
  unread: number;
}

/** How many the bell lists (older ones stay in the database until the account goes). */
export const NOTIFICATIONS_LISTED = 30;

/** Pushed to the account's pages (`notification:read`) when some were read on one of them. */
export interface NotificationsRead {
  /** The ids read, or 'all'. */
  ids: string[] | 'all';
  unread: number;
}
