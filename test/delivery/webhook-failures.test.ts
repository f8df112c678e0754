import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../pg/spawn-server.ts';
import { runCli } from '../cli/run-cli.ts';
import { signedIn, startApiServer } from '../helpers/http-auth.ts';
import { ISSUER, type TestServer } from '../helpers/server.ts';
import { eventually, logout } from './feed-helpers.ts';
import { startReceiver, type ReceiverProcess } from './receiver-process.ts';
import { deliveryDb } from '../../src/delivery/delivery.ts';
import { WebhookEndpoints } from '../../src/delivery/webhooks/webhook-endpoints.ts';
import { ServerSecret } from '../../src/core/server-secret.ts';
import { loadServerSecret } from '../../src/server/server-secret-file.ts';
import type { KyselyStore } from '../../src/store/kysely-store.ts';

function endpointsOf(server: TestServer): WebhookEndpoints {
  return new WebhookEndpoints(deliveryDb(server.latchkey.store as KyselyStore).db, new ServerSecret(loadServerSecret(server.latchkey.config.store)));
}

describe('webhook failures: dead letter, re-drive, circuit', () => {
  const servers: TestServer[] = [];
  const receivers: ReceiverProcess[] = [];
  afterAll(async () => {
    for (const r of receivers) await r.stop();
    for (const s of servers) await s.close();
  });

  it('after its last try a delivery is dead; `webhooks deliveries --status dead` shows it and `webhooks retry --dead` delivers it', async () => {
    const server = await startApiServer({ LATCHKEY_WEBHOOK_ALLOW_PRIVATE: 'true', LATCHKEY_WEBHOOK_RETRY_SCHEDULE: '1', LATCHKEY_WEBHOOK_TIMEOUT: '2' });
    servers.push(server);
    const port = await freePort(); // nobody listens yet
    const { id, secret } = await endpointsOf(server).add(`http://127.0.0.1:${port}/hooks`, ['logout']);
    const user = await signedIn(server.url);
    await logout(server.url, user.client.accessToken!);
    await eventually(async () => (await endpointsOf(server).deliveries({ endpointId: id }))[0]?.status === 'dead', 15_000, 'a dead delivery');
    const [dead] = await endpointsOf(server).deliveries({ endpointId: id });
    expect(dead!.attempts).toBe(2); // the first try and the one retry of the schedule

    const cli = (args: string[]) => runCli(['webhooks', ...args], { LATCHKEY_DATA_DIR: server.dataDir, LATCHKEY_ISSUER: ISSUER });
    const listed = await cli(['deliveries', '--status', 'dead', '--json']);
    expect(listed.code).toBe(0);
    expect((JSON.parse(listed.stdout) as { id: string }[]).map((d) => d.id)).toEqual([dead!.id]);

    const receiver = await startReceiver({ secret, port });
    receivers.push(receiver);
    const retried = await cli(['retry', '--dead', '--endpoint', id]);
    expect(retried.stdout).toMatch(/1 delivery queued again/);
    await eventually(() => receiver.received.length === 1, 15_000, 'the re-driven delivery');
    expect(receiver.received[0]).toMatchObject({ id: dead!.id, verified: true, type: 'logout' });
    await eventually(async () => (await endpointsOf(server).deliveries({ endpointId: id }))[0]?.status === 'delivered', 5000);
  });

  it('five failures in a row open the endpoint\'s circuit: nothing more is sent and no try is used up meanwhile', async () => {
    const server = await startApiServer({
      LATCHKEY_WEBHOOK_ALLOW_PRIVATE: 'true',
      LATCHKEY_WEBHOOK_RETRY_SCHEDULE: '1,1,1,1,1,1,1,1',
      LATCHKEY_WEBHOOK_CIRCUIT_COOLDOWN: '3600',
    });
    servers.push(server);
    const port = await freePort();
    const { id } = await endpointsOf(server).add(`http://127.0.0.1:${port}/hooks`, ['logout', 'login']);
    const user = await signedIn(server.url);
    await logout(server.url, user.client.accessToken!);
    await eventually(async () => (await endpointsOf(server).list()).find((e) => e.id === id)!.circuitOpenUntil !== null, 20_000, 'the circuit to open');
    const [endpoint] = (await endpointsOf(server).list()).filter((e) => e.id === id);
    expect(endpoint!.failures).toBe(5);
    expect(endpoint!.circuitOpenUntil!).toBeGreaterThan(Date.now() + 3_500_000);
    const rows = await endpointsOf(server).deliveries({ endpointId: id });
    expect(rows.every((r) => r.status === 'pending')).toBe(true);
    expect(rows.reduce((sum, r) => sum + r.attempts, 0)).toBe(5);
  });
});
