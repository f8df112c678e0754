import type { Kysely, Migration } from 'kysely';

/**
 * Issue 13's schema step (frozen once released): users gain a verified-at time and a language;
 * `account_links` holds the server side of e-mailed links (verification, password reset, e-mail
 * change: a random nonce, never the link); `mail_outbox` holds every message until it is delivered.
 */
export const mailAndAccountLinks: Migration = {
  // biome-ignore lint/suspicious/noExplicitAny: a migration is frozen in time and must not depend on today's types
  async up(db: Kysely<any>) {
    await db.schema.alterTable('users').addColumn('email_verified_at', 'bigint').execute();
    await db.schema.alterTable('users').addColumn('locale', 'text').execute();

    await db.schema
      .createTable('account_links')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('purpose', 'text', (c) => c.notNull())
      .addColumn('nonce', 'text', (c) => c.notNull())
      .addColumn('email', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('used_at', 'bigint')
      .execute();
    await db.schema.createIndex('account_links_user_idx').on('account_links').columns(['user_id', 'purpose']).execute();
    await db.schema.createIndex('account_links_expires_idx').on('account_links').column('expires_at').execute();

    await db.schema
      .createTable('mail_outbox')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text', (c) => c.references('users.id').onDelete('cascade'))
      .addColumn('to_address', 'text', (c) => c.notNull())
      .addColumn('locale', 'text', (c) => c.notNull())
      .addColumn('data', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
      .addColumn('lease_until', 'bigint')
      .addColumn('sent_at', 'bigint')
      .addColumn('last_error', 'text')
      .execute();
    // The sender's claim: pending rows by due time. The sweep: finished rows by creation.
    await db.schema.createIndex('mail_outbox_due_idx').on('mail_outbox').columns(['status', 'next_attempt_at']).execute();
    await db.schema.createIndex('mail_outbox_created_idx').on('mail_outbox').column('created_at').execute();
  },
};
