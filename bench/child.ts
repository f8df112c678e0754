import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ChildRequest } from './server-child.ts';

/** A benchmark server in its own process. */
export interface ServerChild {
  readonly url: string;
  send<T = Record<string, number>>(message: ChildRequest): Promise<T>;
  /** The server process's CPU time so far (user + system), microseconds: take deltas around a phase. */
  cpu(): Promise<number>;
  close(): Promise<void>;
}

/**
 * The environment of a benchmarked latchkey. All load comes from 127.0.0.1, so the per-IP abuse
 * limits (login, sign-up, refresh) are switched off: the figures are the server's, not the throttle's.
 */
export function benchServerEnv(extra: Record<string, string>): Record<string, string> {
  return {
    LATCHKEY_ISSUER: 'http://latchkey.bench',
    LATCHKEY_LOG_LEVEL: 'silent',
    LATCHKEY_LOGIN_IP_LIMIT: '0',
    LATCHKEY_REGISTER_IP_LIMIT: '0',
    LATCHKEY_REFRESH_IP_LIMIT: '0',
    ...extra,
  };
}

const entry = fileURLToPath(new URL('./server-child.ts', import.meta.url));
const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * Starts bench/server-child.ts and tells it what to serve. `BENCH_CPU_PROF=<dir>` makes the child
 * write a `--cpu-prof` profile there when it closes.
 */
export async function startChild(first: Extract<ChildRequest, { type: 'protected' | 'latchkey' | 'minimal' | 'parts' }>): Promise<ServerChild> {
  const profile = process.env.BENCH_CPU_PROF;
  const child: ChildProcess = fork(entry, [], {
    cwd: root,
    execArgv: ['--import', 'tsx', ...(profile ? ['--cpu-prof', `--cpu-prof-dir=${profile}`] : [])],
    // stdout is a pipe this process reads and discards, as a log shipper would (the server's logs
    // cost what writing to a pipe costs, and never reach the terminal).
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  child.stdout?.resume();
  let next = 0;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  child.on('message', (raw) => {
    const { id, result, error } = raw as { id: number; result?: unknown; error?: string };
    const waiter = pending.get(id);
    pending.delete(id);
    if (error !== undefined) waiter?.reject(new Error(`bench server: ${error}`));
    else waiter?.resolve(result);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('exit', (code) => {
    for (const waiter of pending.values()) waiter.reject(new Error(`bench server exited (${code})`));
    pending.clear();
  });
  const send = <T>(message: ChildRequest) =>
    new Promise<T>((resolve, reject) => {
      const id = next++;
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      child.send({ id, message });
    });
  let url: string;
  try {
    ({ url } = await send<{ url: string }>(first));
  } catch (err) {
    child.kill();
    throw err;
  }
  return {
    url,
    send,
    cpu: async () => (await send<{ cpu: number }>({ type: 'cpu' })).cpu,
    async close() {
      if (child.exitCode !== null) return;
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await send({ type: 'close' }).catch(() => {});
      await exited;
      clearTimeout(timer);
    },
  };
}
