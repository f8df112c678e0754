import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { LogDestination } from '../../src/server/log-destination.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'latchkey-logdest-'));
const fds: number[] = [];
const readers: ChildProcess[] = [];
let fifos = 0;

/**
 * A real pipe (a FIFO) whose reader is a `sleep` that never reads; `fd` is its write end, opened
 * non-blocking in this process as Node opens a piped stdout.
 */
async function stalledPipe(): Promise<{ fd: number; reader: ChildProcess }> {
  const fifo = path.join(dir, `fifo-${++fifos}`);
  expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
  const reader = spawn('sh', ['-c', `exec sleep 600 <> '${fifo}'`], { stdio: 'ignore' });
  readers.push(reader);
  for (;;) {
    try {
      const fd = fs.openSync(fifo, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
      fds.push(fd);
      return { fd, reader };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENXIO') throw err;
      await new Promise((resolve) => setTimeout(resolve, 10)); // the reader has not opened it yet
    }
  }
}

afterEach(() => {
  for (const reader of readers.splice(0)) reader.kill('SIGKILL');
  for (const fd of fds.splice(0)) fs.closeSync(fd);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const line = (i: number) => `${JSON.stringify({ level: 30, msg: 'request completed', i, pad: 'x'.repeat(200) })}\n`;
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('LogDestination', () => {
  it('writes lines to the descriptor, many lines of one turn in one go', async () => {
    const reader = spawn('cat', [], { stdio: ['pipe', 'pipe', 'ignore'] });
    readers.push(reader);
    const fd = (reader.stdin as Writable & { _handle: { fd: number } })._handle.fd;
    let out = '';
    reader.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const destination = new LogDestination(fd, () => {});
    for (let i = 0; i < 100; i++) destination.write(line(i));
    expect(out).toBe(''); // nothing written while the turn runs
    while (out.split('\n').length <= 100) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(out.split('\n').filter(Boolean).map((l) => JSON.parse(l).i)).toEqual([...Array(100).keys()]);
    expect(destination.droppedTotal).toBe(0);
  });

  it('with a stalled reader: never blocks, keeps a bounded buffer, drops beyond it and says so once', async () => {
    const { fd } = await stalledPipe();
    const reports: string[] = [];
    const destination = new LogDestination(fd, (message) => reports.push(message), { maxBufferedBytes: 64 * 1024 });
    // 1,200 lines of ~250 bytes: the pipe (64 KiB) fills, then the buffer (64 KiB), then lines drop.
    for (let i = 0; i < 1200; i++) {
      destination.write(line(i));
      if (i % 50 === 0) await tick();
    }
    expect(destination.droppedTotal).toBeGreaterThan(0);
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatch(/log lines are being dropped.*keeps serving/);

    // The final flush gives up at its deadline instead of retrying for ever.
    const started = Date.now();
    destination.flushSync(started + 150);
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(100);
    expect(took).toBeLessThan(1000);
    expect(reports).toHaveLength(1);
  });

  it('when the reader is gone (EPIPE): drops every line from then on, says so once, never throws', async () => {
    const { fd, reader } = await stalledPipe();
    const reports: string[] = [];
    const destination = new LogDestination(fd, (message) => reports.push(message));
    reader.kill('SIGKILL');
    await once(reader, 'exit');
    for (let i = 0; i < 20; i++) {
      expect(destination.write(line(i))).toBe(true);
      await tick();
    }
    expect(destination.droppedTotal).toBe(20);
    expect(reports).toHaveLength(1);
    expect(reports[0]).toContain('EPIPE');
    const started = Date.now();
    destination.flushSync(started + 5000);
    expect(Date.now() - started).toBeLessThan(100);
  });

  it('once the reader catches up, writes again and first tells how many lines were lost', async () => {
    const reader = spawn('node', ['-e', 'setTimeout(() => process.stdin.pipe(process.stdout), 300)'], { stdio: ['pipe', 'pipe', 'ignore'] });
    readers.push(reader);
    const fd = (reader.stdin as Writable & { _handle: { fd: number } })._handle.fd;
    let out = '';
    reader.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const destination = new LogDestination(fd, () => {}, { maxBufferedBytes: 8 * 1024 });
    for (let i = 0; i < 600; i++) {
      destination.write(line(i));
      if (i % 50 === 0) await tick();
    }
    const dropped = destination.droppedTotal;
    expect(dropped).toBeGreaterThan(0);
    // the reader starts reading; later lines go out, after one line counting the lost ones
    const deadline = Date.now() + 10_000;
    while (!out.includes('"i":999') && Date.now() < deadline) {
      destination.write(line(999));
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const parsed = out.split('\n').filter(Boolean).map((l) => JSON.parse(l));
    const before = parsed.slice(0, parsed.findIndex((l) => l.i === 999));
    const told = before.filter((l) => l.msg?.startsWith('log lines dropped'));
    expect(told.length).toBeGreaterThan(0);
    for (const l of told) expect(l.level).toBe(40); // warn
    // every line lost before that write was counted before it
    expect(told.reduce((n, l) => n + l.dropped, 0)).toBeGreaterThanOrEqual(dropped);
  });
});
