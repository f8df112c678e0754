import net from 'node:net';
import { SMTPServer } from 'smtp-server';

/** One message as the sink received it. */
export interface SinkMessage {
  readonly messageId: string;
  readonly to: string;
  readonly subject: string;
  /** The decoded text of every MIME part (plain and HTML), joined. */
  readonly text: string;
  readonly raw: string;
}

/**
 * A real SMTP server on 127.0.0.1 (the `smtp-server` package) that keeps what it receives. It can
 * be stopped and started again on the same port (a mail server outage), and made slow (each message
 * held `delayMs` before it is accepted).
 */
export class SmtpSink {
  readonly messages: SinkMessage[] = [];
  /** Messages whose data began to arrive (accepted or not). */
  receiving = 0;
  delayMs = 0;
  #server: SMTPServer | undefined;
  #waiters = new Set<() => void>();

  private constructor(readonly port: number) {}

  static async start(port = 0): Promise<SmtpSink> {
    const sink = new SmtpSink(port === 0 ? await freePort() : port);
    await sink.up();
    return sink;
  }

  /** `smtp://127.0.0.1:<port>`, for LATCHKEY_SMTP_URL. */
  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  /** Starts listening (again). */
  async up(): Promise<void> {
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData: (stream, _session, callback) => {
        const chunks: Buffer[] = [];
        this.receiving++;
        for (const wake of this.#waiters) wake();
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8');
          setTimeout(() => {
            this.messages.push(parseMessage(raw));
            for (const wake of this.#waiters) wake();
            callback();
          }, this.delayMs);
        });
      },
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.#server = server;
  }

  /** Stops listening and drops open connections (the mail server is down). */
  async down(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      // close() waits for connected clients; end them.
      const connections = (server as unknown as { connections?: Set<{ close(): void }> }).connections;
      for (const c of connections ?? []) c.close();
    });
  }

  /** Messages to `to` (case-insensitive). */
  to(address: string): SinkMessage[] {
    return this.messages.filter((m) => m.to.toLowerCase().includes(address.toLowerCase()));
  }

  /** Resolves once `test` holds for the messages received (polling on every arrival). */
  async waitFor(test: (messages: SinkMessage[]) => boolean, timeoutMs = 15_000): Promise<SinkMessage[]> {
    if (test(this.messages)) return this.messages;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        reject(new Error(`the SMTP sink did not get the awaited messages within ${timeoutMs} ms (has ${this.messages.length})`));
      }, timeoutMs);
      const check = () => {
        if (!test(this.messages)) return;
        clearTimeout(timer);
        this.#waiters.delete(check);
        resolve(this.messages);
      };
      this.#waiters.add(check);
    });
  }

  /** Waits for the `n`-th message to `to` (with `subject`, when given) and returns it. */
  async next(to: string, n = 1, subject?: string, timeoutMs?: number): Promise<SinkMessage> {
    const matching = () => this.to(to).filter((m) => subject === undefined || m.subject === subject);
    await this.waitFor(() => matching().length >= n, timeoutMs);
    return matching()[n - 1]!;
  }

  async close(): Promise<void> {
    await this.down();
  }
}

/** The token of the link in a message (`#reset=` or `#verify=`). */
export function linkToken(message: SinkMessage, kind: 'reset' | 'verify'): string {
  const match = new RegExp(`#${kind}=([A-Za-z0-9_-]+)`).exec(message.text);
  if (!match) throw new Error(`no #${kind}= link in "${message.subject}"`);
  return match[1]!;
}

/** Headers and decoded parts of a MIME message: enough for the tests, not a general parser. */
export function parseMessage(raw: string): SinkMessage {
  const [head = '', ...rest] = raw.split(/\r?\n\r?\n/);
  const headers = parseHeaders(head);
  return {
    messageId: headers['message-id'] ?? '',
    to: headers.to ?? '',
    subject: decodeWords(headers.subject ?? ''),
    text: decodeParts(headers, rest.join('\r\n\r\n')),
    raw,
  };
}

function parseHeaders(head: string): Record<string, string> {
  const unfolded = head.replace(/\r?\n[ \t]+/g, ' ');
  const headers: Record<string, string> = {};
  for (const line of unfolded.split(/\r?\n/)) {
    const at = line.indexOf(':');
    if (at > 0) headers[line.slice(0, at).trim().toLowerCase()] = line.slice(at + 1).trim();
  }
  return headers;
}

function decodeParts(headers: Record<string, string>, body: string): string {
  const type = headers['content-type'] ?? 'text/plain';
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
  if (boundary) {
    return body
      .split(`--${boundary}`)
      .slice(1)
      .filter((part) => !part.startsWith('--'))
      .map((part) => {
        const [h = '', ...b] = part.replace(/^\r?\n/, '').split(/\r?\n\r?\n/);
        return decodeParts(parseHeaders(h), b.join('\r\n\r\n'));
      })
      .join('\n');
  }
  const encoding = (headers['content-transfer-encoding'] ?? '').toLowerCase();
  if (encoding === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (encoding === 'quoted-printable') {
    const bytes = body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_m, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
    return Buffer.from(bytes, 'latin1').toString('utf8');
  }
  return body;
}

function decodeWords(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?utf-8\?([BQ])\?([^?]*)\?=/gi, (_m, enc: string, text: string) =>
      enc.toUpperCase() === 'B'
        ? Buffer.from(text, 'base64').toString('utf8')
        : Buffer.from(text.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (_x, h: string) => String.fromCharCode(Number.parseInt(h, 16))), 'latin1').toString('utf8'),
    );
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
