import { sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import { mailAndAccountLinks } from './migration-013-mail.ts';
import { deliveryMigration } from '../delivery/migration.ts';
import { oauthMigration } from '../oauth/oauth-migration.ts';

/**
 * The schema's history, frozen in time: a migration is never edited once released, only followed
 * by another. They take `Kysely<any>` so they never depend on today's types, and run unchanged on
 * SQLite and PostgreSQL.
 */
const migrations: Record<string, Migration> = {
  '2026-11-27-001-initial': {
    // biome-ignore lint/suspicious/noExplicitAny: a migration is frozen in time and must not depend on today's types
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('users')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('email', 'text', (c) => c.notNull())
        .addColumn('email_normalized', 'text', (c) => c.notNull().unique())
        .addColumn('name', 'text')
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('disabled_at', 'bigint')
        .addColumn('roles', 'text', (c) => c.notNull().defaultTo(''))
        .execute();

      await db.schema
        .createTable('sessions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('nonce', 'text', (c) => c.notNull())
        .addColumn('counter', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('last_active_at', 'bigint', (c) => c.notNull())
        .addColumn('rotated_at', 'bigint')
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('user_agent', 'text', (c) => c.notNull())
        .addColumn('browser', 'text', (c) => c.notNull())
        .addColumn('os', 'text', (c) => c.notNull())
        .addColumn('device_type', 'text', (c) => c.notNull())
        .addColumn('ip', 'text', (c) => c.notNull())
        .addColumn('last_ip', 'text', (c) => c.notNull())
        .addColumn('device_id', 'text')
        .addColumn('revoked_at', 'bigint')
        .addColumn('revoke_reason', 'text')
        .execute();
      // Listing a user's devices; finding garbage by expiry and by revocation.
      await db.schema.createIndex('sessions_user_idx').on('sessions').columns(['user_id', 'last_active_at']).execute();
      await db.schema.createIndex('sessions_expires_idx').on('sessions').column('expires_at').execute();
      await db.schema.createIndex('sessions_revoked_idx').on('sessions').column('revoked_at').execute();

      await db.schema
        .createTable('events')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('session_id', 'text')
        .addColumn('ip', 'text')
        .addColumn('user_agent', 'text')
        .addColumn('detail', 'text')
        .execute();
      await db.schema.createIndex('events_user_idx').on('events').columns(['user_id', 'at']).execute();
      await db.schema.createIndex('events_at_idx').on('events').column('at').execute();

      await db.schema
        .createTable('user_devices')
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('fingerprint', 'text', (c) => c.notNull())
        .addColumn('first_seen_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('user_devices_pk', ['user_id', 'fingerprint'])
        .execute();

      await db.schema
        .createTable('signing_keys')
        .addColumn('kid', 'text', (c) => c.primaryKey())
        .addColumn('alg', 'text', (c) => c.notNull())
        .addColumn('public_jwk', 'text', (c) => c.notNull())
        .addColumn('private_key', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('retired_at', 'bigint')
        .execute();
      // At most one live signing key: two instances starting at once on an empty database cannot
      // both create one (the second insert fails and that instance adopts the first key).
      await sql`CREATE UNIQUE INDEX signing_keys_one_live ON signing_keys ((retired_at IS NULL)) WHERE retired_at IS NULL`.execute(db);
    },
  },
  '2026-11-30-011-credential-version': {
    // biome-ignore lint/suspicious/noExplicitAny: a migration is frozen in time and must not depend on today's types
    async up(db: Kysely<any>) {
      // Bumped with every change of the password hash or of the disabled state: a login creates its
      // session only while the user is still at the version its password was checked against.
      await db.schema.alterTable('users').addColumn('credential_version', 'integer', (c) => c.notNull().defaultTo(0)).execute();
    },
  },
  '2026-11-30-013-mail-and-account-links': mailAndAccountLinks,
  '2026-11-30-014-delivery': deliveryMigration,
  '2026-11-30-016-oauth-clients-codes': oauthMigration,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};
