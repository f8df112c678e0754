import { Migrator, sql, type Kysely, type Transaction } from 'kysely';
import type { EventType, RevokeReason } from '../contract/index.ts';
import { normalizeEmail, type SecurityEvent, type Session, type UserRecord } from '../core/types.ts';
import { migrationProvider } from './migrations.ts';
import { eventRow, sessionRow, toEvent, toSession, toSessionWithUser, toUser } from './rows.ts';
import type { Database } from './schema.ts';
import type { NewEvent, Rotation, RotationUpdate, SessionWithUser, Store, StoredSigningKey, SweepLimits, UserPatch } from '../core/store.ts';
import type { AccountLink, LinkPurpose } from '../core/account-link.ts';
import type { MailStatus, NewMail, OutboxMail } from '../core/mail-message.ts';
import { linkQueries, mailQueries } from './mail-queries.ts';
import { sweepGarbage } from './sweep-queries.ts';
import type { MailOutcome } from '../core/mail-store.ts';

/**
 * The one Store implementation, for every dialect Kysely speaks here (SQLite and PostgreSQL).
 * What differs between the databases is decided where the Kysely instance is made
 * (store/sqlite.ts, store/postgres.ts), never in here.
 */
export class KyselyStore implements Store {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly onClose: () => Promise<void> = async () => {},
  ) {}

  /**
   * The Kysely instance: for a dialect's own store (store/postgres-store.ts) to override a method with
   * SQL of its own, for the OAuth tables (src/oauth/kysely-oauth-store.ts), and for the delivery
   * pipeline (src/delivery/) to read its tables on the same pool.
   */
  get database(): Kysely<Database> {
    return this.db;
  }

  /** Brings the schema up to date. Safe when several instances start at once (Kysely's migration lock). */
  async migrate(): Promise<void> {
    const { error, results } = await new Migrator({ db: this.db, provider: migrationProvider }).migrateToLatest();
    const failed = results?.find((r) => r.status === 'Error');
    if (error || failed) {
      throw new Error(`migration ${failed?.migrationName ?? ''} failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  async transaction<T>(work: (store: Store) => Promise<T>): Promise<T> {
    if (this.db.isTransaction) return work(this);
    return this.db.transaction().execute((trx: Transaction<Database>) => work(new KyselyStore(trx)));
  }

  async createUser(user: UserRecord): Promise<boolean> {
    const result = await this.db
      .insertInto('users')
      .values({
        id: user.id,
        email: user.email,
        email_normalized: normalizeEmail(user.email),
        name: user.name,
        password_hash: user.passwordHash,
        created_at: user.createdAt,
        disabled_at: user.disabledAt,
        roles: user.roles.join(' '),
        email_verified_at: user.emailVerifiedAt ?? null,
        locale: user.locale ?? null,
      })
      .onConflict((oc) => oc.column('email_normalized').doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
  }

  async findUserByEmail(normalizedEmail: string): Promise<UserRecord | undefined> {
    const row = await this.db.selectFrom('users').selectAll().where('email_normalized', '=', normalizedEmail).executeTakeFirst();
    return row && toUser(row);
  }

  async findUserById(id: string): Promise<UserRecord | undefined> {
    const row = await this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toUser(row);
  }

  async updateUser(id: string, patch: UserPatch): Promise<boolean> {
    const values = {
      ...(patch.passwordHash !== undefined && { password_hash: patch.passwordHash }),
      ...(patch.disabledAt !== undefined && { disabled_at: patch.disabledAt }),
      ...(patch.roles !== undefined && { roles: patch.roles.join(' ') }),
    };
    if (Object.keys(values).length === 0) return (await this.findUserById(id)) !== undefined;
    const credential = patch.passwordHash !== undefined || patch.disabledAt !== undefined;
    const result = await this.db
      .updateTable('users')
      .set(credential ? { ...values, credential_version: sql<number>`credential_version + 1` } : values)
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async holdCredential(userId: string, credentialVersion: number): Promise<boolean> {
    const result = await this.db
      .updateTable('users')
      .set({ credential_version: credentialVersion })
      .where('id', '=', userId)
      .where('credential_version', '=', credentialVersion)
      .where('disabled_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async listUsers(limit: number, offset: number): Promise<UserRecord[]> {
    const rows = await this.db.selectFrom('users').selectAll().orderBy('created_at').orderBy('id').limit(limit).offset(offset).execute();
    return rows.map(toUser);
  }

  async insertSession(s: Session): Promise<void> {
    await this.db
      .insertInto('sessions')
      .values(sessionRow(s))
      .execute();
  }

  async findSession(id: string): Promise<Session | undefined> {
    const row = await this.db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toSession(row);
  }

  async findSessionWithUser(id: string): Promise<SessionWithUser | undefined> {
    const row = await this.db
      .selectFrom('sessions as s')
      .innerJoin('users as u', 'u.id', 's.user_id')
      .selectAll('s')
      .select([
        'u.email as u_email',
        'u.email_normalized as u_email_normalized',
        'u.name as u_name',
        'u.password_hash as u_password_hash',
        'u.created_at as u_created_at',
        'u.disabled_at as u_disabled_at',
        'u.roles as u_roles',
        'u.credential_version as u_credential_version',
        'u.email_verified_at as u_email_verified_at',
        'u.locale as u_locale',
      ])
      .where('s.id', '=', id)
      .executeTakeFirst();
    return row ? toSessionWithUser(row) : undefined;
  }

  async listLiveSessions(userId: string, now: number): Promise<Session[]> {
    const rows = await this.db
      .selectFrom('sessions')
      .selectAll()
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', now)
      .orderBy('last_active_at', 'desc')
      .orderBy('id')
      .execute();
    return rows.map(toSession);
  }

  async refreshSession(id: string, decide: (found: SessionWithUser | undefined) => Rotation | undefined): Promise<boolean> {
    const rotation = decide(await this.findSessionWithUser(id));
    return rotation !== undefined && this.rotateSession(id, rotation.fromCounter, rotation.update, rotation.events);
  }

  async rotateSession(id: string, fromCounter: number, update: RotationUpdate, events: readonly NewEvent[]): Promise<boolean> {
    return this.transaction(async (store) => {
      const result = await (store as KyselyStore).db
        .updateTable('sessions')
        .set({
          counter: fromCounter + 1,
          rotated_at: update.at,
          last_active_at: update.at,
          last_ip: update.lastIp,
          expires_at: update.expiresAt,
        })
        .where('id', '=', id)
        .where('counter', '=', fromCounter)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      const won = Number(result.numUpdatedRows) === 1;
      if (won) await store.insertEvents(events);
      return won;
    });
  }

  async noteSessionUse(id: string, use: { readonly at: number; readonly lastIp: string }, events: readonly NewEvent[]): Promise<void> {
    await this.transaction(async (store) => {
      await (store as KyselyStore).db
        .updateTable('sessions')
        .set({ last_ip: use.lastIp, last_active_at: use.at })
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .execute();
      await store.insertEvents(events);
    });
  }

  async revokeSessions(ids: readonly string[], reason: RevokeReason, at: number): Promise<string[]> {
    if (ids.length === 0) return [];
    const rows = await this.db
      .updateTable('sessions')
      .set({ revoked_at: at, revoke_reason: reason })
      .where('id', 'in', ids)
      .where('revoked_at', 'is', null)
      .returning('id')
      .execute();
    return rows.map((r) => r.id);
  }

  async insertEvents(events: readonly NewEvent[]): Promise<void> {
    if (events.length === 0) return;
    await this.db
      .insertInto('events')
      .values(events.map(eventRow))
      .execute();
  }

  async listEvents(userId: string, limit: number, types?: readonly EventType[]): Promise<SecurityEvent[]> {
    let query = this.db.selectFrom('events').selectAll().where('user_id', '=', userId);
    if (types) query = types.length > 0 ? query.where('type', 'in', types) : query.where(sql<boolean>`1 = 0`);
    const rows = await query.orderBy('at', 'desc').orderBy('id', 'desc').limit(limit).execute();
    return rows.map(toEvent);
  }

  async rememberDevice(userId: string, fingerprint: string, at: number): Promise<boolean> {
    const result = await this.db
      .insertInto('user_devices')
      .values({ user_id: userId, fingerprint, first_seen_at: at })
      .onConflict((oc) => oc.columns(['user_id', 'fingerprint']).doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
  }

  async listSigningKeys(): Promise<StoredSigningKey[]> {
    const rows = await this.db.selectFrom('signing_keys').selectAll().orderBy('created_at', 'desc').orderBy('kid').execute();
    return rows.map((r) => ({
      kid: r.kid,
      alg: r.alg,
      publicJwk: r.public_jwk,
      privateKey: r.private_key,
      createdAt: Number(r.created_at),
      retiredAt: r.retired_at === null ? null : Number(r.retired_at),
    }));
  }

  async addSigningKey(key: StoredSigningKey): Promise<void> {
    await this.transaction(async (store) => {
      const db = (store as KyselyStore).db;
      await db.updateTable('signing_keys').set({ retired_at: key.createdAt }).where('retired_at', 'is', null).execute();
      await db
        .insertInto('signing_keys')
        .values({
          kid: key.kid,
          alg: key.alg,
          public_jwk: key.publicJwk,
          private_key: key.privateKey,
          created_at: key.createdAt,
          retired_at: key.retiredAt,
        })
        .execute();
    });
  }

  /** Garbage by index range, oldest first: see store/sweep-queries.ts. */
  sweep(limits: SweepLimits): Promise<{ sessions: number; events: number; keys: number }> {
    return sweepGarbage(this.db, limits);
  }

  // The mail outbox and e-mailed links (issue 13): SQL in store/mail-queries.ts.
  enqueueMail(mails: readonly NewMail[]): Promise<void> { return mailQueries.enqueue(this.db, mails); }
  claimMail(now: number, leaseUntil: number, limit: number): Promise<OutboxMail[]> { return mailQueries.claim(this.db, now, leaseUntil, limit, false); }
  finishMail(id: string, attempt: number, outcome: MailOutcome): Promise<boolean> { return mailQueries.finish(this.db, id, attempt, outcome); }
  listMail(limit: number, statuses?: readonly MailStatus[]): Promise<OutboxMail[]> { return mailQueries.list(this.db, limit, statuses); }
  retryMail(now: number, id?: string): Promise<number> { return mailQueries.retry(this.db, now, id); }
  sweepMail(before: number, batch: number): Promise<number> { return mailQueries.sweep(this.db, before, batch); }
  insertLink(link: AccountLink): Promise<void> { return this.transaction((s) => linkQueries.insert((s as KyselyStore).db, link)); }
  findLink(id: string): Promise<AccountLink | undefined> { return linkQueries.find(this.db, id); }
  consumeLink(id: string, at: number): Promise<boolean> { return linkQueries.consume(this.db, id, at); }
  retireLinks(userId: string, purposes: readonly LinkPurpose[], at: number): Promise<number> { return linkQueries.retire(this.db, userId, purposes, at); }
  setEmailVerified(userId: string, at: number | null): Promise<boolean> { return linkQueries.setEmailVerified(this.db, userId, at); }
  setLocale(userId: string, locale: string): Promise<void> { return linkQueries.setLocale(this.db, userId, locale); }
  changeEmail(userId: string, email: string, verifiedAt: number): Promise<boolean> {
    return this.transaction((s) => linkQueries.changeEmail((s as KyselyStore).db, userId, email, verifiedAt));
  }
  sweepLinks(before: number, batch: number): Promise<number> { return linkQueries.sweep(this.db, before, batch); }

  async ping(): Promise<void> {
    await sql`select 1`.execute(this.db);
  }

  async close(): Promise<void> {
    await this.db.destroy();
    await this.onClose();
  }
}
