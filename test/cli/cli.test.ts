import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrowserClient } from '../helpers/browser-client.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { runCli } from './run-cli.ts';

const PASSWORD = 'correct horse battery staple 7';
const BOB_PASSWORD = 'purple monkey dishwasher 42';

function claimsOf(token: string | undefined): Record<string, unknown> {
  return JSON.parse(Buffer.from(token!.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
}

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'latchkey-cli-'));
}

describe('latchkey command line: usage and exit codes', () => {
  const dataDir = tempDir();
  const env = { LATCHKEY_DATA_DIR: dataDir };
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('prints help for the whole command and for each sub-command, exit 0', async () => {
    const names = ['serve', 'migrate', 'keys', 'users', 'sessions', 'gc', 'config'];
    const top = await runCli(['--help'], env);
    expect(top.code).toBe(0);
    for (const name of names) expect(top.stdout).toContain(`  ${name} `);
    const each = await Promise.all(names.map((name) => runCli([name, '--help'], env)));
    each.forEach((result, i) => {
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(`Usage: latchkey ${names[i]}`);
    });
    // --help never does the work: no database was created by any of these
    expect(fs.existsSync(path.join(dataDir, 'latchkey.db'))).toBe(false);
  }, 120_000);

  it('answers a wrong command line with exit 2 and the usage, a failed operation with exit 1', async () => {
    const [unknown, noSub, badOption, badRole, badSetting, noUser] = await Promise.all([
      runCli(['frobnicate'], env),
      runCli(['keys'], env),
      runCli(['users', 'list', '--colour'], env),
      runCli(['users', 'roles', 'ann@example.com', 'add', 'Not A Role'], env),
      runCli(['users', 'list'], { ...env, PORT: 'eighty' }),
      runCli(['users', 'disable', 'nobody@example.com'], env),
    ]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "frobnicate"');
    expect(noSub.code).toBe(2);
    expect(noSub.stderr).toContain('Usage: latchkey keys');
    expect(badOption.code).toBe(2);
    expect(badOption.stderr).toMatch(/--colour/);
    expect(badRole.code).toBe(2);
    expect(badRole.stderr).toContain('is not a role name');
    expect(badSetting.code).toBe(1);
    expect(badSetting.stderr).toContain('PORT');
    expect(noUser.code).toBe(1);
    expect(noUser.stderr).toContain('No user with the e-mail address nobody@example.com');
    for (const r of [unknown, noSub, badOption, badRole, badSetting, noUser]) expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  }, 120_000);

  it('config check prints the effective settings with every secret masked', async () => {
    const secret = 'f'.repeat(64);
    const result = await runCli(['config', 'check'], {
      ...env,
      LATCHKEY_SECRET: secret,
      DATABASE_URL: 'postgres://latchkey:db-hunter2@db.internal:5432/auth',
      REDIS_URL: 'redis://:redis-hunter2@cache.internal:6379',
      LATCHKEY_ACCESS_TTL: '600',
      LATCHKEY_TRUST_PROXY: 'loopback',
    });
    expect(result.code).toBe(0);
    expect(result.stdout).not.toContain(secret);
    expect(result.stdout).not.toContain('db-hunter2');
    expect(result.stdout).not.toContain('redis-hunter2');
    expect(result.stdout).toMatch(/DATABASE_URL\s+postgres:\/\/latchkey:\*\*\*\*@db\.internal:5432\/auth\s+environment/);
    expect(result.stdout).toMatch(/REDIS_URL\s+redis:\/\/:\*\*\*\*@cache\.internal:6379\s+environment/);
    expect(result.stdout).toMatch(/LATCHKEY_SECRET\s+\*\*\*\* \(set\)/);
    expect(result.stdout).toMatch(/LATCHKEY_ACCESS_TTL\s+600\s+environment/);
    expect(result.stdout).toMatch(/LATCHKEY_REFRESH_GRACE\s+10\s+default/);
    expect(result.stdout).toMatch(/LATCHKEY_TRUST_PROXY\s+loopback/);
    const bad = await runCli(['config', 'check'], { ...env, LATCHKEY_IP_CHANGE: 'sometimes' });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('LATCHKEY_IP_CHANGE');
  }, 30_000);

  it('never takes a password from argv, and creates nothing without one', async () => {
    const viaArgv = await runCli(['users', 'create', 'dan@example.com', '--password', 'hunter2hunter2'], env);
    expect(viaArgv.code).toBe(2);
    expect(viaArgv.stderr).toContain('never taken from the command line');
    const none = await runCli(['users', 'create', 'carl@example.com'], env, '');
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('no password');
    const weak = await runCli(['users', 'create', 'eve@example.com'], { ...env, LATCHKEY_NEW_PASSWORD: 'short' });
    expect(weak.code).toBe(1);
    expect(weak.stderr).toContain('at least 8 characters');
    const list = await runCli(['users', 'list', '--json'], env);
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout)).toEqual([]);
  }, 120_000);
});

