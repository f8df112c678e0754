import type { Kysely, Migration } from 'kysely';

/**
 * `2026-11-30-016-oauth-clients-codes`: the OAuth client registry, authorization codes, and the
 * client (and granted scope) of a session started by a code exchange. Frozen in time like every
 * migration: it takes `Kysely<any>` and never changes once released.
 */
export const oauthMigration: Migration = {
  // biome-ignore lint/suspicious/noExplicitAny: a migration is frozen in time and must not depend on today's types
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('oauth_clients')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('secret_hash', 'text')
      .addColumn('redirect_uris', 'text', (c) => c.notNull())
      .addColumn('post_logout_redirect_uris', 'text', (c) => c.notNull())
      .addColumn('first_party', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('oauth_codes')
      .addColumn('code_hash', 'text', (c) => c.primaryKey())
      .addColumn('client_id', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('redirect_uri', 'text', (c) => c.notNull())
      .addColumn('code_challenge', 'text', (c) => c.notNull())
      .addColumn('scope', 'text', (c) => c.notNull())
      .addColumn('nonce', 'text')
      .addColumn('auth_time', 'bigint', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('used_at', 'bigint')
      .addColumn('replayed_at', 'bigint')
      .addColumn('session_id', 'text')
      .execute();
    await db.schema.createIndex('oauth_codes_expires_idx').on('oauth_codes').column('expires_at').execute();

    await db.schema.alterTable('sessions').addColumn('client_id', 'text').execute();
    await db.schema.alterTable('sessions').addColumn('scope', 'text').execute();
  },
};
