import { systemClock } from '../core/clock.ts';
import { KeyRing } from '../core/key-ring.ts';
import { ServerSecret } from '../core/server-secret.ts';
import { loadServerSecret } from '../server/server-secret-file.ts';
import { iso, parse, UsageError, withStore, type Command } from './command.ts';

/** `latchkey keys list|rotate`: the signing keys every instance shares through the store. */
export const keysCommand: Command = {
  summary: 'list or rotate the signing keys',
  usage: 'latchkey keys list | latchkey keys rotate [--alg ES256|EdDSA|RS256]',
  async run(args, config) {
    const { values, positionals } = parse(args, { alg: { type: 'string' } });
    const [action, extra] = positionals;
    if (extra !== undefined) throw new UsageError(`unexpected argument "${extra}"`);
    if (action !== 'list' && action !== 'rotate') throw new UsageError('keys needs "list" or "rotate"');
    if (values.alg !== undefined && action !== 'rotate') throw new UsageError('--alg belongs to "keys rotate"');
    const alg = values.alg ?? config.signingAlg;
    if (alg !== 'ES256' && alg !== 'EdDSA' && alg !== 'RS256') throw new UsageError(`--alg must be ES256, EdDSA or RS256, not "${alg}"`);
    await withStore(config, async (store) => {
      if (action === 'rotate') {
        const secret = new ServerSecret(loadServerSecret(config.store));
        const ring = await KeyRing.open(store, secret, systemClock, {
          alg: config.signingAlg,
          accessTtl: config.session.accessTtl,
          activationDelay: config.keyActivationDelay,
        });
        const kid = await ring.rotate(alg).finally(() => ring.close());
        console.log(`latchkey: new signing key ${kid} (${alg}), published now; running servers sign with it in ${config.keyActivationDelay} s,`);
        console.log(`and the old key stays published until every token it signed has expired`);
        return;
      }
      for (const key of await store.listSigningKeys()) {
        const state = key.retiredAt === null ? 'active' : `retired ${iso(key.retiredAt)}`;
        console.log(`${key.kid}  ${key.alg}  created ${iso(key.createdAt)}  ${state}`);
      }
    });
  },
};
