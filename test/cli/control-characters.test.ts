import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyPromptInput } from '../../src/cli/password-input.ts';
import { openSqliteStore } from '../../src/store/sqlite.ts';
import { BrowserClient } from '../helpers/browser-client.ts';
import { expectError, PASSWORD, startApiServer } from '../helpers/http-auth.ts';
import type { TestServer } from '../helpers/server.ts';
import { runCli } from './run-cli.ts';

/** What must never reach an operator's terminal raw: C0 and C1 controls, and bidi overrides/isolates. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

// Finding: control characters in e-mail addresses were accepted at sign-up and reached the
// operator's terminal through `latchkey users list` (an escape sequence can rewrite the screen).
describe('control characters in e-mails and names', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startApiServer();
  });
  afterAll(() => server?.close());

  it.each([
    ['BEL', 'ann\u0007@example.com'],
    ['ESC sequence', 'ann\u001b[2J@example.com'],
    ['C1 NEL', 'ann\u0085@example.com'],
    ['RLO (bidi override)', 'ann\u202egpj.exe@example.com'],
    ['LRI (bidi isolate)', 'ann\u2066@example.com'],
  ])('refuses an e-mail with %s at sign-up', async (_name, email) => {
    expectError(await new BrowserClient(server.url).register(email, PASSWORD), 400, 'invalid_request');
  });

  it('refuses a name with controls, and accepts an ordinary one', async () => {
    const client = new BrowserClient(server.url);
    expectError(await client.register(`n-${randomUUID()}@example.com`, PASSWORD, 'Ann\u001b[31m'), 400, 'invalid_request');
    expectError(await client.register(`n-${randomUUID()}@example.com`, PASSWORD, 'Ann\u202eX'), 400, 'invalid_request');
    expect((await client.register(`n-${randomUUID()}@example.com`, PASSWORD, 'Ann Müller-Łukasiewicz')).status).toBe(201);
  });
});

describe('the CLI prints what the database holds without letting it drive the terminal', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'latchkey-cli-controls-'));
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('escapes controls and bidi overrides in `users list` and `users list --json`', async () => {
    // A row written before the sign-up check existed (or by hand).
    const store = await openSqliteStore(path.join(dataDir, 'latchkey.db'));
    await store.createUser({
      id: randomUUID(), email: 'evil\u001b[2J\u0085\u202e@example.com', name: 'x\u0007', createdAt: Date.now(), disabledAt: null, roles: [], passwordHash: 'x',
    });
    await store.close();
    const env = { LATCHKEY_DATA_DIR: dataDir };
    const table = await runCli(['users', 'list'], env);
    expect(table.code).toBe(0);
    expect(table.stdout).not.toMatch(RAW_CONTROL);
    expect(table.stdout).toContain('evil\\u001b[2J\\u0085\\u202e@example.com');
    const json = await runCli(['users', 'list', '--json'], env);
    expect(json.code).toBe(0);
    expect(json.stdout).not.toMatch(RAW_CONTROL);
    expect(JSON.parse(json.stdout)[0].email).toBe('evil\u001b[2J\u0085\u202e@example.com'); // still the same value
  });

  it('`users create` refuses an e-mail with controls', async () => {
    const res = await runCli(['users', 'create', 'bad\u001b@example.com'], { LATCHKEY_DATA_DIR: dataDir, LATCHKEY_NEW_PASSWORD: PASSWORD });
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/e-mail/);
  });
});

describe('the hidden password prompt', () => {
  const type = (...chunks: string[]) => {
    let state: ReturnType<typeof applyPromptInput> = { typed: '', done: null };
    for (const chunk of chunks) {
      state = applyPromptInput(state.typed, chunk);
      if (state.done) break;
    }
    return state;
  };

  it('keeps printable characters and honours backspace', () => {
    expect(type('pass', 'word\u007f', 'd!', '\r')).toEqual({ typed: 'password!', done: 'submit' });
  });

  it('does not store arrow keys, other escape sequences or control keys as password characters', () => {
    expect(type('ab\u001b[D\u001b[Ccd\u001bOA\u001b[3~', '\u0001\u0005ef\r')).toEqual({ typed: 'abcdef', done: 'submit' });
  });

  it('treats Ctrl-D as the end of input and Ctrl-C as cancel', () => {
    expect(type('secret\u0004')).toEqual({ typed: 'secret', done: 'submit' });
    expect(type('secret\u0003')).toEqual({ typed: 'secret', done: 'cancel' });
  });
});
