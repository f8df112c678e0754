import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliveryDb } from '../../src/delivery/delivery.ts';
import { WebhookEndpoints } from '../../src/delivery/webhooks/webhook-endpoints.ts';
import { ServerSecret } from '../../src/core/server-secret.ts';
import type { KyselyStore } from '../../src/store/kysely-store.ts';
import { openPostgresStore } from '../../src/store/postgres.ts';
import { runCli } from '../cli/run-cli.ts';
import { NO_THROTTLE, PASSWORD, uniqueEmail } from '../helpers/http-auth.ts';
import { createTestDatabase } from '../helpers/postgres.ts';
import { spawnServer, type ServerProcess } from '../pg/spawn-server.ts';
import { eventually } from './feed-helpers.ts';
import { startReceiver, type ReceiverProcess } from './receiver-process.ts';

const db = await createTestDatabase('PostgreSQL webhooks suite');

const json = (body: unknown) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/** Registers and signs in a fresh user on `base` (events: registered, login, new_device). */
async function signUpAndIn(base: string): Promise<void> {
  const email = uniqueEmail('hook');
  expect((await fetch(`${base}/auth/register`, json({ email, password: PASSWORD }))).status).toBe(201);
  expect((await fetch(`${base}/auth/login`, json({ email, password: PASSWORD }))).status).toBe(200);
}

describe.skipIf(!db)('webhooks from several server processes on one PostgreSQL database', () => {
  const secretHex = randomBytes(32).toString('hex');
  const env = {
    ...NO_THROTTLE,
    DATABASE_URL: db?.url ?? '',
    LATCHKEY_SECRET: secretHex,
    LATCHKEY_ISSUER: 'http://latchkey.test',
    LATCHKEY_WEBHOOK_ALLOW_PRIVATE: 'true',
    LATCHKEY_WEBHOOK_TIMEOUT: '1',
    LATCHKEY_WEBHOOK_RETRY_SCHEDULE: '1,1,1,1,1,1,1,1',
    LATCHKEY_WEBHOOK_CIRCUIT_COOLDOWN: '1',
  };
  let store: KyselyStore;
  let endpoints: WebhookEndpoints;
  const servers: ServerProcess[] = [];
  const receivers: ReceiverProcess[] = [];

  beforeAll(async () => {
    store = await openPostgresStore(db!.url, { poolSize: 2 });
    endpoints = new WebhookEndpoints(deliveryDb(store).db, new ServerSecret(Buffer.from(secretHex, 'hex')));
  });
  afterAll(async () => {
    for (const s of servers) await s.stop();
    for (const r of receivers) await r.stop();
    await store?.close();
    await db?.drop();
  });

  it('two instances share the work: every event delivered, none sent twice at the same time', async () => {
    const [a, b] = await Promise.all([spawnServer(env), spawnServer(env)]);
    servers.push(a!, b!);
    const secret = `whsec_${randomBytes(32).toString('base64')}`;
    const receiver = await startReceiver({ secret, delayMs: 150 });
    receivers.push(receiver);
    // Added through the CLI while both run: picked up without a restart.
    const added = await runCli(['webhooks', 'add', `${receiver.url}/hooks`, '--events', 'login,new_device', '--secret', secret], {
      DATABASE_URL: db!.url,
      LATCHKEY_SECRET: secretHex,
    });
    expect(added.code).toBe(0);
    const endpointId = /added webhook (ep_\S+)/.exec(added.stdout)![1]!;

    await Promise.all(Array.from({ length: 12 }, (_, i) => signUpAndIn(i % 2 === 0 ? a!.url : b!.url)));
    await eventually(async () => {
      const rows = await endpoints.deliveries({ endpointId, limit: 100 });
      return rows.length === 24 && rows.every((r) => r.status === 'delivered');
    }, 30_000, '24 deliveries');
    const hooks = receiver.received.filter((r) => r.path === '/hooks');
    expect(new Set(hooks.map((r) => r.id)).size).toBe(24);
    expect(hooks.every((r) => r.verified)).toBe(true);
    expect(hooks.some((r) => r.overlap)).toBe(false); // never two requests for one webhook-id at once
    await endpoints.remove(endpointId);
  });

  it('an instance killed with SIGKILL mid-delivery: another instance delivers it again, same webhook-id', async () => {
    for (const s of servers.splice(0)) await s.stop();
    const a = await spawnServer(env);
    servers.push(a);
    const secret = `whsec_${randomBytes(32).toString('base64')}`;
    const receiver = await startReceiver({ secret, mode: 'hang-first' });
    receivers.push(receiver);
    const { id: endpointId } = await endpoints.add(`${receiver.url}/hooks`, ['login'], secret);

    await signUpAndIn(a.url);
    await eventually(() => receiver.received.length === 1, 15_000, 'the first try to arrive'); // and it hangs there
    a.child.kill('SIGKILL');
    await new Promise((resolve) => a.child.once('exit', resolve));
    const b = await spawnServer(env);
    servers.push(b);
    await eventually(async () => (await endpoints.deliveries({ endpointId }))[0]?.status === 'delivered', 30_000, 'redelivery by the other instance');
    const hooks = receiver.received.filter((r) => r.path === '/hooks');
    expect(hooks.length).toBe(2);
    expect(hooks[0]!.id).toBe(hooks[1]!.id);
    expect(hooks.every((r) => r.verified && !r.overlap)).toBe(true);
  });
});
