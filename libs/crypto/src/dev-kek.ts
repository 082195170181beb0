import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CryptoError } from './errors';
import { Keyring } from './keyring';

export interface DevKek {
  /** The KEK, base64 (the same form as one KEYSEED_KEK entry). */
  kek: string;
  /** True when this call generated the file; the caller should log a warning. */
  created: boolean;
  path: string;
}

/**
 * Development only: when KEYSEED_KEK is not set, read `<dataDir>/dev-kek`, or create it once
 * (mode 0600) with a fresh random KEK. Refuses when NODE_ENV=production. Safe when the API and
 * the worker start together: the file appears atomically (write a temp file, hard-link it into
 * place), so both processes end up with the same KEK.
 */
export function loadOrCreateDevKek(dataDir: string, nodeEnv: string | undefined = process.env.NODE_ENV): DevKek {
  if (nodeEnv === 'production') {
    throw new CryptoError(
      'KEK_CONFIG',
      'KEYSEED_KEK is required when NODE_ENV=production; the dev KEK file is for development only',
    );
  }
  const path = join(dataDir, 'dev-kek');
  let created = false;
  const existing = readIfExists(path);
  if (existing === undefined) {
    mkdirSync(dataDir, { recursive: true });
    const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    writeFileSync(tmp, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
    try {
      linkSync(tmp, path);
      created = true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    } finally {
      unlinkSync(tmp);
    }
  }
  const kek = (existing ?? readFileSync(path, 'utf8')).trim();
  Keyring.parse(kek, path); // validates, errors name the file
  return { kek, created, path };
}

function readIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}
