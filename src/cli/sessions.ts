import type { Session } from '../core/types.ts';
import { iso, parse, printTable, UsageError, withAdmin, type Command } from './command.ts';

const USAGE = `latchkey sessions list <email> | --user <email> [--json]
       latchkey sessions revoke <session-id>
       latchkey sessions revoke --user <email> --all`;

/** `latchkey sessions ...`: a user's signed-in devices, and ending them. */
export const sessionsCommand: Command = {
  summary: "list a user's live sessions, or end one or all of them",
  usage: USAGE,
  async run(args, config) {
    const { values, positionals } = parse(args, { user: { type: 'string' }, all: { type: 'boolean' }, json: { type: 'boolean' } });
    const [action, target, ...extra] = positionals;
    if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
    if (action === 'list') {
      if (target !== undefined && values.user !== undefined) throw new UsageError('name the user once: <email> or --user <email>');
      const email = target ?? values.user;
      if (!email) throw new UsageError('"sessions list" needs a user: <email> or --user <email>');
      const sessions = await withAdmin(config, (admin) => admin.sessions(email));
      if (values.json) console.log(JSON.stringify(sessions.map(publicSession), null, 2));
      else if (sessions.length === 0) console.log(`latchkey: ${email} has no live sessions`);
      else printTable([['ID', 'DEVICE', 'IP', 'LAST IP', 'LAST ACTIVE', 'CREATED', 'EXPIRES'], ...sessions.map(row)]);
      return;
    }
    if (action === 'revoke') {
      if (values.user !== undefined) {
        if (target !== undefined) throw new UsageError('give a session id or --user <email> --all, not both');
        if (!values.all) throw new UsageError('to end every session of a user, add --all');
        const email = values.user;
        const count = await withAdmin(config, (admin) => admin.revokeAllSessions(email));
        console.log(`latchkey: ended ${count} session(s) of ${email}`);
        return;
      }
      if (values.all) throw new UsageError('--all needs --user <email>');
      if (!target) throw new UsageError('"sessions revoke" needs a session id, or --user <email> --all');
      await withAdmin(config, (admin) => admin.revokeSession(target));
      console.log(`latchkey: ended session ${target}`);
      return;
    }
    throw new UsageError(action === undefined ? 'sessions needs a sub-command' : `unknown sub-command "sessions ${action}"`);
  },
};

function row(s: Session): string[] {
  const device = `${s.device.browser}/${s.device.os}/${s.device.type}${s.deviceId ? ` ${s.deviceId}` : ''}`;
  return [s.id, device, s.ip, s.lastIp, iso(s.lastActiveAt), iso(s.createdAt), iso(s.expiresAt)];
}

/** A session as operators see it: everything but the per-session nonce. */
function publicSession({ nonce: _nonce, counter: _counter, ...session }: Session) {
  return session;
}
