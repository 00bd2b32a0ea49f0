// The bell's calls to /api/notifications (accounts only).
import type { NotificationList } from '../../../signaling/protocol/index.ts';
import { callApi } from '../lib/httpApi.ts';

export function loadNotifications(token: string): Promise<NotificationList> {
  return callApi<NotificationList>('/api/notifications', { token });
}

export function markNotificationsRead(token: string, ids: string[] | 'all'): Promise<{ unread: number }> {
  return callApi<{ unread: number }>('/api/notifications/read', {
    method: 'POST',
    token,
    body: ids === 'all' ? { all: true } : { ids },
  });
}
