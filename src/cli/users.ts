import type { UserRecord } from '../core/types.ts';
import { iso, parse, printTable, UsageError, withAdmin, type Command } from './command.ts';
import { readNewPassword } from './password-input.ts';
import { terminalSafeJson } from './terminal-text.ts';

const USAGE = `latchkey users create <email> [--name <name>]   (password from LATCHKEY_NEW_PASSWORD or stdin)
       latchkey users disable <email>                 (ends every session; logins and refreshes are refused)
       latchkey users enable <email>
       latchkey users list [--json]
       latchkey users roles <email> [add|remove <role>]
       latchkey users set-password <email>            (from LATCHKEY_NEW_PASSWORD or stdin; ends every session)
       latchkey users verify-email <email>            (marks the address verified, as if the link was followed)`;

/** `latchkey users ...`: accounts, their disabled state and their roles. */
export const usersCommand: Command = {
  summary: 'create, disable, enable and list users; roles; set a password; verify an address',
  usage: USAGE,
  async run(args, config) {
    if (args.some((a) => a === '--password' || a.startsWith('--password='))) {
      throw new UsageError('passwords are never taken from the command line: set LATCHKEY_NEW_PASSWORD or pipe it on standard input');
    }
    const { values, positionals } = parse(args, { name: { type: 'string' }, json: { type: 'boolean' } });
    const [action, email, ...rest] = positionals;
    if (values.name !== undefined && action !== 'create') throw new UsageError('--name belongs to "users create"');
    switch (action) {
      case 'create': {
        exactly(rest, 0, email);
        // Read before opening anything, so a missing password fails fast and changes nothing.
        const password = await readNewPassword();
        if (!password) throw new UsageError('no password: set LATCHKEY_NEW_PASSWORD or pipe it on standard input');
        const user = await withAdmin(config, (admin) => admin.create(email!, password, values.name));
        console.log(`latchkey: created user ${user.email} (${user.id})`);
        return;
      }
      case 'disable': {
        exactly(rest, 0, email);
        const ended = await withAdmin(config, (admin) => admin.disable(email!));
        console.log(`latchkey: disabled ${email}; ended ${ended.length} session(s)`);
        return;
      }
      case 'enable': {
        exactly(rest, 0, email);
        await withAdmin(config, (admin) => admin.enable(email!));
        console.log(`latchkey: enabled ${email}`);
        return;
      }
      case 'list': {
        if (email !== undefined) throw new UsageError('"users list" takes no arguments');
        await withAdmin(config, async (admin) => {
          const users: UserRecord[] = [];
          for await (const user of admin.list()) users.push(user);
          if (values.json) {
            console.log(terminalSafeJson(users.map(({ passwordHash: _hash, credentialVersion: _version, ...user }) => user)));
            return;
          }
          printTable([
            ['EMAIL', 'ID', 'CREATED', 'STATUS', 'ROLES'],
            ...users.map((u) => [u.email, u.id, iso(u.createdAt), u.disabledAt === null ? 'active' : 'disabled', u.roles.join(',') || '-']),
          ]);
        });
        return;
      }
      case 'set-password': {
        exactly(rest, 0, email);
        const password = await readNewPassword();
        if (!password) throw new UsageError('no password: set LATCHKEY_NEW_PASSWORD or pipe it on standard input');
        const ended = await withAdmin(config, (_admin, latchkey) => latchkey.accountMail!.operator.setPassword(email!, password));
        console.log(`latchkey: set a new password for ${email}; ended ${ended} session(s)`);
        return;
      }
      case 'verify-email': {
        exactly(rest, 0, email);
        const changed = await withAdmin(config, (_admin, latchkey) => latchkey.accountMail!.operator.verifyEmail(email!));
        console.log(changed ? `latchkey: ${email} is verified now` : `latchkey: ${email} was verified already`);
        return;
      }
      case 'roles': {
        if (!email) throw new UsageError('"users roles" needs an e-mail address');
        const [change, role, ...extra] = rest;
        if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
        if (change === undefined) {
          const roles = await withAdmin(config, (admin) => admin.roles(email));
          console.log(roles.length > 0 ? roles.join('\n') : `latchkey: ${email} has no roles`);
          return;
        }
        if ((change !== 'add' && change !== 'remove') || !role) throw new UsageError('use "users roles <email> add <role>" or "... remove <role>"');
        const roles = await withAdmin(config, (admin) => (change === 'add' ? admin.addRole(email, role) : admin.removeRole(email, role)));
        console.log(`latchkey: ${email} now has roles: ${roles.join(', ') || '(none)'} (new access tokens carry them)`);
        return;
      }
      default:
        throw new UsageError(action === undefined ? 'users needs a sub-command' : `unknown sub-command "users ${action}"`);
    }
  },
};

function exactly(rest: string[], count: number, email: string | undefined): void {
  if (!email) throw new UsageError('an e-mail address is required');
  if (rest.length > count) throw new UsageError(`unexpected argument "${rest[count]}"`);
}
