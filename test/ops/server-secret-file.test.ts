import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadServerSecret } from '../../src/server/server-secret-file.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'latchkey-secret-'));
  dirs.push(dir);
  return dir;
}

describe('the server secret file', () => {
  it('is created once, private to its owner, and read back the same on every start', () => {
    const dataDir = tempDir();
    const first = loadServerSecret({ dataDir, secret: undefined });
    expect(first.length).toBe(32);
    expect(fs.statSync(path.join(dataDir, 'secret')).mode & 0o777).toBe(0o600);
    expect(loadServerSecret({ dataDir, secret: undefined }).equals(first)).toBe(true);
    expect(fs.readdirSync(dataDir)).toEqual(['secret']);
  });

  it('gives every process that starts at the same moment the same whole secret', async () => {
    const dataDir = tempDir();
    const module = path.resolve('src/server/server-secret-file.ts');
    const start = Date.now() + 4000; // every child waits for this instant, so their reads and writes overlap
    const script = `import { loadServerSecret } from ${JSON.stringify(module)};
      while (Date.now() < ${start});
      process.stdout.write(loadServerSecret({ dataDir: ${JSON.stringify(dataDir)} }).toString('hex'));`;
    const run = () =>
      new Promise<string>((resolve, reject) => {
        const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        let err = '';
        child.stdout.on('data', (d) => (out += d));
        child.stderr.on('data', (d) => (err += d));
        child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(err))));
      });
    const secrets = await Promise.all(Array.from({ length: 8 }, run));
    expect(new Set(secrets).size).toBe(1);
    expect(secrets[0]).toMatch(/^[0-9a-f]{64}$/);
  }, 60_000);
});
