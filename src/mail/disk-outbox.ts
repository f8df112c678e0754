import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { nodemailerMessage, type MailTransport, type OutgoingMail } from './transport.ts';

/** Where the on-disk outbox tells of each message it writes (the server's logger). */
export interface OutboxLog {
  info(fields: object, message: string): void;
}

/**
 * The default when no SMTP server is set: every message becomes an `.eml` file in `dir` (readable by
 * any mail client, or as text), and one log line names the file and the link inside it, so a
 * developer can follow a reset or a verification on a laptop with no mail server. A message sent
 * again (after a restart) overwrites its own file: the name comes from the message, not the time
 * of writing. Files are written aside and renamed into place, so a reader never sees half a message.
 *
 * This log line holds the link: it is meant for development. Set `LATCHKEY_SMTP_URL` in production.
 *
 * @example
 * const transport = diskOutbox('./data/mail', app.log)
 */
export function diskOutbox(dir: string, log?: OutboxLog): MailTransport {
  const composer = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' });
  return {
    kind: 'disk',
    async send(mail: OutgoingMail) {
      const info = await composer.sendMail(nodemailerMessage(mail));
      const file = path.join(dir, `${mail.label.replace(/[^A-Za-z0-9_.-]/g, '-')}.eml`);
      await mkdir(dir, { recursive: true });
      const aside = `${file}.${process.pid}.tmp`;
      await writeFile(aside, info.message as Buffer, { mode: 0o600 });
      await rename(aside, file);
      log?.info({ file, to: mail.to, ...(mail.link && { link: mail.link }) }, `mail written to ${file}${mail.link ? `; its link: ${mail.link}` : ''}`);
    },
    async close() {},
  };
}
