import type { MailStatus } from '../core/mail-message.ts';
import { iso, parse, printTable, UsageError, withStore, type Command } from './command.ts';

const USAGE = `latchkey mail list [--status pending|sent|skipped|failed] [--limit <n>] [--json]
       latchkey mail retry [<id>]      (failed messages, or one of them, are sent again by the running servers)`;
const STATUSES: readonly MailStatus[] = ['pending', 'sent', 'skipped', 'failed'];

/** `latchkey mail ...`: see the mail outbox and re-drive what could not be delivered. */
export const mailCommand: Command = {
  summary: 'list the mail outbox; send failed messages again',
  usage: USAGE,
  async run(args, config) {
    const { values, positionals } = parse(args, { status: { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean' } });
    const [action, id, ...extra] = positionals;
    if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
    switch (action) {
      case 'list': {
        if (id !== undefined) throw new UsageError('"mail list" takes no arguments');
        const status = values.status as MailStatus | undefined;
        if (status !== undefined && !STATUSES.includes(status)) throw new UsageError(`--status must be one of ${STATUSES.join(', ')}`);
        const limit = Number(values.limit ?? 50);
        if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new UsageError('--limit must be a whole number from 1 to 10000');
        const mails = await withStore(config, (store) => store.listMail(limit, status ? [status] : undefined));
        if (values.json) {
          console.log(JSON.stringify(mails, null, 2));
          return;
        }
        printTable([
          ['ID', 'CREATED', 'KIND', 'TO', 'STATUS', 'ATTEMPTS', 'NOTE'],
          ...mails.map((m) => [m.id, iso(m.createdAt), m.kind, m.to, m.status, String(m.attempts), m.lastError ?? '-']),
        ]);
        return;
      }
      case 'retry': {
        const count = await withStore(config, (store) => store.retryMail(Date.now(), id));
        if (id !== undefined && count === 0) throw new Error(`no failed message with the id ${id}`);
        console.log(`latchkey: ${count} message(s) will be sent again by the running servers`);
        return;
      }
      default:
        throw new UsageError(action === undefined ? 'mail needs a sub-command' : `unknown sub-command "mail ${action}"`);
    }
  },
};
