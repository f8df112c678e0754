import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { decodeSecret, type StoreConfig } from '../config.ts';

/**
 * The server secret: `LATCHKEY_SECRET` when set, otherwise `<data dir>/secret`, created on first
 * start (32 random bytes, mode 0600). Instances sharing a PostgreSQL database must share it too.
 */
export function loadServerSecret(config: Pick<StoreConfig, 'dataDir' | 'secret'>): Buffer {
  if (config.secret) return decodeSecret(config.secret)!;
  const file = path.join(config.dataDir, 'secret');
  fs.mkdirSync(config.dataDir, { recursive: true });
  if (!fs.existsSync(file)) {
    // Written aside, then linked into place: a process starting at the same moment sees either no
    // file or a whole one, never a half-written secret, and the first link wins.
    const draft = `${file}.${randomBytes(6).toString('hex')}.tmp`;
    fs.writeFileSync(draft, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600 });
    try {
      fs.linkSync(draft, file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    } finally {
      fs.rmSync(draft, { force: true });
    }
  }
  const secret = decodeSecret(fs.readFileSync(file, 'utf8').trim());
  if (!secret) throw new Error(`${file} does not hold a valid secret (32+ bytes, base64url or hex)`);
  return secret;
}
