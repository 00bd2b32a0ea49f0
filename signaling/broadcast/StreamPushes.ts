// What the stream service pushes to a session's audience and hosts, as
// plain calls: the service holds no sockets. StreamNotifier is the
// Socket.io implementation.
import type { StreamStatusChange, StreamWarning, ViewerCount } from '../protocol/index.ts';

/** What the stream pushes (StreamService's view of the notifier). */
export interface StreamPushes {
  viewers(count: ViewerCount): void;
  status(change: StreamStatusChange): void;
  /** Hosts only: the audience is not told. */
  warning(warning: StreamWarning): void;
}
