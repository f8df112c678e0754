import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliveryDb } from '../../src/delivery/delivery.ts';
import { WebhookEndpoints, type WebhookDelivery } from '../../src/delivery/webhooks/webhook-endpoints.ts';
import { ServerSecret } from '../../src/core/server-secret.ts';
import { loadServerSecret } from '../../src/server/server-secret-file.ts';
import type { KyselyStore } from '../../src/store/kysely-store.ts';
import { runCli } from '../cli/run-cli.ts';
import { signedIn, startApiServer } from '../helpers/http-auth.ts';
import { ISSUER, type TestServer } from '../helpers/server.ts';
import { eventually, logout } from './feed-helpers.ts';
import { startReceiver, type ReceiverProcess } from './receiver-process.ts';

const FAST = { LATCHKEY_WEBHOOK_RETRY_SCHEDULE: '1,1,1,1,1,1,1,1,1,1', LATCHKEY_WEBHOOK_CIRCUIT_COOLDOWN: '1', LATCHKEY_WEBHOOK_TIMEOUT: '2' };

/** Adds an endpoint through the real CLI, beside the running server; returns its id and secret. */
async function addEndpoint(server: TestServer, url: string, events: string): Promise<{ id: string; secret: string }> {
  const result = await runCli(['webhooks', 'add', url, '--events', events], { LATCHKEY_DATA_DIR: server.dataDir, LATCHKEY_ISSUER: ISSUER });
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return { id: /added webhook (ep_\S+)/.exec(result.stdout)![1]!, secret: /(whsec_\S+)/.exec(result.stdout)![1]! };
}

function endpointsOf(server: TestServer): WebhookEndpoints {
  const store = server.latchkey.store as KyselyStore;
  return new WebhookEndpoints(deliveryDb(store).db, new ServerSecret(loadServerSecret(server.latchkey.config.store)));
}

describe('webhooks to a real receiver process (SQLite)', () => {
  let server: TestServer;
  let receiver: ReceiverProcess;
  let endpoint: { id: string; secret: string };
  const deliveries = (): Promise<WebhookDelivery[]> => endpointsOf(server).deliveries({ endpointId: endpoint.id, limit: 1000 });

  beforeAll(async () => {
    server = await startApiServer({ ...FAST, LATCHKEY_WEBHOOK_ALLOW_PRIVATE: 'true' });
    // The receiver needs the secret before it starts, and the endpoint needs the receiver's port: take a port first.
    const probe = await startReceiver({ secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' });
    const port = probe.port;
    await probe.stop();
    endpoint = await addEndpoint(server, `http://127.0.0.1:${port}/hooks`, 'login,logout,new_device');
    receiver = await startReceiver({ secret: endpoint.secret, port });
  });
  afterAll(async () => {
    await receiver?.stop();
    await server?.close();
  });

  it('delivers every subscribed event, signed so that standardwebhooks verifies it, and nothing else', async () => {
    const user = await signedIn(server.url); // registered (not subscribed), login, new_device
    await logout(server.url, user.client.accessToken!);
    await eventually(() => receiver.received.filter((r) => r.path === '/hooks').length >= 3, 15_000, 'three deliveries');
    const got = receiver.received.filter((r) => r.path === '/hooks');
    expect(got.map((r) => r.type).sort()).toEqual(['login', 'logout', 'new_device']);
    expect(got.every((r) => r.verified)).toBe(true);
    await eventually(async () => (await deliveries()).every((d) => d.status === 'delivered'), 5000, 'delivered rows');
  });

  it('the receiver down for a while, then up: nothing lost, repeats only under the same webhook-id', async () => {
    await receiver.stop();
    const before = new Set((await deliveries()).map((d) => d.id));
    const users = await Promise.all([0, 1, 2].map(() => signedIn(server.url)));
    for (const user of users) await logout(server.url, user.client.accessToken!);
    // Wait until the failures have been retried at least once, then bring the receiver back on the same port.
    await eventually(async () => (await deliveries()).some((d) => !before.has(d.id) && d.attempts >= 2), 20_000, 'a retry');
    const failed = (await deliveries()).filter((d) => !before.has(d.id));
    expect(failed.every((d) => d.status === 'pending')).toBe(true);
    expect(failed.filter((d) => d.attempts >= 2).every((d) => d.lastError !== null)).toBe(true);
    receiver = await startReceiver({ secret: endpoint.secret, port: receiver.port, log: receiver.received });
    await eventually(async () => (await deliveries()).every((d) => d.status === 'delivered'), 30_000, 'every delivery to succeed');
    const rows = (await deliveries()).filter((d) => !before.has(d.id));
    expect(rows).toHaveLength(9); // 3 x (login, new_device, logout)
    const ids = new Set(receiver.received.filter((r) => r.path === '/hooks').map((r) => r.id));
    for (const row of rows) expect(ids.has(row.id)).toBe(true);
    // Each event got exactly one webhook-id, whatever the number of tries.
    expect(new Set(rows.map((r) => r.eventId)).size).toBe(rows.length);
    expect(receiver.received.every((r) => r.path !== '/hooks' || r.verified)).toBe(true);
  });

  it('follows no redirect: a 3xx is a failed try and the target is never called', async () => {
    const hop = await endpointsOf(server).add(`${receiver.url}/redirect`, ['logout']);
    const user = await signedIn(server.url);
    await logout(server.url, user.client.accessToken!);
    await eventually(async () => (await endpointsOf(server).deliveries({ endpointId: hop.id })).some((d) => d.attempts >= 1 && d.lastError !== null), 15_000);
    const [row] = await endpointsOf(server).deliveries({ endpointId: hop.id });
    expect(row!.lastError).toMatch(/redirect \(302\) not followed/);
    expect(receiver.received.some((r) => r.path === '/target')).toBe(false);
    await endpointsOf(server).remove(hop.id);
  });
});

describe('webhook targets inside the network are refused unless LATCHKEY_WEBHOOK_ALLOW_PRIVATE=true', () => {
  let server: TestServer;
  let receiver: ReceiverProcess;
  beforeAll(async () => {
    server = await startApiServer(FAST);
    receiver = await startReceiver({ secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' });
  });
  afterAll(async () => {
    await receiver?.stop();
    await server?.close();
  });

  it('by IP and by a name that resolves to loopback: the receiver hears nothing', async () => {
    const byIp = await endpointsOf(server).add(`${receiver.url}/hooks`, ['logout']);
    const byName = await endpointsOf(server).add(`http://localhost:${receiver.port}/hooks`, ['logout']);
    const metadata = await endpointsOf(server).add('http://169.254.169.254/latest/meta-data', ['logout']);
    const user = await signedIn(server.url);
    await logout(server.url, user.client.accessToken!);
    for (const { id } of [byIp, byName, metadata]) {
      await eventually(async () => (await endpointsOf(server).deliveries({ endpointId: id })).some((d) => d.lastError !== null), 15_000);
      const [row] = await endpointsOf(server).deliveries({ endpointId: id });
      expect(row!.status).toBe('pending');
      expect(row!.lastError).toMatch(/private, loopback or link-local/);
    }
    expect(receiver.received).toEqual([]);
  });
});
