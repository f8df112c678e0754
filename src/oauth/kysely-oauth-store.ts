import type { Kysely, Selectable } from 'kysely';
import type { OAuthClient } from './clients.ts';
import type { OAuthStore, StoredCode, UsedCode } from './oauth-store.ts';

interface ClientsTable {
  id: string;
  name: string;
  type: string;
  secret_hash: string | null;
  redirect_uris: string;
  post_logout_redirect_uris: string;
  first_party: number;
  created_at: number;
}

interface CodesTable {
  code_hash: string;
  client_id: string;
  user_id: string;
  redirect_uri: string;
  code_challenge: string;
  scope: string;
  nonce: string | null;
  auth_time: number;
  created_at: number;
  expires_at: number;
  used_at: number | null;
  replayed_at: number | null;
  session_id: string | null;
}

/** The OAuth tables (migration 2026-11-30-016) as Kysely sees them. */
export interface OAuthTables {
  oauth_clients: ClientsTable;
  oauth_codes: CodesTable;
}

const SWEEP_BATCH = 100;

/**
 * {@link OAuthStore} on the same Kysely instance (and so the same SQLite file or PostgreSQL pool)
 * as the core's store. One statement per method: no transaction needed, none held.
 *
 * @example
 * const oauthStore = new KyselyOAuthStore(kyselyStore.database)
 */
export class KyselyOAuthStore implements OAuthStore {
  readonly #db: Kysely<OAuthTables>;

  // biome-ignore lint/suspicious/noExplicitAny: the core's Database type does not know these tables; they are typed here
  constructor(db: Kysely<any>) {
    this.#db = db as Kysely<OAuthTables>;
  }

  async addClient(c: OAuthClient): Promise<boolean> {
    const result = await this.#db
      .insertInto('oauth_clients')
      .values({
        id: c.id,
        name: c.name,
        type: c.type,
        secret_hash: c.secretHash,
        redirect_uris: JSON.stringify(c.redirectUris),
        post_logout_redirect_uris: JSON.stringify(c.postLogoutRedirectUris),
        first_party: c.firstParty ? 1 : 0,
        created_at: c.createdAt,
      })
      .onConflict((oc) => oc.column('id').doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
  }

  async findClient(id: string): Promise<OAuthClient | undefined> {
    const row = await this.#db.selectFrom('oauth_clients').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toClient(row);
  }

  async listClients(): Promise<OAuthClient[]> {
    const rows = await this.#db.selectFrom('oauth_clients').selectAll().orderBy('created_at').orderBy('id').execute();
    return rows.map(toClient);
  }

  async removeClient(id: string): Promise<boolean> {
    const result = await this.#db.deleteFrom('oauth_clients').where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) === 1;
  }

  async clientNames(ids: readonly string[]): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const rows = await this.#db.selectFrom('oauth_clients').select(['id', 'name']).where('id', 'in', [...new Set(ids)]).execute();
    return new Map(rows.map((r) => [r.id, r.name]));
  }

  async insertCode(code: StoredCode, sweepBefore: number): Promise<void> {
    const old = await this.#db.selectFrom('oauth_codes').select('code_hash').where('expires_at', '<', sweepBefore)
      .orderBy('expires_at').limit(SWEEP_BATCH).execute();
    if (old.length > 0) await this.#db.deleteFrom('oauth_codes').where('code_hash', 'in', old.map((r) => r.code_hash)).execute();
    await this.#db
      .insertInto('oauth_codes')
      .values({
        code_hash: code.codeHash,
        client_id: code.clientId,
        user_id: code.userId,
        redirect_uri: code.redirectUri,
        code_challenge: code.codeChallenge,
        scope: code.scope,
        nonce: code.nonce,
        auth_time: code.authTime,
        created_at: code.createdAt,
        expires_at: code.expiresAt,
        used_at: null,
        replayed_at: null,
        session_id: null,
      })
      .execute();
  }

  async consumeCode(codeHash: string, at: number): Promise<StoredCode | undefined> {
    const row = await this.#db
      .updateTable('oauth_codes')
      .set({ used_at: at })
      .where('code_hash', '=', codeHash)
      .where('used_at', 'is', null)
      .returningAll()
      .executeTakeFirst();
    return row && toCode(row);
  }

  async markCodeReplayed(codeHash: string, at: number): Promise<UsedCode | undefined> {
    const row = await this.#db
      .updateTable('oauth_codes')
      .set({ replayed_at: at })
      .where('code_hash', '=', codeHash)
      .returningAll()
      .executeTakeFirst();
    return row && { ...toCode(row), usedAt: row.used_at === null ? null : Number(row.used_at), sessionId: row.session_id };
  }

  async attachSession(codeHash: string, sessionId: string): Promise<boolean> {
    const row = await this.#db
      .updateTable('oauth_codes')
      .set({ session_id: sessionId })
      .where('code_hash', '=', codeHash)
      .returning('replayed_at')
      .executeTakeFirst();
    return row !== undefined && row.replayed_at !== null;
  }
}

function toClient(r: Selectable<ClientsTable>): OAuthClient {
  return {
    id: r.id,
    name: r.name,
    type: r.type === 'confidential' ? 'confidential' : 'public',
    secretHash: r.secret_hash,
    redirectUris: JSON.parse(r.redirect_uris) as string[],
    postLogoutRedirectUris: JSON.parse(r.post_logout_redirect_uris) as string[],
    firstParty: Number(r.first_party) === 1,
    createdAt: Number(r.created_at),
  };
}

function toCode(r: Selectable<CodesTable>): StoredCode {
  return {
    codeHash: r.code_hash,
    clientId: r.client_id,
    userId: r.user_id,
    redirectUri: r.redirect_uri,
    codeChallenge: r.code_challenge,
    scope: r.scope,
    nonce: r.nonce,
    authTime: Number(r.auth_time),
    createdAt: Number(r.created_at),
    expiresAt: Number(r.expires_at),
  };
}
