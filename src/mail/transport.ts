/** One message as a transport sends it. */
export interface OutgoingMail {
  /** `<outbox id@issuer host>`: the same on every attempt, so a resent message is recognisable. */
  readonly messageId: string;
  readonly from: string;
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  /** The link inside, if any: the on-disk outbox names it in its log line. */
  readonly link?: string;
  /** Names the message (kind and time) for the on-disk outbox's file name. */
  readonly label: string;
}

/** Where messages go: an SMTP server, or the on-disk outbox. */
export interface MailTransport {
  /** `smtp` or `disk`, for logs and metrics. */
  readonly kind: 'smtp' | 'disk';
  /** Resolves once the message is handed over; rejects with a reason safe to store and log. */
  send(mail: OutgoingMail): Promise<void>;
  close(): Promise<void>;
}

/** The fields of `mail` that nodemailer composes into the message (both transports send the same). */
export function nodemailerMessage(mail: OutgoingMail) {
  const { messageId, from, to, subject, text, html } = mail;
  return { messageId, from, to, subject, text, html };
}
