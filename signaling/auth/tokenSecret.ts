import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { tokenKeys, type TokenKeys } from './tokenKeys.ts';

/** TOKEN_SECRET and TOKEN_SECRET_PREVIOUS, as configured. */
export interface ConfiguredTokenSecrets {
  current: string | undefined;
  /** The secret being rotated out: tokens it signed are accepted while it is set. */
  previous: string | undefined;
}

/**
 * The keys that sign and verify identity tokens. The signing secret is
 * TOKEN_SECRET when configured, else one generated on first start and kept in
 * the data folder (mode 0600), so tokens survive restarts without any set-up
 * and never appear in config.
 */
export function loadTokenSecret(configured: ConfiguredTokenSecrets, dataDir: string): TokenKeys {
  return tokenKeys(configured.current ?? storedSecret(dataDir), configured.previous);
}

function storedSecret(dataDir: string): string {
  const file = path.join(dataDir, 'token-secret');
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  fs.mkdirSync(dataDir, { recursive: true });
  const secret = crypto.randomBytes(32).toString('base64url');
  fs.writeFileSync(file, secret, { mode: 0o600, flag: 'wx' });
  return secret;
}
