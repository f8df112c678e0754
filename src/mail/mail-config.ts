import path from 'node:path';
import { limit, type Limit, type SettingsReader } from '../config.ts';
import { ALERT_NAMES, type AlertName } from '../core/mail-plan.ts';
import type { LinkLifetimes } from '../core/mail-links.ts';

/** E-mail settings, read once at start with the rest (src/config.ts). */
export interface MailConfig {
  /** `LATCHKEY_SMTP_URL` (`smtp://` or `smtps://`, with user and password if the server wants them). Unset: the on-disk outbox. */
  readonly smtpUrl: string | undefined;
  /** `LATCHKEY_MAIL_FROM` (default `latchkey <no-reply@<issuer host>>`). */
  readonly from: string;
  /** `LATCHKEY_MAIL_DIR`: the on-disk outbox (default `<data dir>/mail`). */
  readonly outboxDir: string;
  /** `LATCHKEY_MAIL_TEMPLATES`: a directory whose files override the built-in templates. */
  readonly templatesDir: string | undefined;
  /** `LATCHKEY_MAIL_ALERTS`: alert e-mails that are on (default all; `none` for none). */
  readonly alerts: ReadonlySet<AlertName>;
  /** `LATCHKEY_REQUIRE_VERIFIED_EMAIL` (default false): refuse logins until the address is verified. */
  readonly requireVerifiedEmail: boolean;
  readonly linkLifetimes: LinkLifetimes;
  /** `LATCHKEY_MAIL_RETRY_DELAY`: seconds before the first retry; each next one waits twice as long, at most an hour (default 10). */
  readonly retryDelay: number;
  /** `LATCHKEY_MAIL_MAX_ATTEMPTS`: attempts before a message is `failed` (default 12, about 6 hours). */
  readonly maxAttempts: number;
  /** `LATCHKEY_MAIL_LEASE`: seconds a sender holds a message it is sending; then another may (default 60). */
  readonly lease: number;
  /** `LATCHKEY_MAIL_REQUEST_EMAIL_{LIMIT,WINDOW}`: reset / verification requests per address (default 5 per hour). */
  readonly requestsPerEmail: Limit;
  /** `LATCHKEY_MAIL_REQUEST_IP_{LIMIT,WINDOW}`: reset / verification requests per client IP (default 30 per hour). */
  readonly requestsPerIp: Limit;
}

/** @throws ConfigError naming the first bad mail setting */
export function loadMailConfig(read: SettingsReader, issuer: string, dataDir: string): MailConfig {
  const host = new URL(issuer).hostname.replace(/^\[|\]$/g, '') || 'localhost';
  const alerts = read.list('LATCHKEY_MAIL_ALERTS', [...ALERT_NAMES]);
  const on = alerts.length === 1 && alerts[0] === 'none' ? [] : alerts;
  for (const name of on) {
    if (!(ALERT_NAMES as readonly string[]).includes(name)) {
      read.bad('LATCHKEY_MAIL_ALERTS', `"${name}" is not one of ${ALERT_NAMES.join(', ')} (or "none")`);
    }
  }
  return Object.freeze({
    smtpUrl: read.optional('LATCHKEY_SMTP_URL', (v) => /^smtps?:\/\/[^\s]+$/.test(v) && URL.canParse(v), 'an smtp:// or smtps:// URL'),
    from: read.match('LATCHKEY_MAIL_FROM', /^[^\r\n]{3,200}$/, `latchkey <no-reply@${host}>`),
    outboxDir: path.resolve(read.string('LATCHKEY_MAIL_DIR', path.join(dataDir, 'mail'))),
    templatesDir: read.optional('LATCHKEY_MAIL_TEMPLATES', (v) => v.length > 0, 'a directory'),
    alerts: new Set(on as AlertName[]),
    requireVerifiedEmail: read.bool('LATCHKEY_REQUIRE_VERIFIED_EMAIL', false),
    linkLifetimes: Object.freeze({
      reset: read.int('LATCHKEY_RESET_LINK_TTL', 1800, 60, 86_400),
      verify: read.int('LATCHKEY_VERIFY_LINK_TTL', 86_400, 60, 30 * 86_400),
    }),
    retryDelay: read.int('LATCHKEY_MAIL_RETRY_DELAY', 10, 1, 3600),
    maxAttempts: read.int('LATCHKEY_MAIL_MAX_ATTEMPTS', 12, 1, 100),
    lease: read.int('LATCHKEY_MAIL_LEASE', 60, 1, 3600),
    requestsPerEmail: limit(read, 'MAIL_REQUEST_EMAIL', { limit: 5, window: 3600 }),
    requestsPerIp: limit(read, 'MAIL_REQUEST_IP', { limit: 30, window: 3600 }),
  });
}
