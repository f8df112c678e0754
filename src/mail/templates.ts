import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MailKind } from '../core/mail-message.ts';
import type { MailLocale } from './locale.ts';

/**
 * The built-in templates: beside this module when run from src/, and in src/mail/templates/ when run
 * from the compiled dist/ (the build compiles code only; the package ships src/ too).
 */
const BUILT_IN = [new URL('./templates/', import.meta.url), new URL('../../src/mail/templates/', import.meta.url)]
  .map((url) => fileURLToPath(url))
  .find((dir) => existsSync(path.join(dir, 'layout.html'))) ?? fileURLToPath(new URL('./templates/', import.meta.url));

/** A message ready for a transport: plain text plus simple HTML. */
export interface RenderedMail {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

/**
 * The e-mail templates: `<dir>/<locale>/<kind>.txt` (a `Subject:` line, an `Action:` line naming
 * the button, a blank line, then the plain-text body) and `<dir>/layout.html` around the HTML
 * version. `{{name}}` is replaced by a value (HTML-escaped in the HTML). A file in the operator's
 * directory (`LATCHKEY_MAIL_TEMPLATES`) wins over the built-in one of the same name, so an operator
 * can reword one message without copying the rest. Files are read once and kept.
 *
 * @example
 * const templates = new MailTemplates(process.env.LATCHKEY_MAIL_TEMPLATES)
 * const mail = templates.render('password_reset', 'en', { link, email }, link)
 */
export class MailTemplates {
  readonly #cache = new Map<string, string>();

  constructor(private readonly overrides?: string) {}

  /** Fills the template of `kind` in `locale`; the button points to `actionUrl`. */
  render(kind: MailKind, locale: MailLocale, values: Readonly<Record<string, string>>, actionUrl: string): RenderedMail {
    const source = this.#file(path.join(locale, `${kind}.txt`));
    const [head = '', ...rest] = source.replace(/\r\n/g, '\n').split('\n\n');
    const headers = Object.fromEntries(
      head.split('\n').map((line) => {
        const at = line.indexOf(':');
        return [line.slice(0, at).trim().toLowerCase(), line.slice(at + 1).trim()];
      }),
    );
    const fill = (text: string, encode: (s: string) => string) =>
      text.replace(/\{\{(\w+)\}\}/g, (_all, name: string) => encode(values[name] ?? ''));
    const subject = fill(headers.subject ?? kind, oneLine);
    const body = rest.join('\n\n').trim();
    const paragraphs = body.split(/\n{2,}/).map((p) => `<p style="margin:0 0 12px">${linkify(fill(p, escapeHtml)).replace(/\n/g, '<br>')}</p>`);
    const layout: Record<string, string> = {
      locale,
      subject: escapeHtml(subject),
      body: paragraphs.join('\n'),
      actionUrl: escapeHtml(actionUrl),
      actionLabel: escapeHtml(fill(headers.action ?? '', oneLine)),
    };
    return {
      subject,
      text: `${fill(body, (s) => s)}\n`,
      html: this.#file('layout.html').replace(/\{\{(\w+)\}\}/g, (_all, name: string) => layout[name] ?? ''),
    };
  }

  #file(name: string): string {
    let text = this.#cache.get(name);
    if (text === undefined) {
      text = this.#read(name);
      this.#cache.set(name, text);
    }
    return text;
  }

  #read(name: string): string {
    if (this.overrides) {
      try {
        return readFileSync(path.join(this.overrides, name), 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
    return readFileSync(path.join(BUILT_IN, name), 'utf8');
  }
}

function oneLine(value: string): string {
  return value.replace(/[\r\n]+/g, ' ');
}

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Turns the (already escaped) http(s) URLs of a paragraph into links. */
function linkify(escaped: string): string {
  return escaped.replace(/https?:\/\/[^\s<]+/g, (url) => `<a href="${url}">${url}</a>`);
}
