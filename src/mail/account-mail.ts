import type { Config } from '../config.ts';
import { LinkTokenCodec } from '../core/account-link.ts';
import type { Auth } from '../core/auth.ts';
import type { Clock } from '../core/clock.ts';
import { AccountOperator } from '../core/account-operator.ts';
import { EmailChange } from '../core/email-change.ts';
import { EmailVerification } from '../core/email-verification.ts';
import { MailLinks } from '../core/mail-links.ts';
import { PasswordReset } from '../core/password-reset.ts';
import type { PasswordHasher } from '../core/passwords.ts';
import type { ServerSecret } from '../core/server-secret.ts';
import { MailSender } from '../delivery/mail-sender.ts';
import type { AccountMailServices } from '../http/account-mail-routes.ts';
import { MailRequestThrottle } from '../rate-limit/mail-request-throttle.ts';
import type { RateLimiter } from '../rate-limit/rate-limiter.ts';
import type { Store } from '../core/store.ts';
import { diskOutbox, type OutboxLog } from './disk-outbox.ts';
import { MailComposer } from './mail-composer.ts';
import { smtpTransport } from './smtp-transport.ts';
import { MailTemplates } from './templates.ts';
import type { MailTransport } from './transport.ts';

interface Wiring {
  readonly store: Store;
  readonly clock: Clock;
  readonly secret: ServerSecret;
  readonly auth: Auth;
  readonly limiter: RateLimiter;
  /** The password hasher of the core (shared, so its concurrency bound holds for every flow). */
  readonly passwords: PasswordHasher;
}

/**
 * Wires latchkey's e-mail: the flows (reset, verification, e-mail change), the transport (SMTP when
 * `LATCHKEY_SMTP_URL` is set, else the on-disk outbox), and a factory for the outbox's sender.
 *
 * @example
 * const mail = accountMail(config, { store, clock, secret, auth, limiter })
 * mail.sender(app.log).start()
 */
export function accountMail(config: Config, w: Wiring) {
  const links = new LinkTokenCodec(w.secret.linkMacKey);
  const { passwords } = w;
  const flow = { store: w.store, clock: w.clock, links, auth: w.auth };
  const verification = new EmailVerification(flow);
  const services: AccountMailServices = {
    reset: new PasswordReset({ ...flow, passwords }),
    verification,
    operator: new AccountOperator({ ...flow, passwords, verification }),
    emailChange: new EmailChange({ ...flow, passwords }),
    throttle: new MailRequestThrottle(w.limiter, config.mail.requestsPerEmail, config.mail.requestsPerIp),
  };
  const log: { current?: OutboxLog } = {};
  const transport: MailTransport = config.mail.smtpUrl
    ? smtpTransport(config.mail.smtpUrl)
    : diskOutbox(config.mail.outboxDir, { info: (fields, message) => log.current?.info(fields, message) });
  const composer = new MailComposer(
    new MailLinks(w.store, links, config.mail.linkLifetimes, w.clock),
    new MailTemplates(config.mail.templatesDir),
    { issuer: config.issuer, from: config.mail.from },
  );
  return {
    services,
    transport,
    composer,
    /** The outbox's sender, logging to `logger`. */
    sender(logger: OutboxLog & { warn(f: object, m: string): void; error(f: object, m: string): void }, pollMs?: number): MailSender {
      log.current = logger;
      return new MailSender({
        store: w.store,
        composer,
        transport,
        clock: w.clock,
        lease: config.mail.lease,
        retryDelay: config.mail.retryDelay,
        maxAttempts: config.mail.maxAttempts,
        pollMs,
        log: logger,
      });
    },
  };
}