/** The operator's whole day, on one store, with a real server sharing it. */
function operatorSuite(storeName: string, storeEnv: () => Record<string, string>) {
  let server: TestServer;
  let env: Record<string, string>;
  const cli = (args: string[], extra: Record<string, string> = {}, stdin = '') => runCli(args, { ...env, ...extra }, stdin);

  beforeAll(async () => {
    env = storeEnv();
    server = await startServer(env);
  });
  afterAll(async () => {
    await server?.close();
  });

  it(`creates users with the password from the environment or stdin, and lists them (${storeName})`, async () => {
    const ann = await cli(['users', 'create', 'Ann@Example.com', '--name', 'Ann'], { LATCHKEY_NEW_PASSWORD: PASSWORD });
    expect(ann.code).toBe(0);
    expect(ann.stdout).toContain('created user Ann@Example.com');
    const again = await cli(['users', 'create', 'ann@example.com'], { LATCHKEY_NEW_PASSWORD: PASSWORD });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('exists already');
    const bob = await cli(['users', 'create', 'bob@example.com'], {}, `${BOB_PASSWORD}\n`);
    expect(bob.code).toBe(0);

    // the server on the same store accepts both passwords exactly as given (no trailing newline)
    expect((await new BrowserClient(server.url).login('ann@example.com', PASSWORD)).status).toBe(200);
    expect((await new BrowserClient(server.url).login('bob@example.com', BOB_PASSWORD)).status).toBe(200);
    expect((await new BrowserClient(server.url).login('bob@example.com', `${BOB_PASSWORD}\n`)).status).toBe(401);

    const list = await cli(['users', 'list']);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/Ann@Example\.com\s+\S+\s+\S+\s+active\s+-/);
    const json = await cli(['users', 'list', '--json']);
    const users = JSON.parse(json.stdout) as Array<Record<string, unknown>>;
    expect(users.map((u) => u.email)).toEqual(['Ann@Example.com', 'bob@example.com']);
    expect(json.stdout).not.toContain('argon2');
  }, 120_000);

  it(`grants and takes roles; they travel in the access token (${storeName})`, async () => {
    const client = new BrowserClient(server.url);
    expect((await client.login('ann@example.com', PASSWORD)).status).toBe(200);
    expect(claimsOf(client.accessToken).roles).toBeUndefined();

    expect((await cli(['users', 'roles', 'ann@example.com', 'add', 'admin'])).code).toBe(0);
    expect((await cli(['users', 'roles', 'ann@example.com', 'add', 'billing:read'])).code).toBe(0);
    const shown = await cli(['users', 'roles', 'ann@example.com']);
    expect(shown.stdout.trim().split('\n')).toEqual(['admin', 'billing:read']);
    expect((await client.refresh()).status).toBe(200);
    expect(claimsOf(client.accessToken).roles).toEqual(['admin', 'billing:read']);

    expect((await cli(['users', 'roles', 'ann@example.com', 'remove', 'admin'])).code).toBe(0);
    expect((await client.refresh()).status).toBe(200);
    expect(claimsOf(client.accessToken).roles).toEqual(['billing:read']);
    expect((await cli(['users', 'roles', 'ann@example.com', 'remove', 'billing:read'])).code).toBe(0);
    expect((await client.refresh()).status).toBe(200);
    expect(claimsOf(client.accessToken).roles).toBeUndefined();
  }, 120_000);

  it(`lists sessions and ends one by id or all of a user's (${storeName})`, async () => {
    const phone = new BrowserClient(server.url);
    const laptop = new BrowserClient(server.url);
    const phoneLogin = await phone.login('bob@example.com', BOB_PASSWORD);
    const laptopLogin = await laptop.login('bob@example.com', BOB_PASSWORD);
    const listed = await cli(['sessions', 'list', '--user', 'bob@example.com', '--json']);
    expect(listed.code).toBe(0);
    const ids = (JSON.parse(listed.stdout) as Array<{ id: string }>).map((s) => s.id);
    expect(ids).toEqual(expect.arrayContaining([phoneLogin.body.session_id, laptopLogin.body.session_id]));
    expect(listed.stdout).not.toContain('nonce');
    const table = await cli(['sessions', 'list', 'bob@example.com']);
    expect(table.stdout).toContain(phoneLogin.body.session_id);

    const one = await cli(['sessions', 'revoke', phoneLogin.body.session_id]);
    expect(one.code).toBe(0);
    expect((await phone.refresh()).status).toBe(401);
    expect((await laptop.refresh()).status).toBe(200);
    const twice = await cli(['sessions', 'revoke', phoneLogin.body.session_id]);
    expect(twice.code).toBe(1);

    const all = await cli(['sessions', 'revoke', '--user', 'bob@example.com', '--all']);
    expect(all.code).toBe(0);
    expect(all.stdout).toMatch(/ended [1-9]\d* session/);
    expect((await laptop.refresh()).status).toBe(401);
    const bob = await server.latchkey.store.findUserByEmail('bob@example.com');
    const revoked = await server.latchkey.store.listEvents(bob!.id, 50, ['session_revoked']);
    expect(revoked.filter((e) => e.detail?.reason === 'revoked_by_admin').map((e) => e.sessionId)).toEqual(
      expect.arrayContaining([phoneLogin.body.session_id, laptopLogin.body.session_id]),
    );
  }, 120_000);

  it(`disables a user: every session ends, logins and refreshes are refused; enable lets her back (${storeName})`, async () => {
    const a = new BrowserClient(server.url);
    const b = new BrowserClient(server.url);
    expect((await a.login('ann@example.com', PASSWORD)).status).toBe(200);
    expect((await b.login('ann@example.com', PASSWORD)).status).toBe(200);

    const disabled = await cli(['users', 'disable', 'ann@example.com']);
    expect(disabled.code).toBe(0);
    expect(disabled.stdout).toMatch(/ended [2-9]\d* session/);
    expect((await a.refresh()).status).toBe(401);
    expect((await b.refresh()).status).toBe(401);
    expect((await new BrowserClient(server.url).login('ann@example.com', PASSWORD)).status).toBe(401);
    expect((await cli(['users', 'list'])).stdout).toMatch(/Ann@Example\.com\s+\S+\s+\S+\s+disabled/);

    expect((await cli(['users', 'enable', 'ann@example.com'])).code).toBe(0);
    const back = new BrowserClient(server.url);
    expect((await back.login('ann@example.com', PASSWORD)).status).toBe(200);
    expect((await a.refresh()).status).toBe(401); // ended sessions stay ended
  }, 120_000);

  it(`rotates and lists signing keys, migrates and collects garbage (${storeName})`, async () => {
    const before = (await cli(['keys', 'list'])).stdout.trim().split('\n');
    const rotated = await cli(['keys', 'rotate', '--alg', 'EdDSA']);
    expect(rotated.code).toBe(0);
    const kid = /new signing key (\S+) \(EdDSA\)/.exec(rotated.stdout)?.[1];
    expect(kid).toBeDefined();
    const after = (await cli(['keys', 'list'])).stdout.trim().split('\n');
    expect(after).toHaveLength(before.length + 1);
    expect(after.filter((line) => line.endsWith(' active'))).toEqual([expect.stringContaining(`${kid}  EdDSA`)]);
    expect((await cli(['keys', 'rotate', '--alg', 'HS256'])).code).toBe(2);

    const migrate = await cli(['migrate']);
    expect(migrate.code).toBe(0);
    const gc = await cli(['gc']);
    expect(gc.code).toBe(0);
    expect(gc.stdout).toMatch(/removed \d+ sessions, \d+ events, \d+ keys/);
  }, 120_000);
}

describe('latchkey command line on SQLite', () => {
  const dataDir = tempDir();
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  operatorSuite('SQLite', () => ({ LATCHKEY_DATA_DIR: dataDir }));
});

const database: TestDatabase | undefined = await createTestDatabase('PostgreSQL CLI suite');

describe.skipIf(!database)('latchkey command line on PostgreSQL', () => {
  const dataDir = tempDir(); // the server secret file; the data lives in PostgreSQL
  afterAll(async () => {
    fs.rmSync(dataDir, { recursive: true, force: true });
    await database?.drop();
  });
  operatorSuite('PostgreSQL', () => ({ LATCHKEY_DATA_DIR: dataDir, DATABASE_URL: database!.url }));
});
