import type { MailLinks } from '../core/mail-links.ts';
import type { OutboxMail } from '../core/mail-message.ts';
import { formatTime, isMailLocale, PHRASES } from './locale.ts';
import type { MailTemplates } from './templates.ts';
import type { OutgoingMail } from './transport.ts';

export interface ComposerOptions {
  /** The issuer: links point to `<issuer>/account`. */
  readonly issuer: string;
  /** The From header. */
  readonly from: string;
}

function known(value: string | undefined): boolean {
  return value !== undefined && value !== '' && value !== 'Unknown';
}

/**
 * Turns an outbox row into the message a transport sends: makes its link (core/mail-links.ts),
 * picks the user's language, fills the template. The Message-ID is `<row id@issuer host>`, the same
 * on every attempt, so a message delivered twice (a crash between sending and recording it) is
 * recognisable as one.
 */
export class MailComposer {
  readonly #host: string;

  constructor(
    private readonly links: MailLinks,
    private readonly templates: MailTemplates,
    private readonly options: ComposerOptions,
  ) {
    this.#host = new URL(options.issuer).hostname.replace(/^\[|\]$/g, '') || 'localhost';
  }

  /** The message, or why it is not to be sent. */
  async compose(mail: OutboxMail): Promise<OutgoingMail | { readonly skip: string }> {
    const prepared = await this.links.prepare(mail);
    if (!prepared.send) return { skip: prepared.reason };
    const locale = isMailLocale(prepared.user.locale) ? prepared.user.locale : isMailLocale(mail.locale) ? mail.locale : 'en';
    const words = PHRASES[locale];
    const accountUrl = `${this.options.issuer}/account`;
    const link = prepared.token && `${accountUrl}#${prepared.purpose === 'password_reset' ? 'reset' : 'verify'}=${prepared.token}`;
    const { data } = mail;
    const values: Record<string, string> = {
      email: prepared.to,
      accountUrl,
      link: link ?? accountUrl,
      device: known(data.browser) || known(data.os) ? words.device(data.browser ?? '?', data.os ?? '?') : words.unknownDevice,
      ip: data.ip ?? words.unknown,
      time: formatTime(data.at ?? mail.createdAt, locale),
      minutes: String(Math.round((prepared.ttl ?? 0) / 60)),
      hours: String(Math.round((prepared.ttl ?? 0) / 3600)),
      newEmail: data.newEmail ?? '',
      oldEmail: data.oldEmail ?? '',
    };
    const rendered = this.templates.render(mail.kind, locale, values, link ?? accountUrl);
    return {
      messageId: `<${mail.id}@${this.#host}>`,
      from: this.options.from,
      to: prepared.to,
      ...rendered,
      ...(link && { link }),
      label: `${new Date(mail.createdAt).toISOString().replace(/[:.]/g, '-')}-${mail.kind}-${mail.id}`,
    };
  }
}
