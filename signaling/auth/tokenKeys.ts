// The keys that sign and verify identity tokens. Every token names the key
// that signed it (`kid`); the id is derived from the secret (the first 8 hex
// characters of its SHA-256), so nobody manages key ids. During a rotation the
// previous secret still verifies the tokens it signed until they expire, while
// new tokens are signed with the current one.
import crypto, { type KeyObject } from 'node:crypto';

export interface TokenKey {
  readonly kid: string;
  /** A KeyObject, not the secret's text: it prints as `SecretKeyObject`, so a log line cannot leak it. */
  readonly key: KeyObject;
}

export interface TokenKeys {
  /** Signs every new token. */
  readonly signing: TokenKey;
  /** Keys that tokens may name: the signing key and, during a rotation, the previous one. */
  readonly verifying: ReadonlyMap<string, KeyObject>;
}

/** `previous`: the secret being rotated out (TOKEN_SECRET_PREVIOUS); its tokens stay valid while it is set. */
export function tokenKeys(current: string, previous?: string): TokenKeys {
  const signing = tokenKey(current);
  const verifying = new Map([[signing.kid, signing.key]]);
  if (previous !== undefined) {
    const old = tokenKey(previous);
    if (!verifying.has(old.kid)) verifying.set(old.kid, old.key);
  }
  return { signing, verifying };
}

/** The key id of a secret; operators can compute it: `printf %s "$TOKEN_SECRET" | sha256sum | cut -c1-8`. */
export function keyIdOf(secret: string): string {
  return crypto.createHash('sha256').update(secret, 'utf8').digest('hex').slice(0, 8);
}

function tokenKey(secret: string): TokenKey {
  return { kid: keyIdOf(secret), key: crypto.createSecretKey(Buffer.from(secret, 'utf8')) };
}
