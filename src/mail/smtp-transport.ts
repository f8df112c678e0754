import nodemailer from 'nodemailer';
import { nodemailerMessage, type MailTransport, type OutgoingMail } from './transport.ts';

/** How long one SMTP exchange may take (ms); kept well under the outbox lease. */
export const SMTP_TIMEOUT_MS = 20_000;

/**
 * Sends through the SMTP server at `url` (`smtp://user:pass@host:587`, `smtps://...:465`; STARTTLS
 * when the server offers it) with a small connection pool. Errors name the failure, never the
 * credentials of the URL.
 *
 * @example
 * const transport = smtpTransport('smtps://latchkey:secret@mail.example.com')
 */
export function smtpTransport(url: string): MailTransport {
  // Timeouts: a server that accepts the connection and then stalls cannot hold a message for long.
  const mailer = nodemailer.createTransport({
    url,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: SMTP_TIMEOUT_MS,
  });
  return {
    kind: 'smtp',
    async send(mail: OutgoingMail) {
      try {
        await mailer.sendMail(nodemailerMessage(mail));
      } catch (err) {
        throw new Error(describeSmtpError(err));
      }
    },
    async close() {
      mailer.close();
    },
  };
}

/** What went wrong, in one line without the URL (which may hold a password). */
function describeSmtpError(err: unknown): string {
  const e = err as { code?: string; responseCode?: number; command?: string; message?: string };
  const parts = [e.code, e.responseCode && `SMTP ${e.responseCode}`, e.command && `at ${e.command}`].filter(Boolean);
  const message = (e.message ?? String(err)).replace(/[a-z]+s?:\/\/[^\s]+/gi, '[url]').slice(0, 200);
  return `${parts.join(' ')}${parts.length ? ': ' : ''}${message}`;
}
