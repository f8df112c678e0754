import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { Config } from '../config.ts';
import { systemClock } from '../core/clock.ts';
import { UserAdmin } from '../core/user-admin.ts';
import { createLatchkey, type Latchkey } from '../server/create-latchkey.ts';
import { openStore } from '../store/open-store.ts';
import { terminalSafe } from './terminal-text.ts';
import type { KyselyStore } from '../store/kysely-store.ts';

/** A sub-command of `latchkey`: what it does in one line, its usage, and the work given its arguments. */
export interface Command {
  readonly summary: string;
  readonly usage: string;
  run(args: string[], config: Config): Promise<void>;
}

/** A wrong use of the command line: printed with the usage, exit code 2. */
export class UsageError extends Error {}

type Parsed<O extends NonNullable<ParseArgsConfig['options']>> = ReturnType<typeof parseArgs<{ args: string[]; options: O; allowPositionals: true; strict: true }>>;

/** `parseArgs` (strict) whose complaints become {@link UsageError}s. */
export function parse<O extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: O): Parsed<O> {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message.split('\n')[0]! : String(err));
  }
}

/** Opens the configured store (migrating it), runs `work`, and closes it whatever happens. */
export async function withStore<T>(config: Config, work: (store: KyselyStore) => Promise<T>): Promise<T> {
  const store = await openStore(config.store);
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

/** Wires latchkey as `serve` would (without listening) and hands `work` an operator's {@link UserAdmin}. */
export async function withAdmin<T>(config: Config, work: (admin: UserAdmin, latchkey: Latchkey) => Promise<T>): Promise<T> {
  // Mail and webhooks an operator's action causes stay in the outboxes for the running servers to deliver.
  const latchkey = await createLatchkey(config, { logger: false, delivery: false, sendMail: false });
  try {
    return await work(new UserAdmin(latchkey.store, latchkey.auth, systemClock), latchkey);
  } finally {
    await latchkey.close();
  }
}

/** Prints rows as aligned columns (the last column is not padded), control characters escaped. */
export function printTable(rows: readonly (readonly string[])[]): void {
  const widths: number[] = [];
  const safe = rows.map((row) => row.map(terminalSafe));
  for (const row of safe) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length);
    });
  }
  for (const row of safe) console.log(row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ').trimEnd());
}

export function iso(ms: number | null): string {
  return ms === null ? '-' : new Date(ms).toISOString();
}
