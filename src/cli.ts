import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, type Config } from './config.ts';
import { systemClock } from './core/clock.ts';
import { KeyRing } from './core/key-ring.ts';
import { ServerSecret } from './core/server-secret.ts';
import { collectGarbage } from './gc.ts';
import { createLatchkey } from './server.ts';
import { loadServerSecret } from './server-secret-file.ts';
import { openStore } from './store/open-store.ts';
import type { KyselyStore } from './store/kysely-store.ts';

/** A sub-command: what it does in one line, and the work given its arguments. */
interface Command {
  readonly summary: string;
  readonly usage: string;
  run(args: string[], config: Config): Promise<void>;
}

/** A wrong use of the command line: printed with the usage, exit code 2. */
class UsageError extends Error {}

async function withStore<T>(config: Config, work: (store: KyselyStore) => Promise<T>): Promise<T> {
  const store = await openStore(config.store);
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

const commands: Record<string, Command> = {
  serve: {
    summary: 'serve the HTTP API until SIGTERM/SIGINT',
    usage: 'latchkey serve',
    async run(_args, config) {
      const latchkey = await createLatchkey(config);
      const stop = async () => {
        await latchkey.close();
        process.exit(0);
      };
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
      await latchkey.app.listen({ host: config.host, port: config.port });
    },
  },
  migrate: {
    summary: 'bring the database schema up to date',
    usage: 'latchkey migrate',
    async run(_args, config) {
      await withStore(config, async () => {}); // opening a store migrates it
      console.log('latchkey: schema is up to date');
    },
  },
  keys: {
    summary: 'list or rotate the signing keys',
    usage: 'latchkey keys list | latchkey keys rotate [--alg ES256|EdDSA|RS256]',
    async run(args, config) {
      const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { alg: { type: 'string' } } });
      await withStore(config, async (store) => {
        const secret = new ServerSecret(loadServerSecret(config.store));
        const ring = await KeyRing.open(store, secret, systemClock, { alg: config.signingAlg, accessTtl: config.session.accessTtl });
        if (positionals[0] === 'rotate') {
          const alg = values.alg ?? config.signingAlg;
          if (alg !== 'ES256' && alg !== 'EdDSA' && alg !== 'RS256') throw new UsageError(`--alg must be ES256, EdDSA or RS256, not "${alg}"`);
          console.log(`latchkey: new signing key ${await ring.rotate(alg)} (${alg}); running servers pick it up within seconds`);
        } else if (positionals[0] === 'list') {
          for (const key of await store.listSigningKeys()) {
            const state = key.retiredAt === null ? 'active' : `retired ${new Date(key.retiredAt).toISOString()}`;
            console.log(`${key.kid}  ${key.alg}  created ${new Date(key.createdAt).toISOString()}  ${state}`);
          }
        } else {
          throw new UsageError('keys needs "list" or "rotate"');
        }
      });
    },
  },
  gc: {
    summary: 'delete expired sessions, old events and retired keys now',
    usage: 'latchkey gc',
    async run(_args, config) {
      const swept = await withStore(config, (store) => collectGarbage(store, config, systemClock));
      console.log(`latchkey: removed ${swept.sessions} sessions, ${swept.events} events, ${swept.keys} keys`);
    },
  },
};

function help(): string {
  const width = Math.max(...Object.keys(commands).map((n) => n.length));
  return [
    'Usage: latchkey <command> [options]   (settings come from the environment; see README)',
    '',
    ...Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    '',
    'latchkey <command> --help shows the usage of one command.',
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name = 'serve', ...args] = argv;
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
    if (err instanceof UsageError) {
      console.error(`latchkey ${name}: ${err.message}\nUsage: ${command.usage}`);
      return 2;
    }
    const message = err instanceof ConfigError || err instanceof Error ? err.message : String(err);
    console.error(`latchkey ${name}: ${message}`);
    return 1;
  }
}

const code = await main(process.argv.slice(2));
if (code !== 0) process.exit(code);
