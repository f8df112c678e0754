import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'webhook-receiver.mjs');

/** One request the receiver got. */
export interface Received {
  readonly path: string;
  readonly id?: string;
  readonly type?: string;
  readonly verified?: boolean;
  /** Another request with the same webhook-id was still being answered when this one arrived. */
  readonly overlap?: boolean;
  readonly first?: boolean;
}

/** A webhook receiver running as its own process on 127.0.0.1 (see webhook-receiver.mjs). */
export interface ReceiverProcess {
  readonly port: number;
  readonly url: string;
  /** Every request received so far, by this process and the earlier ones on the same log. */
  readonly received: Received[];
  stop(): Promise<void>;
}

/**
 * Starts webhook-receiver.mjs on `port` (0: any free port) and resolves once it listens. Pass
 * `log` to keep appending to an earlier receiver's list (a receiver restarted on the same port).
 */
export async function startReceiver(options: { secret: string; port?: number; mode?: 'ok' | 'hang-first'; delayMs?: number; log?: Received[] }): Promise<ReceiverProcess> {
  const child: ChildProcess = spawn(process.execPath, [SCRIPT], {
    env: { ...process.env, PORT: String(options.port ?? 0), SECRET: options.secret, MODE: options.mode ?? 'ok', DELAY_MS: String(options.delayMs ?? 0) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const received = options.log ?? [];
  let buffer = '';
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`receiver exited with ${code}`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      let newline = buffer.indexOf('\n');
      while (newline >= 0) {
        const record = JSON.parse(buffer.slice(0, newline)) as Received & { listening?: number };
        buffer = buffer.slice(newline + 1);
        if (record.listening !== undefined) resolve(record.listening);
        else received.push(record);
        newline = buffer.indexOf('\n');
      }
    });
  });
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    received,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await gone;
    },
  };
}
