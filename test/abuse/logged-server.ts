import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { loadConfig } from '../../src/config.ts';
import type { Clock } from '../../src/core/clock.ts';
import type { Argon2Cost } from '../../src/core/passwords.ts';
import { createLatchkey, type Latchkey } from '../../src/server/create-latchkey.ts';
import { ISSUER, TEST_ARGON2 } from '../helpers/server.ts';

/** A real latchkey whose every log line (pino JSON) is kept for the test to read. */
export interface LoggedServer {
  readonly url: string;
  readonly latchkey: Latchkey;
  /** Every log line so far, raw. */
  readonly raw: string[];
  /** Every log line so far, parsed. */
  lines(): Array<Record<string, unknown>>;
  close(): Promise<void>;
}

/**
 * Like test/helpers/server.ts `startServer`, but with the production logger configuration
 * (createLatchkey's redaction) at `level`, writing into memory.
 */
export async function startLoggedServer(
  env: Record<string, string> = {},
  options: { level?: string; clock?: Clock; argon2?: Argon2Cost } = {},
): Promise<LoggedServer> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'latchkey-abuse-'));
  const raw: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      raw.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  const config = loadConfig({ LATCHKEY_DATA_DIR: dataDir, LATCHKEY_ISSUER: ISSUER, ...env });
  const latchkey = await createLatchkey(config, {
    clock: options.clock,
    argon2: options.argon2 ?? TEST_ARGON2,
    logger: { level: options.level ?? 'debug', stream },
  });
  const url = await latchkey.app.listen({ host: '127.0.0.1', port: 0 });
  return {
    url,
    latchkey,
    raw,
    lines: () => raw.map((line) => JSON.parse(line) as Record<string, unknown>),
    async close() {
      await latchkey.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
