import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { loadConfig } from '../../src/config.ts';
import { LOG_REDACTIONS } from '../../src/http/app.ts';
import { createLatchkey, type Latchkey } from '../../src/server/create-latchkey.ts';
import { ISSUER, TEST_ARGON2 } from '../helpers/server.ts';

export interface LoggedServer {
  readonly latchkey: Latchkey;
  /** Every JSON log line written so far, parsed. */
  readonly lines: Array<Record<string, any>>;
  /** The raw log text so far. */
  text(): string;
  /** Listens on 127.0.0.1 (random port); returns the base URL. */
  listen(): Promise<string>;
  close(): Promise<void>;
}

/**
 * A real latchkey on a fresh SQLite data dir whose pino logger (the production configuration, with
 * its redactions) writes into memory, so tests can read every line the server logged.
 */
export async function startLoggedServer(env: Record<string, string> = {}): Promise<LoggedServer> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'latchkey-ops-'));
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  });
  const config = loadConfig({ LATCHKEY_DATA_DIR: dataDir, LATCHKEY_ISSUER: ISSUER, ...env });
  const latchkey = await createLatchkey(config, {
    argon2: TEST_ARGON2,
    logger: { level: 'info', stream, redact: { paths: LOG_REDACTIONS, censor: '[redacted]' } },
  });
  return {
    latchkey,
    get lines() {
      return chunks.join('').split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, any>);
    },
    text: () => chunks.join(''),
    listen: () => latchkey.app.listen({ host: '127.0.0.1', port: 0 }),
    async close() {
      await latchkey.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The value of one sample in Prometheus text, matched by name and exact label set; 0 when absent. */
export function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found: Record<string, string> = {};
    for (const pair of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) found[pair[1]!] = pair[2]!;
    const same = Object.keys(found).length === Object.keys(labels).length && Object.entries(labels).every(([k, v]) => found[k] === v);
    if (same) return Number(match[3]);
  }
  return 0;
}
