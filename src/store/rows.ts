import { randomUUID } from 'node:crypto';
import type { Insertable, Selectable } from 'kysely';
import type { EventType, RevokeReason } from '../contract/index.ts';
import type { NewEvent } from '../core/store.ts';
import type { DeviceType, SecurityEvent, Session, UserRecord } from '../core/types.ts';
import type { EventsTable, SessionsTable, UsersTable } from './schema.ts';

/**
 * The one mapping between the core's records and table rows, for every store of every dialect
 * (store/kysely-store.ts, store/postgres-store.ts). BIGINT columns may arrive as strings from some
 * drivers, so numbers are read through `Number`.
 */

/** The row of a new event; a missing id gets a fresh UUID. */
export function eventRow(e: NewEvent): Insertable<EventsTable> & { id: string; detail: string | null } {
  return {
    id: e.id ?? randomUUID(),
    user_id: e.userId,
    type: e.type,
    at: e.at,
    session_id: e.sessionId,
    ip: e.ip,
    user_agent: e.userAgent,
    detail: e.detail ? JSON.stringify(e.detail) : null,
  };
}

export function sessionRow(s: Session): Insertable<SessionsTable> {
  return {
    id: s.id,
    user_id: s.userId,
    nonce: s.nonce,
    counter: s.counter,
    created_at: s.createdAt,
    last_active_at: s.lastActiveAt,
    rotated_at: s.rotatedAt,
    expires_at: s.expiresAt,
    user_agent: s.userAgent,
    browser: s.device.browser,
    os: s.device.os,
    device_type: s.device.type,
    ip: s.ip,
    last_ip: s.lastIp,
    device_id: s.deviceId,
    revoked_at: s.revokedAt,
    revoke_reason: s.revokeReason,
    client_id: s.clientId ?? null,
    scope: s.scope ?? null,
  };
}

export function toUser(r: Selectable<UsersTable>): UserRecord {
  return {
    id: r.id,
    email: r.email,
    name: r.name,
    createdAt: Number(r.created_at),
    disabledAt: r.disabled_at === null ? null : Number(r.disabled_at),
    roles: r.roles ? r.roles.split(' ') : [],
    passwordHash: r.password_hash,
    credentialVersion: Number(r.credential_version),
    emailVerifiedAt: r.email_verified_at === null || r.email_verified_at === undefined ? null : Number(r.email_verified_at),
    locale: r.locale ?? null,
  };
}

export function toSession(r: Selectable<SessionsTable>): Session {
  return {
    id: r.id,
    userId: r.user_id,
    nonce: r.nonce,
    counter: Number(r.counter),
    createdAt: Number(r.created_at),
    lastActiveAt: Number(r.last_active_at),
    rotatedAt: r.rotated_at === null ? null : Number(r.rotated_at),
    expiresAt: Number(r.expires_at),
    userAgent: r.user_agent,
    device: { browser: r.browser, os: r.os, type: r.device_type as DeviceType },
    ip: r.ip,
    lastIp: r.last_ip,
    deviceId: r.device_id,
    revokedAt: r.revoked_at === null ? null : Number(r.revoked_at),
    revokeReason: r.revoke_reason as RevokeReason | null,
    ...(r.client_id !== null && { clientId: r.client_id, scope: r.scope }),
  };
}

export function toEvent(r: Selectable<EventsTable>): SecurityEvent {
  return {
    id: r.id,
    userId: r.user_id,
    type: r.type as EventType,
    at: Number(r.at),
    sessionId: r.session_id,
    ip: r.ip,
    userAgent: r.user_agent,
    detail: r.detail ? (JSON.parse(r.detail) as SecurityEvent['detail']) : null,
  };
}

/** A row of sessions joined with its user, the user's columns prefixed `u_` (store.findSessionWithUser). */
export type SessionWithUserRow = Selectable<SessionsTable> & {
  u_email: string;
  u_email_normalized: string;
  u_name: string | null;
  u_password_hash: string;
  u_created_at: number | string;
  u_disabled_at: number | string | null;
  u_roles: string;
  u_email_verified_at: number | string | null;
  u_locale: string | null;
  u_credential_version?: number | string;
};

export function toSessionWithUser(row: SessionWithUserRow): { session: Session; user: UserRecord } {
  const user = toUser({
    id: row.user_id,
    email: row.u_email,
    email_normalized: row.u_email_normalized,
    name: row.u_name,
    password_hash: row.u_password_hash,
    created_at: row.u_created_at as number,
    disabled_at: row.u_disabled_at as number | null,
    roles: row.u_roles,
    credential_version: Number(row.u_credential_version ?? 0),
    email_verified_at: row.u_email_verified_at === null ? null : Number(row.u_email_verified_at),
    locale: row.u_locale,
  });
  return { session: toSession(row), user };
}

/**
 * The refresh path's statements as SQL text, for the stores that keep them prepared for their whole
 * life (store/sqlite-store.ts, store/postgres-store.ts); `$n` placeholders (PostgreSQL's; SQLite
 * reads them as numbered parameters). The same queries as KyselyStore's builders.
 */
export const HOT_SQL = {
  findSessionWithUser: `SELECT s.*, u.email AS u_email, u.email_normalized AS u_email_normalized, u.name AS u_name,
      u.password_hash AS u_password_hash, u.created_at AS u_created_at, u.disabled_at AS u_disabled_at, u.roles AS u_roles,
      u.email_verified_at AS u_email_verified_at, u.locale AS u_locale, u.credential_version AS u_credential_version
    FROM sessions AS s INNER JOIN users AS u ON u.id = s.user_id WHERE s.id = $1`,
  rotateSession: `UPDATE sessions SET counter = $1, rotated_at = $2, last_active_at = $2, last_ip = $3, expires_at = $4
    WHERE id = $5 AND counter = $6 AND revoked_at IS NULL`,
  insertEvent: 'INSERT INTO events (id, user_id, type, at, session_id, ip, user_agent, detail) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)',
} as const;
