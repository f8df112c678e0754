import { ConfigError, loadConfig } from './config.ts';
import { createLatchkey } from './server.ts';

/** `latchkey serve`: loads the settings, opens the store and serves until SIGTERM/SIGINT. */
async function serve(): Promise<void> {
  const config = loadConfig();
  const latchkey = await createLatchkey(config);
  const stop = async () => {
    await latchkey.close();
    process.exit(0);
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  await latchkey.app.listen({ host: config.host, port: config.port });
}

const commands: Record<string, () => Promise<void>> = { serve };

const [name = 'serve'] = process.argv.slice(2);
const command = commands[name];
if (!command) {
  console.error(`latchkey: unknown command "${name}". Commands: ${Object.keys(commands).join(', ')}`);
  process.exit(2);
}
command().catch((err: unknown) => {
  console.error(`latchkey: ${err instanceof ConfigError || err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
