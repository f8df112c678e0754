import { spawn, type ChildProcess } from 'node:child_process';
import { BIN, ROOT } from '../cli/run-cli.ts';

export interface ServeProcess {
  readonly child: ChildProcess;
  readonly url: string;
  /** Every stdout line so far (pino JSON), parsed. */
  readonly lines: Array<Record<string, any>>;
  /** Resolves with the exit code and signal once the process has ended. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves when a log line matching `test` appears (or has appeared). */
  waitForLine(test: (line: Record<string, any>) => boolean, timeoutMs?: number): Promise<Record<string, any>>;
}

/**
 * Starts the real `node bin/latchkey.js serve` on 127.0.0.1 and a free port, with `env` on top of a
 * clean environment, and resolves once it listens.
 */
export async function startServe(env: Record<string, string>): Promise<ServeProcess> {
  const child = spawn(process.execPath, [BIN, 'serve'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', HOST: '127.0.0.1', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Array<Record<string, any>> = [];
  const waiters = new Set<() => void>();
  let partial = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    const text = partial + chunk.toString();
    const parts = text.split('\n');
    partial = parts.pop() ?? '';
    for (const part of parts) {
      if (!part.trim()) continue;
      try {
        lines.push(JSON.parse(part) as Record<string, any>);
      } catch {
        lines.push({ msg: part });
      }
    }
    for (const wake of waiters) wake();
  });
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => {
      for (const wake of waiters) wake();
      resolve({ code, signal });
    }),
  );

  const waitForLine = (test: (line: Record<string, any>) => boolean, timeoutMs = 30_000) =>
    new Promise<Record<string, any>>((resolve, reject) => {
      const check = () => {
        const found = lines.find(test);
        if (found) {
          finish();
          resolve(found);
        } else if (child.exitCode !== null || child.signalCode !== null) {
          finish();
          reject(new Error(`latchkey serve ended (${child.exitCode ?? child.signalCode}) before the awaited log line; stderr: ${stderr}`));
        }
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`no such log line within ${timeoutMs} ms; stderr: ${stderr}`));
      }, timeoutMs);
      const finish = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });

  const listening = await waitForLine((l) => typeof l.msg === 'string' && /http:\/\/127\.0\.0\.1:\d+\/account/.test(l.msg)).catch((err: unknown) => {
    child.kill('SIGKILL'); // never leave a server behind when the test gives up on it
    throw err;
  });
  const url = /http:\/\/127\.0\.0\.1:\d+/.exec(listening.msg as string)![0];
  return { child, url, lines, exited, waitForLine };
}
