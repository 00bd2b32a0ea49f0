// Channels: what the API shows of a channel (shared with the web app).
import type { SessionState } from './multihost.ts';
import type { RecordingView } from './stream.ts';

export interface ChannelSummary {
  id: string;
  slug: string;
  title: string;
  description: string;
  owner: { userId: string; displayName: string };
  createdAt: string;
  followerCount: number;
}

/** A channel page: the summary, the caller's follow, and what is on air. */
export interface ChannelView extends ChannelSummary {
  /** Whether the caller follows it; null for callers without an account. */
  following: boolean | null;
  /** The owner's sessions that are live now (a channel is its owner's stage). */
  live: SessionState[];
  /** The owner's recordings, newest first (a bounded number). */
  recordings: RecordingView[];
}

export interface FollowState {
  channelId: string;
  following: boolean;
  followerCount: number;
}
