import type { Kysely, Selectable } from 'kysely';
import type { AccountLink, LinkPurpose } from '../core/account-link.ts';
import type { MailData, MailKind, MailStatus, NewMail, OutboxMail } from '../core/mail-message.ts';
import { normalizeEmail } from '../core/types.ts';
import type { MailOutcome } from '../core/mail-store.ts';
import type { AccountLinksTable, Database, MailOutboxTable } from './schema.ts';

/**
 * The SQL of the mail outbox and of e-mailed links ({@link MailStore}, {@link LinkStore}), as
 * functions of a Kysely instance so that the store (and a transaction of it) can call them.
 * Only `claimMail` differs between the databases: PostgreSQL skips rows another instance is claiming.
 */
export const mailQueries = {
  async enqueue(db: Kysely<Database>, mails: readonly NewMail[]): Promise<void> {
    if (mails.length === 0) return;
    await db
      .insertInto('mail_outbox')
      .values(mails.map((m) => ({
        id: m.id,
        kind: m.kind,
        user_id: m.userId,
        to_address: m.to,
        locale: m.locale,
        data: JSON.stringify(m.data),
        created_at: m.createdAt,
        status: 'pending',
        attempts: 0,
        next_attempt_at: m.createdAt,
        lease_until: null,
        sent_at: null,
        last_error: null,
      })))
      .execute();
  },

  async claim(db: Kysely<Database>, now: number, leaseUntil: number, limit: number, skipLocked: boolean): Promise<OutboxMail[]> {
    let due = db
      .selectFrom('mail_outbox')
      .select('id')
      .where('status', '=', 'pending')
      .where('next_attempt_at', '<=', now)
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<=', now)]))
      .orderBy('next_attempt_at')
      .orderBy('id')
      .limit(limit);
    if (skipLocked) due = due.forUpdate().skipLocked();
    const rows = await db
      .updateTable('mail_outbox')
      .set((eb) => ({ lease_until: leaseUntil, attempts: eb('attempts', '+', 1) }))
      .where('id', 'in', due)
      .returningAll()
      .execute();
    return rows.map(toMail).sort((a, b) => a.nextAttemptAt - b.nextAttemptAt || a.createdAt - b.createdAt);
  },

  async finish(db: Kysely<Database>, id: string, attempt: number, outcome: MailOutcome): Promise<boolean> {
    const values =
      'at' in outcome
        ? { status: outcome.status, sent_at: outcome.at, lease_until: null, last_error: outcome.note ?? null }
        : { status: outcome.status, next_attempt_at: outcome.nextAttemptAt, lease_until: null, last_error: outcome.error.slice(0, 500) };
    const result = await db
      .updateTable('mail_outbox')
      .set(values)
      .where('id', '=', id)
      .where('attempts', '=', attempt)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  },

  async list(db: Kysely<Database>, limit: number, statuses?: readonly MailStatus[]): Promise<OutboxMail[]> {
    let query = db.selectFrom('mail_outbox').selectAll();
    if (statuses && statuses.length > 0) query = query.where('status', 'in', statuses);
    return (await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute()).map(toMail);
  },

  async retry(db: Kysely<Database>, now: number, id?: string): Promise<number> {
    let query = db
      .updateTable('mail_outbox')
      .set({ status: 'pending', attempts: 0, next_attempt_at: now, lease_until: null })
      .where('status', '=', 'failed');
    if (id !== undefined) query = query.where('id', '=', id);
    return Number((await query.executeTakeFirst()).numUpdatedRows);
  },

  async sweep(db: Kysely<Database>, before: number, batch: number): Promise<number> {
    const rows = await db
      .selectFrom('mail_outbox')
      .select('id')
      .where('created_at', '<', before)
      .where('status', '!=', 'pending')
      .orderBy('created_at')
      .limit(batch)
      .execute();
    if (rows.length === 0) return 0;
    const result = await db.deleteFrom('mail_outbox').where('id', 'in', rows.map((r) => r.id)).executeTakeFirst();
    return Number(result.numDeletedRows);
  },
};

