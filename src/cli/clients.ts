import { isValidClientId, newClientId, newClientSecret, redirectUriProblem, type ClientType, type OAuthClient } from '../oauth/clients.ts';
import { KyselyOAuthStore } from '../oauth/kysely-oauth-store.ts';
import { iso, parse, printTable, UsageError, withStore, type Command } from './command.ts';

const USAGE = `latchkey clients add --name <name> --redirect-uri <uri>... [--type public|confidential] [--id <client_id>]
                      [--post-logout-redirect-uri <uri>...] [--third-party]
       latchkey clients list [--json]
       latchkey clients remove <client_id>`;

/**
 * `latchkey clients ...`: the apps that sign users in through the authorization code flow. A
 * confidential client's secret is printed once and only its SHA-256 is stored. Running servers
 * read clients from the database on every request, so changes apply at once.
 */
export const clientsCommand: Command = {
  summary: 'register, list and remove the apps (OAuth clients) that sign users in through latchkey',
  usage: USAGE,
  async run(args, config) {
    const { values, positionals } = parse(args, {
      name: { type: 'string' },
      'redirect-uri': { type: 'string', multiple: true },
      'post-logout-redirect-uri': { type: 'string', multiple: true },
      type: { type: 'string' },
      id: { type: 'string' },
      'third-party': { type: 'boolean' },
      json: { type: 'boolean' },
    });
    const [action, ...rest] = positionals;
    const withClients = <T>(work: (clients: KyselyOAuthStore) => Promise<T>) => withStore(config, (store) => work(new KyselyOAuthStore(store.database)));
    switch (action) {
      case 'add': {
        if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}"`);
        const client = newClient(values);
        const secret = client.type === 'confidential' ? newClientSecret() : undefined;
        const added = await withClients((clients) => clients.addClient({ ...client, secretHash: secret?.hash ?? null }));
        if (!added) throw new Error(`a client with the id "${client.id}" exists already`);
        console.log(`latchkey: added ${client.type} client "${client.name}"${client.firstParty ? '' : ' (third-party: users are asked to consent)'}`);
        console.log(`client_id: ${client.id}`);
        if (secret) console.log(`client_secret: ${secret.secret}\n(shown once: keep it now; latchkey stores only its hash)`);
        return;
      }
      case 'list': {
        if (rest.length > 0) throw new UsageError('"clients list" takes no arguments');
        const all = await withClients((clients) => clients.listClients());
        if (values.json) {
          console.log(JSON.stringify(all.map(({ secretHash: _hash, ...client }) => client), null, 2));
          return;
        }
        printTable([
          ['CLIENT_ID', 'NAME', 'TYPE', 'PARTY', 'CREATED', 'REDIRECT_URIS'],
          ...all.map((c) => [c.id, c.name, c.type, c.firstParty ? 'first' : 'third', iso(c.createdAt), c.redirectUris.join(' ')]),
        ]);
        return;
      }
      case 'remove': {
        if (rest.length !== 1) throw new UsageError('"clients remove" takes one client_id');
        if (!(await withClients((clients) => clients.removeClient(rest[0]!)))) throw new Error(`no client with the id "${rest[0]}"`);
        console.log(`latchkey: removed client ${rest[0]}; its sessions run on until they end (sign them out with "latchkey sessions")`);
        return;
      }
      default:
        throw new UsageError(action === undefined ? 'say what to do: add, list or remove' : `unknown action "${action}"`);
    }
  },
};

interface AddOptions {
  name?: string;
  'redirect-uri'?: string[];
  'post-logout-redirect-uri'?: string[];
  type?: string;
  id?: string;
  'third-party'?: boolean;
}

function newClient(values: AddOptions): OAuthClient {
  const name = values.name?.trim();
  if (!name || name.length > 100) throw new UsageError('--name is required (at most 100 characters)');
  const type = (values.type ?? 'public') as ClientType;
  if (type !== 'public' && type !== 'confidential') throw new UsageError('--type must be public or confidential');
  const id = values.id ?? newClientId();
  if (!isValidClientId(id)) throw new UsageError('--id may hold 1 to 100 letters, digits and . _ ~ -');
  const redirectUris = values['redirect-uri'] ?? [];
  if (redirectUris.length === 0) throw new UsageError('at least one --redirect-uri is required');
  const postLogout = values['post-logout-redirect-uri'] ?? [];
  for (const uri of [...redirectUris, ...postLogout]) {
    const problem = redirectUriProblem(uri, type);
    if (problem) throw new UsageError(problem);
  }
  return {
    id,
    name,
    type,
    secretHash: null,
    redirectUris,
    postLogoutRedirectUris: postLogout,
    firstParty: values['third-party'] !== true,
    createdAt: Date.now(),
  };
}
