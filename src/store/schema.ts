import type { Generated } from 'kysely';

/** The tables as Kysely sees them. Times are epoch milliseconds in BIGINT columns. */
export interface Database {
  users: UsersTable;
  sessions: SessionsTable;
  events: EventsTable;
  user_devices: UserDevicesTable;
  signing_keys: SigningKeysTable;
  account_links: AccountLinksTable;
  mail_outbox: MailOutboxTable;
}

export interface UsersTable {
  id: string;
  email: string;
  email_normalized: string;
  name: string | null;
  password_hash: string;
  created_at: number;
  disabled_at: number | null;
  /** Space-separated role names. */
  roles: Generated<string>;
  /** Bumped by every change of `password_hash` or `disabled_at`. */
  credential_version: Generated<number>;
  email_verified_at: Generated<number | null>;
  locale: Generated<string | null>;
}

export interface SessionsTable {
  id: string;
  user_id: string;
  nonce: string;
  counter: number;
  created_at: number;
  last_active_at: number;
  rotated_at: number | null;
  expires_at: number;
  user_agent: string;
  browser: string;
  os: string;
  device_type: string;
  ip: string;
  last_ip: string;
  device_id: string | null;
  revoked_at: number | null;
  revoke_reason: string | null;
  /** Added by migration 2026-11-30-016: the OAuth client of a session started by a code exchange. */
  client_id: string | null;
  scope: string | null;
}

export interface EventsTable {
  id: string;
  user_id: string;
  type: string;
  at: number;
  session_id: string | null;
  ip: string | null;
  user_agent: string | null;
  /** JSON text. */
  detail: string | null;
}

export interface UserDevicesTable {
  user_id: string;
  fingerprint: string;
  first_seen_at: number;
}

export interface SigningKeysTable {
  kid: string;
  alg: string;
  public_jwk: string;
  private_key: string;
  created_at: number;
  retired_at: number | null;
}

export interface AccountLinksTable {
  id: string;
  user_id: string;
  purpose: string;
  nonce: string;
  email: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

export interface MailOutboxTable {
  id: string;
  kind: string;
  user_id: string | null;
  to_address: string;
  locale: string;
  /** JSON text. */
  data: string;
  created_at: number;
  status: string;
  attempts: Generated<number>;
  next_attempt_at: number;
  lease_until: number | null;
  sent_at: number | null;
  last_error: string | null;
}
