import type { Config } from '../config.ts';
import { ServerSecret } from '../core/server-secret.ts';
import { deliveryDb } from '../delivery/delivery.ts';
import type { DeliveryStatus } from '../delivery/tables.ts';
import { WebhookEndpoints, WebhookInputError } from '../delivery/webhooks/webhook-endpoints.ts';
import { loadServerSecret } from '../server/server-secret-file.ts';
import { iso, parse, printTable, UsageError, withStore, type Command } from './command.ts';

const USAGE = `latchkey webhooks add <url> --events <type,type,...|*> [--secret whsec_...]
       latchkey webhooks remove <endpoint-id>
       latchkey webhooks list [--json]
       latchkey webhooks deliveries [--endpoint <id>] [--status pending|delivered|dead] [--limit n] [--json]
       latchkey webhooks retry <delivery-id> | --dead [--endpoint <id>]`;

const STATUSES: readonly DeliveryStatus[] = ['pending', 'delivered', 'dead'];

/** `latchkey webhooks ...`: the endpoints that receive security events, and their deliveries. */
export const webhooksCommand: Command = {
  summary: 'add, remove and list webhook endpoints; show and re-drive deliveries',
  usage: USAGE,
  async run(args, config) {
    const { values, positionals } = parse(args, {
      events: { type: 'string' },
      secret: { type: 'string' },
      endpoint: { type: 'string' },
      status: { type: 'string' },
      limit: { type: 'string' },
      dead: { type: 'boolean' },
      json: { type: 'boolean' },
    });
    const [action, target, ...extra] = positionals;
    if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
    const run = <T>(work: (endpoints: WebhookEndpoints) => Promise<T>) => withEndpoints(config, work);
    switch (action) {
      case 'add': {
        if (!target) throw new UsageError('"webhooks add" needs a URL');
        if (!values.events) throw new UsageError('"webhooks add" needs --events (comma-separated types, or "*")');
        const events = values.events.split(',').map((e) => e.trim()).filter(Boolean);
        const added = await run((endpoints) => endpoints.add(target, events, values.secret));
        console.log(`latchkey: added webhook ${added.id} -> ${target}`);
        if (!values.secret) console.log(`secret (shown once; receivers verify signatures with it): ${added.secret}`);
        return;
      }
      case 'remove': {
        if (!target) throw new UsageError('"webhooks remove" needs an endpoint id');
        if (!(await run((endpoints) => endpoints.remove(target)))) throw new Error(`no webhook endpoint ${target}`);
        console.log(`latchkey: removed webhook ${target}`);
        return;
      }
      case 'list': {
        if (target) throw new UsageError(`unexpected argument "${target}"`);
        const list = await run((endpoints) => endpoints.list());
        if (values.json) console.log(JSON.stringify(list, null, 2));
        else if (list.length === 0) console.log('latchkey: no webhook endpoints');
        else printTable([['ID', 'EVENTS', 'FAILURES', 'CIRCUIT OPEN UNTIL', 'URL'], ...list.map((e) => [e.id, e.events.join(','), String(e.failures), iso(e.circuitOpenUntil), e.url])]);
        return;
      }
      case 'deliveries': {
        if (target) throw new UsageError(`unexpected argument "${target}"`);
        const status = values.status as DeliveryStatus | undefined;
        if (status !== undefined && !STATUSES.includes(status)) throw new UsageError(`--status must be one of ${STATUSES.join(', ')}`);
        const limit = values.limit === undefined ? 50 : Number(values.limit);
        if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new UsageError('--limit must be a whole number from 1 to 10000');
        const list = await run((endpoints) => endpoints.deliveries({ endpointId: values.endpoint, status, limit }));
        if (values.json) console.log(JSON.stringify(list, null, 2));
        else if (list.length === 0) console.log('latchkey: no deliveries');
        else {
          printTable([
            ['WEBHOOK-ID', 'ENDPOINT', 'TYPE', 'STATUS', 'TRIES', 'NEXT TRY', 'LAST RESULT'],
            ...list.map((d) => [d.id, d.endpointId, d.type, d.status, String(d.attempts), d.status === 'pending' ? iso(d.nextAttemptAt) : '-', d.lastError ?? (d.lastStatus === null ? '-' : String(d.lastStatus))]),
          ]);
        }
        return;
      }
      case 'retry': {
        if (values.dead ? target !== undefined : target === undefined) throw new UsageError('give a delivery id, or --dead [--endpoint <id>]');
        const count = await run((endpoints) => endpoints.retry(target ? { deliveryId: target } : { dead: true, endpointId: values.endpoint }));
        if (target && count === 0) throw new Error(`no delivery ${target}`);
        console.log(`latchkey: ${count} deliver${count === 1 ? 'y' : 'ies'} queued again`);
        return;
      }
      default:
        throw new UsageError(action === undefined ? 'webhooks needs a sub-command' : `unknown sub-command "webhooks ${action}"`);
    }
  },
};

async function withEndpoints<T>(config: Config, work: (endpoints: WebhookEndpoints) => Promise<T>): Promise<T> {
  const secret = new ServerSecret(loadServerSecret(config.store));
  return withStore(config, async (store) => {
    try {
      return await work(new WebhookEndpoints(deliveryDb(store).db, secret));
    } catch (err) {
      if (err instanceof WebhookInputError) throw new UsageError(err.message);
      throw err;
    }
  });
}