/** The SQL of {@link LinkStore}. */
export const linkQueries = {
  /** Call inside a transaction: it reads, then writes. */
  async insert(db: Kysely<Database>, link: AccountLink): Promise<void> {
    if (await linkQueries.find(db, link.id)) return;
    const newer = await db
      .selectFrom('account_links')
      .select('id')
      .where('user_id', '=', link.userId)
      .where('purpose', '=', link.purpose)
      .where('created_at', '>', link.createdAt)
      .executeTakeFirst();
    await db
      .updateTable('account_links')
      .set({ used_at: link.createdAt })
      .where('user_id', '=', link.userId)
      .where('purpose', '=', link.purpose)
      .where('used_at', 'is', null)
      .where('created_at', '<=', link.createdAt)
      .execute();
    await db
      .insertInto('account_links')
      .values({
        id: link.id,
        user_id: link.userId,
        purpose: link.purpose,
        nonce: link.nonce,
        email: link.email,
        created_at: link.createdAt,
        expires_at: link.expiresAt,
        used_at: newer ? link.createdAt : link.usedAt,
      })
      .execute();
  },

  async find(db: Kysely<Database>, id: string): Promise<AccountLink | undefined> {
    const row = await db.selectFrom('account_links').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toLink(row);
  },

  async consume(db: Kysely<Database>, id: string, at: number): Promise<boolean> {
    const result = await db.updateTable('account_links').set({ used_at: at }).where('id', '=', id).where('used_at', 'is', null).executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  },

  async retire(db: Kysely<Database>, userId: string, purposes: readonly LinkPurpose[], at: number): Promise<number> {
    if (purposes.length === 0) return 0;
    const result = await db
      .updateTable('account_links')
      .set({ used_at: at })
      .where('user_id', '=', userId)
      .where('purpose', 'in', purposes)
      .where('used_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  },

  async setEmailVerified(db: Kysely<Database>, userId: string, at: number | null): Promise<boolean> {
    const result = await db.updateTable('users').set({ email_verified_at: at }).where('id', '=', userId).executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  },

  async setLocale(db: Kysely<Database>, userId: string, locale: string): Promise<void> {
    await db.updateTable('users').set({ locale }).where('id', '=', userId).execute();
  },

  /** Call inside a transaction. */
  async changeEmail(db: Kysely<Database>, userId: string, email: string, verifiedAt: number): Promise<boolean> {
    const normalized = normalizeEmail(email);
    const taken = await db.selectFrom('users').select('id').where('email_normalized', '=', normalized).where('id', '!=', userId).executeTakeFirst();
    if (taken) return false;
    try {
      const result = await db
        .updateTable('users')
        .set({ email, email_normalized: normalized, email_verified_at: verifiedAt })
        .where('id', '=', userId)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    } catch (err) {
      if (isUniqueViolation(err)) return false; // another account took the address meanwhile
      throw err;
    }
  },

  async sweep(db: Kysely<Database>, before: number, batch: number): Promise<number> {
    const rows = await db.selectFrom('account_links').select('id').where('expires_at', '<', before).orderBy('expires_at').limit(batch).execute();
    if (rows.length === 0) return 0;
    const result = await db.deleteFrom('account_links').where('id', 'in', rows.map((r) => r.id)).executeTakeFirst();
    return Number(result.numDeletedRows);
  },
};

function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}

function toMail(r: Selectable<MailOutboxTable>): OutboxMail {
  return {
    id: r.id,
    kind: r.kind as MailKind,
    userId: r.user_id,
    to: r.to_address,
    locale: r.locale,
    data: JSON.parse(r.data) as MailData,
    createdAt: Number(r.created_at),
    status: r.status as MailStatus,
    attempts: Number(r.attempts),
    nextAttemptAt: Number(r.next_attempt_at),
    leaseUntil: r.lease_until === null ? null : Number(r.lease_until),
    sentAt: r.sent_at === null ? null : Number(r.sent_at),
    lastError: r.last_error,
  };
}

function toLink(r: Selectable<AccountLinksTable>): AccountLink {
  return {
    id: r.id,
    userId: r.user_id,
    purpose: r.purpose as LinkPurpose,
    nonce: r.nonce,
    email: r.email,
    createdAt: Number(r.created_at),
    expiresAt: Number(r.expires_at),
    usedAt: r.used_at === null ? null : Number(r.used_at),
  };
}
