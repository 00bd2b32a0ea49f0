// PK battle set-up for tests and the bench over the real HTTP API: live
// sessions of account hosts, an invitation and its acceptance.
import type { BattleState, SessionState } from '../signaling/protocol/index.ts';
import { registerAccount, type SignedInAccount } from './accountClient.ts';
import { createSession } from './sessions.ts';
import { api } from './signalingClient.ts';

export interface LiveSession {
  host: SignedInAccount;
  session: SessionState;
}

/** A new account's session, live (its compositor running). */
export async function startLiveSession(baseUrl: string, hostName: string): Promise<LiveSession> {
  return goLive(baseUrl, await registerAccount(baseUrl, { displayName: hostName }));
}

/** A new session of an account, live (sign-ups are rate-limited per address: a test may reuse its hosts). */
export async function goLive(baseUrl: string, host: SignedInAccount): Promise<LiveSession> {
  const session = await createSession(baseUrl, host.token, `${host.user.displayName}'s show`);
  const started = await api<SessionState>(baseUrl, 'POST', `/api/multihost/${session.id}/start`, host.token);
  if (!started.body.ok) throw new Error(`going live failed: ${started.body.error.message}`);
  return { host, session: started.body.data };
}

/** A invites B and B accepts: the battle is in its countdown. */
export async function startBattle(
  baseUrl: string,
  a: LiveSession,
  b: LiveSession,
  durationS = 60,
): Promise<BattleState> {
  const invited = await api<BattleState>(baseUrl, 'POST', '/api/pk-battles', a.host.token, {
    sessionId: a.session.id,
    opponentSessionId: b.session.id,
    durationS,
  });
  if (!invited.body.ok) throw new Error(`inviting failed: ${invited.body.error.message}`);
  const accepted = await api<BattleState>(
    baseUrl,
    'POST',
    `/api/pk-battles/${invited.body.data.id}/accept`,
    b.host.token,
  );
  if (!accepted.body.ok) throw new Error(`accepting failed: ${accepted.body.error.message}`);
  return accepted.body.data;
}
