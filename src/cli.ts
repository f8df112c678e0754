import { clientsCommand } from './cli/clients.ts';
import { configCommand } from './cli/config-check.ts';
import { UsageError, withStore, type Command } from './cli/command.ts';
import { keysCommand } from './cli/keys.ts';
import { mailCommand } from './cli/mail.ts';
import { serveCommand } from './cli/serve.ts';
import { sessionsCommand } from './cli/sessions.ts';
import { usersCommand } from './cli/users.ts';
import { webhooksCommand } from './cli/webhooks.ts';
import { loadConfig } from './config.ts';
import { systemClock } from './core/clock.ts';
import { LatchkeyError } from './core/errors.ts';
import { collectGarbage } from './server/sweeper.ts';
import { VERSION } from './server/version.ts';

/**
 * The `latchkey` command. Exit codes: 0 done, 1 the work failed (bad setting, unknown user, database
 * down...), 2 the command line is wrong. Settings come from the environment (see docs/api.md).
 */
const commands: Record<string, Command> = {
  serve: serveCommand,
  migrate: {
    summary: 'bring the database schema up to date',
    usage: 'latchkey migrate',
    async run(args, config) {
      if (args.length > 0) throw new UsageError(`unexpected argument "${args[0]}"`);
      await withStore(config, async () => {}); // opening a store migrates it
      console.log('latchkey: schema is up to date');
    },
  },
  keys: keysCommand,
  users: usersCommand,
  sessions: sessionsCommand,
  mail: mailCommand,
  webhooks: webhooksCommand,
  clients: clientsCommand,
  gc: {
    summary: 'delete expired sessions, old events and retired keys now',
    usage: 'latchkey gc',
    async run(args, config) {
      if (args.length > 0) throw new UsageError(`unexpected argument "${args[0]}"`);
      const swept = await withStore(config, (store) => collectGarbage(store, config, systemClock));
      console.log(`latchkey: removed ${swept.sessions} sessions, ${swept.events} events, ${swept.keys} keys`);
    },
  },
  config: configCommand,
};

function help(): string {
  const width = Math.max(...Object.keys(commands).map((n) => n.length));
  return [
    'Usage: latchkey <command> [options]   (settings come from the environment; see docs/api.md)',
    '',
    ...Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    '',
    'latchkey <command> --help shows the usage of one command; latchkey --version prints the version.',
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name = 'serve', ...args] = argv;
  if (name === '--version' || name === '-v' || name === 'version') {
    console.log(`latchkey ${VERSION}`);
    return 0;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    console.log(help());
    return 0;
  }
  const command = commands[name];
  if (!command) {
    console.error(`latchkey: unknown command "${name}"\n\n${help()}`);
    return 2;
  }
  if (args.includes('--help') || args.includes('-h')) {
    console.log(`Usage: ${command.usage}\n\n${command.summary}`);
    return 0;
  }
  try {
    await command.run(args, loadConfig());
    return 0;
  } catch (err) {
    if (err instanceof UsageError || (err instanceof LatchkeyError && err.code === 'invalid_request')) {
      const why = err instanceof LatchkeyError ? err.description : err.message;
      console.error(`latchkey ${name}: ${why}\nUsage: ${command.usage}`);
      return 2;
    }
    const message = err instanceof LatchkeyError ? err.description : err instanceof Error ? err.message : String(err);
    console.error(`latchkey ${name}: ${message}`);
    return 1;
  }
}

const code = await main(process.argv.slice(2));
if (code !== 0) process.exit(code);
