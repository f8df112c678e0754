import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BrowserClient } from '../helpers/browser-client.ts';
import { PASSWORD } from '../helpers/http-auth.ts';
import { startServer } from '../helpers/server.ts';

const mode = (file: string) => (fs.statSync(file).mode & 0o777).toString(8);

// Finding: with umask 022 the data directory was 0755 and latchkey.db 0644, so every local user could
// read e-mails, password hashes and IPs.
describe.skipIf(process.platform === 'win32')('the data directory on a machine with umask 022', () => {
  const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'latchkey-modes-'));
  afterAll(() => fs.rmSync(parent, { recursive: true, force: true }));

  it('is created 0700, and the database, its WAL and shared-memory files and the secret are 0600', async () => {
    const previous = process.umask(0o022);
    try {
      const dataDir = path.join(parent, 'data');
      const server = await startServer({ LATCHKEY_DATA_DIR: dataDir });
      try {
        expect((await new BrowserClient(server.url).register('modes@example.com', PASSWORD)).status).toBe(201);
        expect(mode(dataDir)).toBe('700');
        for (const file of ['latchkey.db', 'latchkey.db-wal', 'latchkey.db-shm', 'secret']) {
          expect({ file, mode: mode(path.join(dataDir, file)) }).toEqual({ file, mode: '600' });
        }
      } finally {
        await server.latchkey.close();
      }
    } finally {
      process.umask(previous);
    }
  });
});
