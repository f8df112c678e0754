import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { decodeSecret, type StoreConfig } from './config.ts';

/**
 * The server secret: `LATCHKEY_SECRET` when set, otherwise `<data dir>/secret`, created on first
 * start (32 random bytes, mode 0600). Instances sharing a PostgreSQL database must share it too.
 */
export function loadServerSecret(config: StoreConfig): Buffer {
  if (config.secret) return decodeSecret(config.secret)!;
  const file = path.join(config.dataDir, 'secret');
  fs.mkdirSync(config.dataDir, { recursive: true });
  try {
    fs.writeFileSync(file, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const secret = decodeSecret(fs.readFileSync(file, 'utf8').trim());
  if (!secret) throw new Error(`${file} does not hold a valid secret (32+ bytes, base64url or hex)`);
  return secret;
}
