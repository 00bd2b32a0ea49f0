// Coins for tests and the bench: an admin account (made with the real
// setRole script against the server's database) that tops up wallets
// through the real admin route.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { registerAccount, request, type SignedInAccount } from './accountClient.ts';

const repoRoot = path.resolve(import.meta.dirname, '..');
let topUps = 0;

/** Registers an account and makes it an admin; `databaseEnv` names the server's database (DATA_DIR or DATABASE_URL). */
export async function makeAdmin(baseUrl: string, databaseEnv: Record<string, string>): Promise<SignedInAccount> {
  const admin = await registerAccount(baseUrl, { displayName: 'Admin' });
  await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', 'signaling/accounts/setRole.ts', admin.email, 'admin'],
    {
      cwd: repoRoot,
      env: { ...process.env, ...databaseEnv },
    },
  );
  // The role arrives with the next token.
  const refreshed = await request<{ token: string }>(baseUrl, 'POST', '/api/auth/refresh', {
    refreshToken: admin.refreshToken,
  });
  if (!refreshed.body.ok || !refreshed.refreshToken) throw new Error('refreshing the admin token failed');
  return { ...admin, token: refreshed.body.data.token, refreshToken: refreshed.refreshToken };
}

export async function topUp(baseUrl: string, admin: SignedInAccount, userId: string, amount: number): Promise<number> {
  topUps += 1;
  const result = await request<{ balance: number }>(baseUrl, 'POST', '/api/wallet/topup', {
    token: admin.token,
    body: { userId, amount, idempotencyKey: `test-topup-${process.pid}-${topUps}` },
  });
  if (!result.body.ok) throw new Error(`top-up failed: ${result.body.error.message}`);
  return result.body.data.balance;
}
