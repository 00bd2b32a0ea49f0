// The channels contract: what the API shows of a channel.
import type { SessionState } from '../protocol/index.ts';

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
}

export interface FollowState {
  channelId: string;
  following: boolean;
  followerCount: number;
}
