// Co-host session set-up for integration tests over HTTP: create a session,
// add a co-host (invite + accept), end it.
import type { CreateSessionBody, SessionState } from '../signaling/protocol/index.ts';
import { api, type Guest } from './signalingClient.ts';

/**
 * A new session. Its co-hosts go on air as they join unless `backstage`
 * (the product's default, which tests about the stage ask for).
 */
export async function createSession(
  baseUrl: string,
  primaryToken: string,
  title = 'Test show',
  { backstage = false, ...more }: { backstage?: boolean } & Partial<CreateSessionBody> = {},
): Promise<SessionState> {
  const { body } = await api<SessionState>(baseUrl, 'POST', '/api/multihost', primaryToken, {
    title,
    backstage,
    ...more,
  });
  if (!body.ok) throw new Error(`creating a session failed: ${body.error.message}`);
  return body.data;
}

/** The primary invites the guest, who accepts: a co-host. */
export async function addCoHost(baseUrl: string, primaryToken: string, coHost: Guest, sessionId: string) {
  const invite = await api(baseUrl, 'POST', `/api/multihost/${sessionId}/invite`, primaryToken, {
    userId: coHost.userId,
  });
  if (!invite.body.ok) throw new Error(`invite failed: ${invite.body.error.message}`);
  const accept = await api(baseUrl, 'POST', `/api/multihost/${sessionId}/accept`, coHost.token);
  if (!accept.body.ok) throw new Error(`accept failed: ${accept.body.error.message}`);
}

export async function endSession(baseUrl: string, primaryToken: string, sessionId: string): Promise<void> {
  const { body } = await api(baseUrl, 'POST', `/api/multihost/${sessionId}/end`, primaryToken);
  if (!body.ok) throw new Error(`ending the session failed: ${body.error.message}`);
}

/** The error code of an ack or HTTP body, undefined when it succeeded. */
export function errorCode(response: { ok: boolean; error?: { code: string } }): string | undefined {
  return response.ok ? undefined : response.error?.code;
}
