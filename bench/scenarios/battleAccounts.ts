// The `battle` scenario's viewers are accounts (guests cannot send gifts).
// Sign-up is limited per client address (ACCOUNT_RATE_LIMITS.register: a
// burst of 20, then one every 3 s), as it should be, and a real audience
// signs up from as many addresses as it has members. The bench does the
// same on loopback: every 127.x.y.z is this machine, so each batch of
// sign-ups leaves from its own source address (the server sees it as
// req.ip), within the limit, and no limit is raised for the bench.
import http from 'node:http';
import type { AccountUser } from '../../signaling/protocol/index.ts';

/** Sign-ups per source address: under the per-address burst (20). */
export const SIGN_UPS_PER_ADDRESS = 15;

export interface ViewerAccount {
  userId: string;
  token: string;
}

/** The loopback address the `index`-th sign-up leaves from (127.0.1.1, 127.0.1.2, …). */
export function signUpAddress(index: number): string {
  const slot = Math.floor(index / SIGN_UPS_PER_ADDRESS) + 1;
  return `127.0.${1 + Math.floor(slot / 250)}.${1 + (slot % 250)}`;
}

export async function registerViewer(baseUrl: string, index: number, runId: string): Promise<ViewerAccount> {
  const body = {
    email: `viewer${index}-${runId}@bench.test`,
    password: 'correct horse battery',
    displayName: `Viewer ${index + 1}`,
  };
  const answer = await postJson<{ token: string; user: AccountUser }>(
    baseUrl,
    '/api/auth/register',
    body,
    signUpAddress(index),
  );
  if (!answer.ok) throw new Error(`sign-up failed: ${answer.error.code} ${answer.error.message}`);
  return { userId: answer.data.user.userId, token: answer.data.token };
}

type Answer<T> = { ok: true; data: T } | { ok: false; error: { code: string; message: string } };

function postJson<T>(baseUrl: string, path: string, body: unknown, localAddress: string): Promise<Answer<T>> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const request = http.request(
      new URL(path, baseUrl),
      {
        method: 'POST',
        localAddress,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
        timeout: 30_000,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          try {
            resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Answer<T>);
          } catch (error) {
            reject(new Error(`${path}: HTTP ${response.statusCode}, not JSON`, { cause: error }));
          }
        });
        response.on('error', reject);
      },
    );
    request.on('timeout', () => request.destroy(new Error(`${path}: no answer within 30 s`)));
    request.on('error', reject);
    request.end(payload);
  });
}
