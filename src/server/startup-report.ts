import path from 'node:path';
import type { StoreConfig } from '../config.ts';

/** What a person starting latchkey needs to know first, gathered while it starts. */
export interface StartupReport {
  /** `SQLite /abs/path/latchkey.db` or `PostgreSQL host:port/database` (never a password). */
  readonly database: string;
  /** What this start created, e.g. `a new server secret in /abs/data/secret`; empty on a later start. */
  readonly created: readonly string[];
}

/** Where the data lives, in words: the SQLite file, or the PostgreSQL server and database without credentials. */
export function describeDatabase(store: Pick<StoreConfig, 'databaseUrl' | 'dataDir'>): string {
  if (!store.databaseUrl) return `SQLite ${path.join(store.dataDir, 'latchkey.db')}`;
  try {
    const url = new URL(store.databaseUrl);
    return `PostgreSQL ${url.hostname || 'localhost'}:${url.port || 5432}${url.pathname.length > 1 ? url.pathname : ''}`;
  } catch {
    return 'PostgreSQL';
  }
}

/**
 * The first line `latchkey serve` logs: the page to open, the database, and what was just created.
 *
 * @example
 * listeningText('http://127.0.0.1:3000', report, '0.1.0')
 * // 'latchkey 0.1.0 is ready: open http://127.0.0.1:3000/account · SQLite /srv/data/latchkey.db · created a new server secret …'
 */
export function listeningText(address: string, report: StartupReport, version: string): string {
  const created = report.created.length > 0 ? ` · created ${report.created.join(' and ')}` : '';
  return `latchkey ${version} is ready: open ${address}/account · ${report.database}${created}`;
}
