import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { decodeSecret, type StoreConfig } from '../config.ts';
import { createPrivateDir } from '../store/private-files.ts';

/**
 * The server secret: `LATCHKEY_SECRET` when set, otherwise `<data dir>/secret`, created on first
 * start (32 random bytes, mode 0600). Instances sharing a PostgreSQL database must share it too.
 */
export function loadServerSecret(config: Pick<StoreConfig, 'dataDir' | 'secret'>): Buffer {
  return openServerSecret(config).secret;
}

/** {@link loadServerSecret}, also saying whether this call created the secret file. */
export function openServerSecret(config: Pick<StoreConfig, 'dataDir' | 'secret'>): { secret: Buffer; created: boolean } {
  if (config.secret) return { secret: decodeSecret(config.secret)!, created: false };
  let created = false;
  const file = path.join(config.dataDir, 'secret');
  createPrivateDir(config.dataDir);
  if (!fs.existsSync(file)) {
    // Written aside, then linked into place: a process starting at the same moment sees either no
    // file or a whole one, never a half-written secret, and the first link wins.
    const draft = `${file}.${randomBytes(6).toString('hex')}.tmp`;
    fs.writeFileSync(draft, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600 });
    try {
      fs.linkSync(draft, file);
      created = true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    } finally {
      fs.rmSync(draft, { force: true });
    }
  }
  const secret = decodeSecret(fs.readFileSync(file, 'utf8').trim());
  if (!secret) throw new Error(`${file} does not hold a valid secret (32+ bytes, base64url or hex)`);
  return { secret, created };
}
